// Teardown: whatever happens to the socket, every readCommand() and flush()
// settles, nothing is thrown into the event loop, and nothing leaks.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { Parser, Writer } from '../src/index.js';
import { encode, RespClient } from './resp-client.js';
import { ToolkitServer } from './toolkit-server.js';

/** One TCP connection on loopback: the server's end and the client's. */
interface Pair {
  server: net.Socket;
  client: net.Socket;
}

let tcp: net.Server;
let unix: net.Server;
let dir: string;
let accepted: ((socket: net.Socket) => void) | null = null;
const pairs: Pair[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'redisproto-teardown-'));
  tcp = net.createServer((socket) => accepted?.(socket));
  unix = net.createServer((socket) => accepted?.(socket));
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => unix.listen(join(dir, 'sock'), resolve));
});
afterAll(async () => {
  for (const { server, client } of pairs) {
    server.destroy();
    client.destroy();
  }
  await new Promise<void>((resolve) => tcp.close(() => resolve()));
  await new Promise<void>((resolve) => unix.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

/** A connection over loopback TCP, or over a Unix socket, whose small kernel buffers fill quickly. */
async function pair(over: 'tcp' | 'unix' = 'tcp'): Promise<Pair> {
  const server = new Promise<net.Socket>((resolve) => (accepted = resolve));
  const client =
    over === 'tcp' ? net.connect((tcp.address() as net.AddressInfo).port, '127.0.0.1') : net.connect(join(dir, 'sock'));
  client.on('error', () => {}); // the client side is torn down on purpose
  const p = { server: await server, client };
  pairs.push(p);
  return p;
}

const closed = (socket: net.Socket): Promise<void> =>
  socket.closed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve()));

// Anything thrown into the event loop or left unhandled shows up here.
const escaped: unknown[] = [];
const onEscape = (err: unknown): void => void escaped.push(err);
beforeEach(() => {
  escaped.length = 0;
  process.on('unhandledRejection', onEscape);
  process.on('uncaughtException', onEscape);
});
afterEach(async () => {
  await new Promise((resolve) => setTimeout(resolve, 20)); // let late events fire
  process.off('unhandledRejection', onEscape);
  process.off('uncaughtException', onEscape);
  expect(escaped).toEqual([]);
});

describe('a readCommand() pending when the connection goes away', () => {
  test('settles with null when the peer closes cleanly', async () => {
    const { server, client } = await pair();
    const pending = new Parser(server).readCommand();
    client.end();
    await expect(pending).resolves.toBeNull();
  });

  test('settles with null when the socket is destroyed without an error', async () => {
    const { server } = await pair();
    const pending = new Parser(server).readCommand();
    server.destroy();
    await expect(pending).resolves.toBeNull();
  });

  test('rejects with the error the socket is destroyed with', async () => {
    const { server } = await pair();
    const pending = new Parser(server).readCommand();
    const boom = new Error('boom');
    server.destroy(boom);
    await expect(pending).rejects.toBe(boom);
  });

  test('rejects with ECONNRESET when the peer resets the connection', async () => {
    const { server, client } = await pair();
    const pending = new Parser(server).readCommand();
    client.resetAndDestroy();
    await expect(pending).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  test('rejects with a fatal ProtocolError when the peer closes in the middle of a request', async () => {
    const { server, client } = await pair();
    const pending = new Parser(server).readCommand();
    client.end('*2\r\n$3\r\nGET\r\n$3\r\nke');
    await expect(pending).rejects.toMatchObject({
      name: 'ProtocolError',
      code: 'TRUNCATED_REQUEST',
      message: 'Protocol error: connection closed in the middle of a request',
      reply: null,
      fatal: true,
    });
  });

  test('and every later call settles the same way', async () => {
    const { server, client } = await pair();
    const parser = new Parser(server);
    const pending = parser.readCommand();
    client.resetAndDestroy();
    const err = await pending.catch((e: unknown) => e);
    await expect(parser.readCommand()).rejects.toBe(err);
    await expect(parser.readCommand()).rejects.toBe(err);
  });

  test('overlapping calls made without awaiting all settle', async () => {
    const { server, client } = await pair();
    const parser = new Parser(server);
    const calls = [parser.readCommand(), parser.readCommand(), parser.readCommand()];
    client.write(encode('PING'));
    await expect(calls[0]).resolves.toMatchObject({ offsets: expect.any(Array) });
    server.destroy();
    await expect(calls[1]).resolves.toBeNull();
    await expect(calls[2]).resolves.toBeNull();
  });
});

describe('a Writer on a connection that went away', () => {
  test('does not throw from write methods and reports the failure at flush()', async () => {
    const { server, client } = await pair();
    const out = new Writer(server);
    client.resetAndDestroy();
    await closed(server);
    expect(() => {
      out.writeSimpleString('OK');
      out.writeBulk(Buffer.alloc(32 * 1024)); // large enough to go to the stream at once
      out.writeInt(1);
    }).not.toThrow();
    await expect(out.flush()).rejects.toMatchObject({ code: expect.stringMatching(/^(ECONNRESET|ERR_STREAM_DESTROYED)$/) });
  });

  test('with no Parser on the socket, a reset between flushes is kept for flush() instead of crashing', async () => {
    const { server, client } = await pair();
    const out = new Writer(server); // the Writer's is the only 'error' listener
    out.writeSimpleString('OK');
    await out.flush();
    client.resetAndDestroy();
    await closed(server);
    out.writeSimpleString('OK');
    await expect(out.flush()).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  test('a flush waiting for drain rejects when the peer resets', async () => {
    const { server, client } = await pair();
    client.pause(); // reads nothing, so the server's writes back up
    const out = new Writer(server);
    let waiting: Promise<void> = Promise.resolve();
    for (let i = 0; i < 1_000 && !server.writableNeedDrain; i++) {
      out.writeBulk(Buffer.alloc(64 * 1024));
      waiting = out.flush();
    }
    expect(server.writableNeedDrain).toBe(true);
    client.resetAndDestroy();
    await expect(waiting).rejects.toBeInstanceOf(Error);
  });
});

describe('a long connection', () => {
  test('100,000 commands with many drain waits add no listener and raise no MaxListenersExceededWarning', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      const toolkit = new ToolkitServer({ highWater: 16 * 1024 }); // a drain wait every few replies
      toolkit.store.set('v', Buffer.alloc(1024, 'v'));
      const { server, client } = await pair('unix');
      let drains = 0;
      server.on('drain', () => drains++);
      const events = ['drain', 'close', 'error', 'end', 'readable', 'finish'] as const;
      const counts = (): number[] => events.map((e) => server.listenerCount(e));
      const serving = toolkit.handle(server);
      const atStart = counts();
      const reader = new RespClient(client);
      const batch = Buffer.concat(Array.from({ length: 1_000 }, () => encode('GET', 'v')));
      let maxListeners = 0;
      for (let b = 0; b < 100; b++) {
        // The client holds off reading until the server has to wait for drain.
        client.pause();
        client.write(batch);
        for (let spins = 0; !server.writableNeedDrain && spins < 10_000; spins++) {
          await new Promise((resolve) => setImmediate(resolve));
        }
        client.resume();
        for (let i = 0; i < 1_000; i++) {
          const reply = await reader.next();
          if (reply !== 'v'.repeat(1024)) throw new Error(`reply ${b * 1_000 + i} is wrong: ${String(reply).slice(0, 40)}`);
        }
        maxListeners = Math.max(maxListeners, ...counts());
      }
      expect(toolkit.stats.commands).toBe(100_000);
      expect(drains).toBeGreaterThanOrEqual(100);
      expect(counts()).toEqual(atStart);
      expect(maxListeners).toBeLessThanOrEqual(Math.max(...atStart) + 1);
      client.end();
      await serving;
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('any sequence of events on a real connection', () => {
  type Event = 'client writes' | 'client ends' | 'client resets' | 'server destroys' | 'server destroys with an error' | 'server ends' | 'read' | 'reply and flush';
  const events: Event[] = ['client writes', 'client ends', 'client resets', 'server destroys', 'server destroys with an error', 'server ends', 'read', 'reply and flush'];

  test('leaves no readCommand() or flush() unsettled and throws nothing into the event loop', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...events), { maxLength: 12 }), fc.uint8Array({ minLength: 1, maxLength: 30 }), async (steps, bytes) => {
        const { server, client } = await pair();
        const parser = new Parser(server);
        const out = new Writer(server);
        const pending: Promise<string>[] = [];
        const watch = (p: Promise<unknown>): void => void pending.push(p.then(() => 'ok', () => 'failed'));
        for (const step of steps) {
          if (step === 'client writes') {
            if (!client.destroyed && !client.writableEnded) client.write(Math.random() < 0.5 ? bytes : encode('PING'));
          } else if (step === 'client ends') client.end();
          else if (step === 'client resets') {
            if (!client.destroyed) client.resetAndDestroy();
          } else if (step === 'server destroys') server.destroy();
          else if (step === 'server destroys with an error') server.destroy(new Error('injected'));
          else if (step === 'server ends') server.end();
          else if (step === 'read') watch(parser.readCommand());
          else {
            out.writeBulk(Buffer.alloc(20_000));
            watch(out.flush());
          }
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
        client.destroy();
        server.destroy();
        watch(parser.readCommand());
        watch(out.flush());
        const settled = await Promise.race([
          Promise.allSettled(pending).then(() => true),
          new Promise((resolve) => setTimeout(() => resolve(false), 2_000)),
        ]);
        return settled === true;
      }),
      { numRuns: 60, seed: 11 },
    );
  });
});

describe('any sequence of input bytes and stream events', () => {
  type Step =
    | { op: 'write'; bytes: Uint8Array }
    | { op: 'read' }
    | { op: 'reply'; size: number }
    | { op: 'flush' }
    | { op: 'end' }
    | { op: 'destroy' }
    | { op: 'fail' };
  const request = fc.constantFrom(...['*1\r\n$4\r\nPING\r\n', 'GET k\r\n', '*2\r\n$3\r\nGET\r\n$1\r\nk\r\n', '*1\r\n$x', '"', '\r\n'].map((s) => Buffer.from(s)));
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({ op: fc.constant('write' as const), bytes: fc.oneof(fc.uint8Array({ maxLength: 40 }), request) }),
    fc.constant({ op: 'read' as const }),
    fc.record({ op: fc.constant('reply' as const), size: fc.oneof(fc.constant(10), fc.constant(20_000)) }),
    fc.constant({ op: 'flush' as const }),
    fc.constant({ op: 'end' as const }),
    fc.constant({ op: 'destroy' as const }),
    fc.constant({ op: 'fail' as const }),
  );

  test('never throw synchronously, and every readCommand() and flush() settles', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 30 }), async (steps) => {
        const stream = new PassThrough();
        const parser = new Parser(stream, { maxQueryBuffer: 64 });
        const out = new Writer(stream);
        // Each promise is observed as it is made, so its rejection is not an unhandled one of the test's.
        const pending: Promise<unknown>[] = [];
        const watch = (p: Promise<unknown>): void => void pending.push(p.then(() => 'ok', () => 'failed'));
        for (const s of steps) {
          if (s.op === 'write') {
            if (!stream.destroyed && !stream.writableEnded) stream.write(s.bytes);
          } else if (s.op === 'read') watch(parser.readCommand());
          else if (s.op === 'reply') out.writeBulk(Buffer.alloc(s.size));
          else if (s.op === 'flush') watch(out.flush());
          else if (s.op === 'end') stream.end();
          else if (s.op === 'destroy') stream.destroy();
          else stream.destroy(new Error('injected'));
          await new Promise((resolve) => setImmediate(resolve));
        }
        stream.destroy();
        watch(parser.readCommand());
        watch(out.flush());
        const settled = await Promise.race([
          Promise.allSettled(pending).then(() => true),
          new Promise((resolve) => setTimeout(() => resolve(false), 1_000)),
        ]);
        return settled === true;
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});
