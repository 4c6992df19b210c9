// tryReadCommand(): the next command if it is already buffered, without a
// promise; and the 'data'-event transport under the Parser (it holds the
// stream once a chunk arrives that nobody asked for).
import { once } from 'node:events';
import net from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Command, Parser, ProtocolError } from '../src/index.js';

/** Lets written bytes reach the parser (stream callbacks run on ticks). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A parser over a PassThrough, and a way to send it bytes and let them arrive. */
function connection(): { stream: PassThrough; parser: Parser; send(bytes: string): Promise<void> } {
  const stream = new PassThrough();
  const parser = new Parser(stream);
  return {
    stream,
    parser,
    async send(bytes) {
      stream.write(Buffer.from(bytes, 'latin1'));
      await settle();
    },
  };
}

/** What a test compares: a command's arguments and isLast(). */
const seen = (cmd: Command | null | undefined): { args: string[]; last: boolean } | null | undefined =>
  cmd ? { args: cmd.args().map((a) => a.toString('latin1')), last: cmd.isLast() } : cmd;

/** What a call throws (it must throw). */
function thrownBy(call: () => unknown): unknown {
  try {
    call();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to throw');
}

const PING = '*1\r\n$4\r\nPING\r\n';
const BURST = '*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n';

describe('tryReadCommand', () => {
  test('a pipelined burst gives each buffered command at once, in order, then undefined', async () => {
    const { parser, send } = connection();
    await send(BURST);
    expect(seen(parser.tryReadCommand())).toEqual({ args: ['PING'], last: false });
    expect(seen(parser.tryReadCommand())).toEqual({ args: ['ECHO', 'hi'], last: false });
    expect(seen(parser.tryReadCommand())).toEqual({ args: ['SET', 'k', 'v'], last: true });
    expect(parser.tryReadCommand()).toBeUndefined();
  });

  test('isLast is the same as with readCommand: true only for the last buffered command', async () => {
    const a = connection();
    const b = connection();
    await a.send(BURST + 'PI');
    await b.send(BURST + 'PI');
    const tried = [a.parser.tryReadCommand(), a.parser.tryReadCommand(), a.parser.tryReadCommand()].map(seen);
    const read = [await b.parser.readCommand(), await b.parser.readCommand(), await b.parser.readCommand()].map(seen);
    expect(tried).toEqual(read);
    expect(tried.map((c) => c!.last)).toEqual([false, false, true]);
  });

  test('gives undefined before any input', () => {
    expect(connection().parser.tryReadCommand()).toBeUndefined();
  });

  test('gives undefined while only part of a request has arrived, and the command once the rest has', async () => {
    const { parser, send } = connection();
    await send('*1\r\n$4\r\nPI');
    expect(parser.tryReadCommand()).toBeUndefined();
    const pending = parser.readCommand();
    await send('NG\r\n');
    expect(seen(await pending)).toEqual({ args: ['PING'], last: true });
  });

  test('does not take input from a stream the parser holds: bytes arriving after a partial request wait for readCommand', async () => {
    const { stream, parser, send } = connection();
    await send('*1\r\n$4\r\nPI');
    await send('NG\r\n');
    expect(stream.isPaused()).toBe(true);
    expect(parser.tryReadCommand()).toBeUndefined();
    expect(seen(await parser.readCommand())).toEqual({ args: ['PING'], last: true });
  });

  test('throws a malformed request\'s ProtocolError at once, in Redis\'s words', async () => {
    const { parser, send } = connection();
    await send('*x\r\n');
    const err = thrownBy(() => parser.tryReadCommand());
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err).toMatchObject({ message: 'Protocol error: invalid multibulk length', fatal: true });
  });

  test('commands buffered before a malformed request come first, the last of them marked last', async () => {
    const { parser, send } = connection();
    await send(PING + '*1\r\n$x\r\n');
    expect(seen(parser.tryReadCommand())).toEqual({ args: ['PING'], last: true });
    expect(thrownBy(() => parser.tryReadCommand())).toMatchObject({ message: "Protocol error: invalid bulk length", fatal: true });
  });

  test('a fatal error is thrown again by every later call, and readCommand rejects with the same error', async () => {
    const { parser, send } = connection();
    await send('*x\r\n');
    const err = thrownBy(() => parser.tryReadCommand());
    await send(PING); // nothing after a fatal error is parsed
    expect(thrownBy(() => parser.tryReadCommand())).toBe(err);
    await expect(parser.readCommand()).rejects.toBe(err);
    expect(thrownBy(() => parser.tryReadCommand())).toBe(err);
  });

  test('a recoverable error (unbalanced quotes in an inline request) is thrown once, and the next command follows', async () => {
    const { parser, send } = connection();
    await send('SET "a b\r\n' + PING);
    const err = thrownBy(() => parser.tryReadCommand());
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err).toMatchObject({ message: 'Protocol error: unbalanced quotes in request', fatal: false });
    expect(seen(parser.tryReadCommand())).toEqual({ args: ['PING'], last: true });
    expect(parser.tryReadCommand()).toBeUndefined();
  });

  test('gives undefined while a readCommand call waits, so that calls are answered in order', async () => {
    const { parser, send } = connection();
    const pending = parser.readCommand();
    expect(parser.tryReadCommand()).toBeUndefined();
    await send('*1\r\n$4\r\nPI');
    expect(parser.tryReadCommand()).toBeUndefined();
    await send('NG\r\n*1\r\n$4\r\nECHO\r\n');
    expect(seen(await pending)).toEqual({ args: ['PING'], last: false });
    expect(seen(parser.tryReadCommand())).toEqual({ args: ['ECHO'], last: true });
  });

  test('gives undefined at the end of the stream, where readCommand gives null', async () => {
    const { stream, parser } = connection();
    stream.end(PING);
    await settle();
    expect(seen(parser.tryReadCommand())).toEqual({ args: ['PING'], last: true });
    expect(parser.tryReadCommand()).toBeUndefined();
    expect(await parser.readCommand()).toBeNull();
    expect(parser.tryReadCommand()).toBeUndefined();
    expect(await parser.readCommand()).toBeNull();
  });

  test('a request cut off by the end of the stream is a fatal error, thrown by every later call', async () => {
    const { stream, parser } = connection();
    stream.end('*1\r\n$4\r\nPI');
    const err = await parser.readCommand().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err).toMatchObject({ message: 'Protocol error: connection closed in the middle of a request', fatal: true });
    expect(thrownBy(() => parser.tryReadCommand())).toBe(err);
    await expect(parser.readCommand()).rejects.toBe(err);
  });
});

