// ProtocolError's code and reply: for each request failure, the bytes a real redis-server
// sends (and whether it closes) against what `if (err.reply !== null) out.writeError(err.reply)` sends.
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ErrorCode, Parser, ProtocolError, type ProtocolErrorCode, ReplyParser, type ReplyParserOptions, Writer } from '../src/index.js';
import { requireBinary, startRedisServer, type Started } from './helpers.js';

const QUERY_BUFFER_LIMIT = 1024 * 1024; // Redis's smallest client-query-buffer-limit
/** How long a peer that has not closed gets to send anything more. */
const QUIET_MS = 400;
const seen = new Set<string>();

/** What a server sent back for `input`, and whether it closed the connection. */
interface Answer {
  bytes: string;
  closed: boolean;
}

/** Sends `input` on a fresh connection (then half-closes if `end`), and collects the answer until close or quiet. */
function exchange(port: number, input: Buffer, end: boolean): Promise<Answer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, '127.0.0.1');
    let quiet: NodeJS.Timeout | undefined;
    const done = (closed: boolean): void => {
      clearTimeout(quiet);
      socket.destroy();
      resolve({ bytes: Buffer.concat(chunks).toString('latin1'), closed });
    };
    const wait = (): void => {
      clearTimeout(quiet);
      quiet = setTimeout(() => done(false), QUIET_MS);
    };
    socket.on('connect', () => {
      if (end) socket.end(input);
      else socket.write(input);
      wait();
    });
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      wait();
    });
    socket.on('error', () => {}); // a peer that closes while we still write resets: 'close' follows
    socket.on('close', () => done(true));
  });
}

/**
 * The canonical toolkit loop: answers PING, and for a ProtocolError sends
 * `err.reply` if there is one, then closes if it is fatal.
 */
function toolkitServer(): Promise<{ port: number; stop(): Promise<void> }> {
  // A socket whose reading stopped at a fatal error may never see its peer's FIN: stop() ends them all.
  const sockets = new Set<net.Socket>();
  const server = net.createServer(async (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const parser = new Parser(socket, { maxQueryBuffer: QUERY_BUFFER_LIMIT });
    const out = new Writer(socket);
    for (;;) {
      try {
        const cmd = await parser.readCommand();
        if (cmd === null) break;
        out.writeSimpleString('PONG');
      } catch (err) {
        if (!(err instanceof ProtocolError)) break;
        if (err.reply !== null) out.writeError(err.reply);
        if (err.fatal) break;
      }
      await out.flush().catch(() => {});
    }
    await out.flush().catch(() => {});
    socket.end();
  });
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as net.AddressInfo).port, stop })));
}

/** The first error our Parser raises for `input` delivered in one chunk and ended. */
async function errorOf(input: Buffer): Promise<ProtocolError> {
  const parser = new Parser(PassThrough.from([input]), { maxQueryBuffer: QUERY_BUFFER_LIMIT });
  for (;;) {
    const cmd = await parser.readCommand().catch((err: unknown) => err);
    if (cmd instanceof ProtocolError) return cmd;
    if (cmd === null) throw new Error('no error');
  }
}

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

// [what, bytes in, half-close after sending, code, Redis's reply line (without - and CRLF) or null]
const SAME_AS_REDIS: [string, Buffer, boolean, ProtocolErrorCode, string | null][] = [
  ['a count that is not a number', latin1('*x\r\n'), false, 'INVALID_MULTIBULK_LENGTH', 'ERR Protocol error: invalid multibulk length'],
  ['a bulk length that is not a number', latin1('*1\r\n$x\r\n'), false, 'INVALID_BULK_LENGTH', 'ERR Protocol error: invalid bulk length'],
  ['a bulk length above 512 MiB', latin1('*1\r\n$536870913\r\n'), false, 'INVALID_BULK_LENGTH', 'ERR Protocol error: invalid bulk length'],
  ['an argument without its dollar', latin1('*1\r\nPING\r\n'), false, 'EXPECTED_DOLLAR', "ERR Protocol error: expected '$', got 'P'"],
  [
    'an argument starting with the byte 0xE9, echoed raw',
    latin1('*1\r\n\xe9\r\n'),
    false,
    'EXPECTED_DOLLAR',
    "ERR Protocol error: expected '$', got '\xe9'",
  ],
  ['an argument starting with CR, echoed as a space', latin1('*1\r\n\r\n\r\n'), false, 'EXPECTED_DOLLAR', "ERR Protocol error: expected '$', got ' '"],
  ['70,000 inline bytes without a line end', latin1('x'.repeat(70_000)), false, 'TOO_BIG_INLINE', 'ERR Protocol error: too big inline request'],
  ['a count line of 70,000 digits', latin1('*' + '1'.repeat(70_000)), false, 'TOO_BIG_MBULK_COUNT', 'ERR Protocol error: too big mbulk count string'],
  ['a bulk length line of 70,000 digits', latin1('*1\r\n$' + '1'.repeat(70_000)), false, 'TOO_BIG_BULK_COUNT', 'ERR Protocol error: too big bulk count string'],
  // Redis closes after this one too; our loop goes on (the error is not fatal) until the client's FIN.
  ['an inline line with an unclosed quote', latin1('SET "a b\r\n'), true, 'UNBALANCED_QUOTES', 'ERR Protocol error: unbalanced quotes in request'],
  ['a request cut off by the end of the stream', latin1('*2\r\n$3\r\nGET\r\n$3\r\nke'), true, 'TRUNCATED_REQUEST', null],
  [
    'one request outgrowing the query-buffer limit (1 MiB on both)',
    Buffer.concat([latin1('*2\r\n$3\r\nGET\r\n$2000000\r\n'), Buffer.alloc(1_500_000, 0x61)]),
    false,
    'QUERY_BUFFER_LIMIT',
    null,
  ],
];

