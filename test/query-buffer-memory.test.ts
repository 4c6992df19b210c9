// A well-formed request of a huge argument count and empty arguments
// (`*2147483647\r\n` then `$0\r\n\r\n` forever) once grew a plain array of
// offsets, uncounted, until V8 aborted the process. Every byte such a request
// holds, input and per-argument bookkeeping, now counts against
// maxQueryBuffer: it is refused with the query-buffer error and memory stays
// within the limit plus one chunk.
import { PassThrough } from 'node:stream';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Parser, ProtocolError } from '../src/index.js';
import { RespClient } from './resp-client.js';
import { type ChildServer, connect, readStats, startChildServer } from './toolkit-server.js';

const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;
const HEADER = Buffer.from('*2147483647\r\n');
/** 64 KiB of empty arguments, whole ones only. */
const EMPTY_ARGS = Buffer.from('$0\r\n\r\n'.repeat(Math.floor(CHUNK / 6)));

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/**
 * Memory outside V8's heap that is still reachable after a full collection.
 * V8 frees array buffers on a background thread: give it a moment, then
 * collect again, or the figure still counts what was just freed.
 */
async function liveArrayBuffers(): Promise<number> {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 5));
  gc();
  return process.memoryUsage().arrayBuffers;
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('a request of 2^31-1 empty arguments, in-process', () => {
  const LIMIT = 16 * MiB;
  let error: unknown;
  let peak = 0;
  let sent = 0;
  let heapGrowth = 0;

  beforeAll(async () => {
    const stream = new PassThrough();
    const parser = new Parser(stream, { maxQueryBuffer: LIMIT });
    const before = await liveArrayBuffers();
    const heapBefore = process.memoryUsage().heapUsed;
    let settled = false;
    parser.readCommand().then(
      () => (settled = true),
      (err: unknown) => {
        error = err;
        settled = true;
      },
    );
    stream.write(HEADER);
    // Bounded: the limit is passed long before 4x its size has been sent.
    while (!settled && sent < 4 * LIMIT) {
      stream.write(EMPTY_ARGS);
      sent += EMPTY_ARGS.length;
      await tick();
      peak = Math.max(peak, (await liveArrayBuffers()) - before);
    }
    heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    console.log(
      `2^31-1 empty arguments, maxQueryBuffer 16 MiB: refused after ${(sent / MiB).toFixed(1)} MiB sent;` +
        ` peak live buffers ${(peak / MiB).toFixed(1)} MiB, heap +${(heapGrowth / MiB).toFixed(1)} MiB`,
    );
  });

  test('is refused with the query-buffer error', () => {
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).message).toBe('closing client that reached max query buffer length');
    expect((error as ProtocolError).fatal).toBe(true);
  });

  test('is refused before its input alone reaches the limit, because its bookkeeping counts too', () => {
    expect(sent).toBeLessThan(LIMIT);
  });

  test('never holds more than maxQueryBuffer plus one chunk', () => {
    expect(peak).toBeLessThanOrEqual(LIMIT + CHUNK);
  });

  test('keeps its bookkeeping off the JavaScript heap', () => {
    expect(heapGrowth).toBeLessThan(4 * MiB);
  });
});

describe('a request of many small arguments under the limit', () => {
  test('is parsed whole, its arguments in order', async () => {
    const count = 100_000;
    const stream = new PassThrough();
    const parser = new Parser(stream, { maxQueryBuffer: 16 * MiB });
    const args = Array.from({ length: count }, (_, i) => `a${i}`);
    const bytes = Buffer.from(`*${count}\r\n` + args.map((a) => `$${a.length}\r\n${a}\r\n`).join(''));
    for (let at = 0; at < bytes.length; at += 1000) stream.write(bytes.subarray(at, at + 1000));
    const cmd = await parser.readCommand();
    expect(cmd?.argCount()).toBe(count);
    expect(cmd?.getString(0)).toBe('a0');
    expect(cmd?.getString(count - 1)).toBe(`a${count - 1}`);
    expect(cmd?.args().map((a) => a.toString())).toEqual(args);
  });
});

/** Sends the hostile request until the server closes the connection; resolves with the bytes sent. */
function flood(port: number): Promise<number> {
  return connect({ port }).then(
    (socket) =>
      new Promise<number>((resolve) => {
        let sent = 0;
        let closed = false;
        socket.on('error', () => {}); // a reset when the server drops us is the expected end
        socket.resume(); // read (and drop) the reply, so that the server's FIN is seen
        const done = (): void => {
          closed = true;
          socket.destroy();
          resolve(sent);
        };
        socket.on('end', done); // the server's reply (if any) and FIN: it has let go of the request
        socket.on('close', done);
        socket.write(HEADER);
        const pump = (): void => {
          // Bounded: 2 GiB is far past any limit used here.
          while (!closed && sent < 2048 * MiB) {
            sent += EMPTY_ARGS.length;
            if (!socket.write(EMPTY_ARGS)) {
              socket.once('drain', pump);
              return;
            }
          }
        };
        pump();
      }),
  );
}

describe('ten such requests at once over sockets, maxQueryBuffer 16 MiB', () => {
  const LIMIT = 16 * MiB;
  let server: ChildServer;
  let watcher: RespClient;
  let sent: number[];
  let growth: number;

  beforeAll(async () => {
    server = await startChildServer({ parser: { maxQueryBuffer: LIMIT } });
    watcher = new RespClient(await connect(server));
    const before = await readStats(watcher, true);
    sent = await Promise.all(Array.from({ length: 10 }, () => flood(server.port)));
    const after = await readStats(watcher);
    growth = after.maxRss - before.rss;
    console.log(`10 connections x 2^31-1 empty arguments, maxQueryBuffer 16 MiB: server peak rss +${(growth / MiB).toFixed(0)} MiB`);
  });
  afterAll(async () => {
    watcher?.socket.destroy();
    await server?.stop();
  });

  test('each is closed with the query-buffer error', async () => {
    const stats = await readStats(watcher);
    expect(stats.protocolErrors).toBe(10);
    expect(stats.lastError).toBe('closing client that reached max query buffer length');
    for (const bytes of sent) expect(bytes).toBeLessThan(4 * LIMIT);
  });

  test('the server grows by less than twice the ten limits', () => {
    // Ten full budgets are 160 MiB; what passes that is garbage not yet collected.
    expect(growth).toBeLessThan(2 * 10 * LIMIT);
  });

  test('the server goes on answering', async () => {
    expect(await watcher.call('PING')).toBe('PONG');
  });
});

describe('one such request over a socket with the default limits', () => {
  let server: ChildServer;
  let watcher: RespClient;

  beforeAll(async () => {
    server = await startChildServer();
    watcher = new RespClient(await connect(server));
  });
  afterAll(async () => {
    watcher?.socket.destroy();
    await server?.stop();
  });

  test('is refused with the query-buffer error, and the server lives on', async () => {
    const sent = await flood(server.port);
    console.log(`2^31-1 empty arguments, default limits: refused after ${(sent / MiB).toFixed(0)} MiB sent`);
    const stats = await readStats(watcher);
    expect(stats.lastError).toBe('closing client that reached max query buffer length');
    expect(await watcher.call('PING')).toBe('PONG');
    expect(server.process.exitCode).toBeNull();
  }, 300_000);
});