describe('the input transport', () => {
  let tcp: net.Server;
  const sockets: net.Socket[] = [];

  beforeAll(async () => {
    tcp = net.createServer();
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => tcp.close(() => resolve()));
  });

  /** A loopback TCP connection: the server's end and the client's. */
  async function pair(): Promise<{ server: net.Socket; client: net.Socket }> {
    const accepted = once(tcp, 'connection') as Promise<[net.Socket]>;
    const client = net.connect((tcp.address() as net.AddressInfo).port, '127.0.0.1');
    client.on('error', () => {}); // torn down on purpose
    const [server] = await accepted;
    sockets.push(server, client);
    return { server, client };
  }

  test('the tryReadCommand-then-readCommand loop over TCP gets 1,000 commands pipelined in one write, in order', async () => {
    const { server, client } = await pair();
    const parser = new Parser(server);
    const sent = Array.from({ length: 1000 }, (_, i) => String(i));
    client.end(sent.map((v) => `*2\r\n$4\r\nECHO\r\n$${v.length}\r\n${v}\r\n`).join(''));
    const got: string[] = [];
    let withoutPromise = 0;
    for (;;) {
      let cmd: Command | null | undefined = parser.tryReadCommand();
      if (cmd !== undefined) withoutPromise++;
      cmd ??= await parser.readCommand();
      if (cmd === null) break;
      got.push(cmd.getString(1)!);
    }
    expect(got).toEqual(sent);
    expect(withoutPromise).toBeGreaterThan(0); // a burst is taken without a promise per command
  });

  test('a parser that is never asked holds the stream after one chunk, so writes report backpressure; asked, it gets everything', async () => {
    const stream = new PassThrough({ highWaterMark: 64 });
    const parser = new Parser(stream);
    const request = (i: number): string => `*2\r\n$4\r\nECHO\r\n$${String(i).length}\r\n${i}\r\n`;
    stream.write(request(0));
    await settle();
    expect(stream.isPaused()).toBe(true);
    let written = 1;
    let accepted = true;
    while (accepted && written < 1000) accepted = stream.write(request(written++));
    expect(accepted).toBe(false);
    expect(written).toBeLessThan(1000);
    stream.end();
    const got: string[] = [];
    for (;;) {
      const cmd = parser.tryReadCommand() ?? (await parser.readCommand());
      if (cmd === null) break;
      got.push(cmd.getString(1)!);
    }
    expect(got).toEqual(Array.from({ length: written }, (_, i) => String(i)));
  });

  test('a socket destroyed with an error while nothing is buffered: readCommand rejects with it, tryReadCommand throws it', async () => {
    const { server } = await pair();
    const parser = new Parser(server);
    const pending = parser.readCommand();
    const boom = new Error('boom');
    server.destroy(boom);
    await expect(pending).rejects.toBe(boom);
    expect(thrownBy(() => parser.tryReadCommand())).toBe(boom);
    await expect(parser.readCommand()).rejects.toBe(boom);
  });

  test('commands buffered before a socket error are delivered before the error', async () => {
    const { server, client } = await pair();
    const parser = new Parser(server);
    client.write(PING + '*1\r\n$4\r\nECHO\r\n'); // one small write: one chunk on loopback
    expect(seen(await parser.readCommand())).toEqual({ args: ['PING'], last: false });
    const boom = new Error('boom');
    server.destroy(boom);
    await new Promise((resolve) => server.once('close', resolve)); // events.once would reject on the 'error'
    expect(seen(parser.tryReadCommand())).toEqual({ args: ['ECHO'], last: true });
    expect(thrownBy(() => parser.tryReadCommand())).toBe(boom);
    await expect(parser.readCommand()).rejects.toBe(boom);
  });

  test('an object-mode stream yielding a value that is not bytes makes readCommand reject with a TypeError, and nothing escapes', async () => {
    const escaped: unknown[] = [];
    const onEscape = (err: unknown): void => void escaped.push(err);
    process.on('uncaughtException', onEscape);
    process.on('unhandledRejection', onEscape);
    try {
      const parser = new Parser(Readable.from([Buffer.from(PING), 42]));
      expect(seen(await parser.readCommand())).toEqual({ args: ['PING'], last: true });
      const err = await parser.readCommand().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TypeError);
      expect(thrownBy(() => parser.tryReadCommand())).toBe(err);
      await new Promise((resolve) => setTimeout(resolve, 20)); // let late events fire
    } finally {
      process.off('uncaughtException', onEscape);
      process.off('unhandledRejection', onEscape);
    }
    expect(escaped).toEqual([]);
  });
});