const hasRedis = requireBinary('redis-server');

describe.skipIf(!hasRedis)('err.reply is what redis-server 7 sends, byte for byte', () => {
  let redis: Started;
  let ours: { port: number; stop(): Promise<void> };

  beforeAll(async () => {
    redis = await startRedisServer(['--client-query-buffer-limit', String(QUERY_BUFFER_LIMIT)]);
    ours = await toolkitServer();
  }, 30_000);

  afterAll(async () => {
    await redis?.stop();
    await ours?.stop();
  });

  test.each(SAME_AS_REDIS)('%s', async (_name, input, end, code, reply) => {
    seen.add(code);
    const err = await errorOf(input);
    expect(err.code).toBe(code);
    expect(err.reply === null ? null : err.reply.toString('latin1')).toBe(reply);

    const fromRedis = await exchange(redis.port, input, end);
    expect(fromRedis).toEqual({ bytes: reply === null ? '' : `-${reply}\r\n`, closed: true });
    expect(await exchange(ours.port, input, end)).toEqual(fromRedis);
  }, 20_000);

  describe('where redisproto is stricter than Redis, reply says why in Redis form', () => {
    test('bulk data not followed by CRLF: Redis runs the command, we reply MISSING_CRLF and close', async () => {
      seen.add('MISSING_CRLF');
      const input = latin1('*1\r\n$4\r\nPINGxx');
      const err = await errorOf(input);
      expect(err.code).toBe('MISSING_CRLF');
      expect(err.reply?.toString('latin1')).toBe('ERR Protocol error: expected CRLF after bulk data');
      expect(await exchange(redis.port, input, false)).toEqual({ bytes: '+PONG\r\n', closed: false });
      expect(await exchange(ours.port, input, false)).toEqual({ bytes: '-ERR Protocol error: expected CRLF after bulk data\r\n', closed: true });
    });

    test('an inline line holding a NUL byte: Redis never answers, we reply NUL_IN_INLINE and close', async () => {
      seen.add('NUL_IN_INLINE');
      const input = latin1('PING a\0b\r\n');
      const err = await errorOf(input);
      expect(err.code).toBe('NUL_IN_INLINE');
      expect(err.reply?.toString('latin1')).toBe('ERR Protocol error: NUL byte in inline request');
      expect(await exchange(redis.port, input, false)).toEqual({ bytes: '', closed: false });
      expect(await exchange(ours.port, input, false)).toEqual({ bytes: '-ERR Protocol error: NUL byte in inline request\r\n', closed: true });
    });
  });

  test("writeError with bytes echoes a client's raw byte as Redis does in unknown command", async () => {
    const input = latin1('*1\r\n$2\r\n\xe9x\r\n');
    const fromRedis = await exchange(redis.port, input, true);
    const arg = (await new Parser(PassThrough.from([input])).readCommand())!.get(0)!;
    const out = new PassThrough();
    const writer = new Writer(out);
    writer.writeError(Buffer.concat([latin1("ERR unknown command '"), arg, latin1("', with args beginning with: ")]));
    await writer.flush();
    expect((out.read() as Buffer).toString('latin1')).toBe(fromRedis.bytes);
    expect(fromRedis.bytes).toBe("-ERR unknown command '\xe9x', with args beginning with: \r\n");
  });
});

// [what, bytes in, options, code]
const REPLY_FAILURES: [string, string, ReplyParserOptions, ProtocolErrorCode][] = [
  ['an unknown type byte', '?x\r\n', {}, 'REPLY_BAD_TYPE_BYTE'],
  ['an integer with a letter', ':12a\r\n', {}, 'REPLY_BAD_INTEGER'],
  ['a double that is not a number', ',abc\r\n', {}, 'REPLY_BAD_DOUBLE'],
  ['a double line of 326 bytes', `,${'1'.repeat(326)}\r\n`, {}, 'REPLY_DOUBLE_TOO_LARGE'],
  ['a nil with content', '_x\r\n', {}, 'REPLY_BAD_NIL'],
  ['a boolean other than t or f', '#x\r\n', {}, 'REPLY_BAD_BOOL'],
  ['a big number with a letter', '(12a\r\n', {}, 'REPLY_BAD_BIGNUM'],
  ['a simple string holding an LF', '+a\nb\r\n', {}, 'REPLY_BAD_SIMPLE_STRING'],
  ['a bulk length that is not a number', '$abc\r\n', {}, 'REPLY_BAD_BULK_LENGTH'],
  ['a bulk length below -1', '$-2\r\n', {}, 'REPLY_BULK_LENGTH_OUT_OF_RANGE'],
  ['a verbatim string without its format', '=3\r\ntxt\r\n', {}, 'REPLY_BAD_VERBATIM'],
  ['an aggregate count that is not a number', '*x\r\n', {}, 'REPLY_BAD_MULTIBULK_LENGTH'],
  ['an aggregate count below -1', '*-2\r\n', {}, 'REPLY_MULTIBULK_LENGTH_OUT_OF_RANGE'],
  ['nesting deeper than maxDepth', '*1\r\n*0\r\n', { maxDepth: 1 }, 'REPLY_MAX_DEPTH'],
  ['a simple string longer than maxBulkLength', `+${'a'.repeat(11)}\r\n`, { maxBulkLength: 10 }, 'REPLY_SIMPLE_STRING_TOO_LONG'],
  ['a streamed string interrupted by another type', '$?\r\n+x\r\n', {}, 'REPLY_BAD_STREAMED_CHUNK'],
  ['a dot line with content', '*?\r\n.x\r\n', {}, 'REPLY_BAD_STREAM_END'],
  ['bulk data not followed by CRLF', '$3\r\nabcXY', {}, 'REPLY_MISSING_CRLF'],
  ['a reply cut off by the end of the stream', '*2\r\n$5\r\nab', {}, 'REPLY_TRUNCATED'],
  ['a reply larger than maxReplyBytes', `$20\r\n${'a'.repeat(20)}\r\n`, { maxReplyBytes: 16 }, 'REPLY_TOO_BIG'],
];

describe('ReplyParser errors have a code and no reply (a server is not answered)', () => {
  test.each(REPLY_FAILURES)('%s', async (_name, input, options, code) => {
    seen.add(code);
    const err = await new ReplyParser(PassThrough.from([latin1(input)]), options).readReply().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err).toMatchObject({ code, reply: null, fatal: true });
  });
});

describe('codes', () => {
  test('each ErrorCode names itself, and no two are the same', () => {
    for (const [name, value] of Object.entries(ErrorCode)) expect(value).toBe(name);
    expect(new Set(Object.values(ErrorCode)).size).toBe(Object.keys(ErrorCode).length);
  });

  test.skipIf(!hasRedis)('every code is raised by some test above', () => {
    expect([...seen].sort()).toEqual(Object.values(ErrorCode).sort());
  });
});

test('a ProtocolError built by hand: a string reply is UTF-8 as writeError sends strings, fatal by default', () => {
  const err = new ProtocolError("Protocol error: got 'é'", { code: 'EXPECTED_DOLLAR', reply: "ERR got 'é'" });
  expect(err.reply).toEqual(Buffer.from("ERR got '\xc3\xa9'", 'latin1'));
  expect(err).toMatchObject({ name: 'ProtocolError', code: 'EXPECTED_DOLLAR', fatal: true, message: "Protocol error: got 'é'" });
  expect(new ProtocolError('x', { code: 'UNBALANCED_QUOTES', reply: null, fatal: false })).toMatchObject({ reply: null, fatal: false });
});
