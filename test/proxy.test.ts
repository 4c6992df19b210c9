// examples/proxy.ts in front of a real redis-server: real clients, redis-benchmark, exact bytes
// compared with talking to Redis directly, pipelining and backpressure end to end; and in
// front of upstreams the test controls: lost, silent, or sending bytes that are not RESP.
import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Started, exchange, freePort, requireBinary, startRedisServer, startScript } from './helpers.js';
import { fdCount, HAVE_PROC, rssBytes, scriptPid } from './process-stats.js';
import { encode, RespClient } from './resp-client.js';

const run = promisify(execFile);


/** Several commands as one pipelined burst. */
const burst = (...commands: (string | Buffer)[][]): Buffer => Buffer.concat(commands.map((c) => encode(...c)));

describe.skipIf(!requireBinary('redis-server'))('the proxy in front of redis-server', () => {
  let redis: Started;
  let proxy: Started;

  beforeAll(async () => {
    redis = await startRedisServer();
    proxy = await startScript('proxy', { UPSTREAM: `127.0.0.1:${redis.port}` });
  });
  afterAll(async () => {
    await proxy?.stop();
    await redis?.stop();
  });

  test('MULTI/EXEC comes back byte for byte as Redis sends it', async () => {
    const request = burst(
      ['SET', 'tx', '0'], ['DEL', 'tx'], ['MULTI'], ['SET', 'tx', '5'], ['INCR', 'tx'], ['GET', 'tx'], ['LRANGE', 'nolist', '0', '-1'], ['EXEC'], ['QUIT'],
    );
    const expected = '+OK\r\n:1\r\n+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*4\r\n+OK\r\n:6\r\n$1\r\n6\r\n*0\r\n+OK\r\n';
    expect((await exchange(redis.port, request)).toString('latin1')).toBe(expected);
    expect((await exchange(proxy.port, request)).toString('latin1')).toBe(expected);
  });

  test('a 1 MiB value goes up and comes back unchanged', async () => {
    const value = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < value.length; i++) value[i] = (i * 7919) & 0xff; // every byte value, CR and LF included
    const direct = await exchange(redis.port, burst(['SET', 'big', value], ['GET', 'big'], ['QUIT']));
    const proxied = await exchange(proxy.port, burst(['SET', 'big', value], ['GET', 'big'], ['QUIT']));
    expect(proxied.equals(direct)).toBe(true);
    const header = '+OK\r\n$1048576\r\n';
    expect(proxied.subarray(0, header.length).toString('latin1')).toBe(header);
    expect(proxied.subarray(header.length, header.length + value.length).equals(value)).toBe(true);
  });

  test('a pipelined burst of 1,000 commands gets its 1,000 replies in order', async () => {
    const commands = Array.from({ length: 1000 }, () => ['INCR', 'ordered']);
    const replies = await exchange(proxy.port, burst(['SET', 'ordered', '0'], ...commands, ['QUIT']));
    const expected = ['+OK', ...commands.map((_, i) => `:${i + 1}`), '+OK'].map((line) => line + '\r\n').join('');
    expect(replies.toString('latin1')).toBe(expected);
  });

  test('inline commands are forwarded as commands', async () => {
    const replies = await exchange(proxy.port, Buffer.from('SET inline "a b"\r\nGET inline\r\nQUIT\r\n'));
    expect(replies.toString('latin1')).toBe('+OK\r\n$3\r\na b\r\n+OK\r\n');
  });

  test("a client's protocol error gets Redis's reply after the replies before it, then the close", async () => {
    const request = Buffer.concat([encode('PING'), Buffer.from('*x\r\n')]);
    const expected = '+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n';
    expect((await exchange(redis.port, request)).toString('latin1')).toBe(expected);
    expect((await exchange(proxy.port, request)).toString('latin1')).toBe(expected);
  });

  test('ioredis works through the proxy: commands, pipelines, transactions, binary values', async () => {
    const client = new Redis({ port: proxy.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await client.connect();
      expect(await client.set('io', 'value')).toBe('OK');
      expect(await client.get('io')).toBe('value');
      expect(await client.pipeline().incr('io:n').incr('io:n').get('io:n').exec()).toEqual([
        [null, 1],
        [null, 2],
        [null, '2'],
      ]);
      expect(await client.multi().set('io:t', 'x').append('io:t', 'y').get('io:t').exec()).toEqual([
        [null, 'OK'],
        [null, 2],
        [null, 'xy'],
      ]);
      const bytes = Buffer.from([0, 13, 10, 255, 36, 42]);
      await client.set('io:bin', bytes);
      expect(await client.getBuffer('io:bin')).toEqual(bytes);
      await expect(client.incr('io')).rejects.toThrow('ERR value is not an integer or out of range');
    } finally {
      client.disconnect();
    }
  });

  test('pub/sub works through the proxy: messages arrive with no command to answer', async () => {
    const subscriber = new Redis({ port: proxy.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
    const publisher = new Redis({ port: proxy.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await subscriber.connect();
      await publisher.connect();
      const received: string[] = [];
      const two = new Promise<void>((resolve) =>
        subscriber.on('message', (channel: string, message: string) => {
          received.push(`${channel}:${message}`);
          if (received.length === 2) resolve();
        }),
      );
      expect(await subscriber.subscribe('news', 'sports')).toBe(2);
      expect(await publisher.publish('news', 'hello')).toBe(1);
      expect(await publisher.publish('sports', 'goal')).toBe(1);
      await two;
      expect(received).toEqual(['news:hello', 'sports:goal']);
    } finally {
      subscriber.disconnect();
      publisher.disconnect();
    }
  });

  test('node-redis works through the proxy, RESP3 included', async () => {
    const client = createClient({ socket: { port: proxy.port, host: '127.0.0.1', reconnectStrategy: false }, RESP: 3 });
    try {
      await client.connect();
      expect(await client.set('nr', 'value')).toBe('OK');
      expect(await client.get('nr')).toBe('value');
      await client.hSet('nr:h', { a: '1', b: '2' });
      expect(await client.hGetAll('nr:h')).toEqual({ a: '1', b: '2' });
      expect(await client.multi().incr('nr:n').incr('nr:n').exec()).toEqual([1, 2]);
    } finally {
      client.destroy();
    }
  });

  test.skipIf(!HAVE_PROC)(
    'a client that pipelines GETs of a 64 KiB value and does not read: the proxy stops forwarding, so neither the proxy nor redis-server grows; once it reads, every reply arrives',
    async () => {
      const admin = new RespClient(net.connect(redis.port, '127.0.0.1'));
      const value = Buffer.alloc(64 * 1024, 'v');
      await admin.call('SET', 'bp:big', value);
      const usedMemory = async (): Promise<number> => Number(/used_memory:(\d+)/.exec(String(await admin.call('INFO', 'memory')))![1]);
      const pid = scriptPid(proxy);
      const proxyBefore = rssBytes(pid);
      const redisBefore = await usedMemory();

      const greedy = net.connect(proxy.port, '127.0.0.1');
      greedy.on('error', () => {});
      greedy.pause();
      const COUNT = 2_000; // asks for 125 MiB of replies
      const request = encode('GET', 'bp:big');
      greedy.write(Buffer.alloc(request.length * COUNT).fill(request));
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const proxyGrown = rssBytes(pid) - proxyBefore;
      const redisGrown = (await usedMemory()) - redisBefore;

      const replyBytes = `$${value.length}\r\n`.length + value.length + 2;
      let received = 0;
      const all = new Promise<void>((resolve) =>
        greedy.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received >= replyBytes * COUNT) resolve();
        }),
      );
      greedy.resume();
      await all;
      greedy.destroy();
      admin.socket.destroy();
      expect(proxyGrown).toBeLessThan(32 * 1024 * 1024);
      expect(redisGrown).toBeLessThan(32 * 1024 * 1024);
      expect(received).toBe(replyBytes * COUNT);
    },
  );

  test.skipIf(!requireBinary('redis-benchmark'))(
    'redis-benchmark -P 16 completes, and every command reached Redis exactly once',
    async () => {
      await exchange(redis.port, burst(['DEL', 'counter:__rand_int__', 'mylist'], ['QUIT']));
      const { stdout } = await run(
        'redis-benchmark',
        ['-h', '127.0.0.1', '-p', String(proxy.port), '-P', '16', '-c', '20', '-n', '20000', '-t', 'incr,lpush', '-q', '-e'],
        { timeout: 50_000 },
      );
      expect(stdout).not.toMatch(/error/i);
      // redis-benchmark counts replies, not their content: the counts upstream show none was lost or doubled.
      const counts = await exchange(redis.port, burst(['GET', 'counter:__rand_int__'], ['LLEN', 'mylist'], ['QUIT']));
      expect(counts.toString('latin1')).toBe('$5\r\n20000\r\n:20000\r\n+OK\r\n');
    },
  );
});

describe('the proxy in front of an upstream the test controls', () => {
  const MAX_REPLY = 1024 * 1024;
  let upstream: net.Server;
  let upstreamPort: number;
  let proxy: Started;
  /** What the next upstream connection does with the bytes it gets. */
  let onConnection: (socket: net.Socket) => void = () => {};
  /** Every upstream connection accepted, open or not. */
  const accepted = new Set<net.Socket>();
  /** Resolves, for each upstream connection accepted since it was last emptied, once the proxy has closed its side. */
  let upstreamClosed: Promise<unknown>[] = [];

  beforeAll(async () => {
    upstreamPort = await freePort();
    // Half-open allowed: the proxy's end of a connection does not end this side, so only
    // the proxy destroying its socket (not ending it and waiting) releases its descriptor.
    upstream = net.createServer({ allowHalfOpen: true }, (socket) => {
      accepted.add(socket);
      upstreamClosed.push(new Promise((resolve) => socket.on('end', resolve).on('close', resolve)));
      socket.on('error', () => {});
      onConnection(socket);
    });
    await new Promise<void>((resolve) => upstream.listen(upstreamPort, '127.0.0.1', resolve));
    proxy = await startScript('proxy', { UPSTREAM: `127.0.0.1:${upstreamPort}`, UPSTREAM_TIMEOUT_MS: '500', MAX_REPLY_BYTES: String(MAX_REPLY) });
  });
  afterAll(async () => {
    await proxy?.stop();
    for (const socket of accepted) socket.destroy();
    upstream.close();
  });

  test('a silent upstream: after the upstream timeout every waiting command gets an error, and the upstream connection is closed', async () => {
    upstreamClosed = [];
    onConnection = (socket) => void socket.resume(); // accepts, reads, never answers
    const started = Date.now();
    const replies = await exchange(proxy.port, burst(['GET', 'a'], ['GET', 'b']));
    expect(replies.toString('latin1')).toBe('-ERR upstream timed out: no reply within 500 ms\r\n'.repeat(2));
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    await Promise.all(upstreamClosed); // the proxy closed its side: this side never closes first
    expect(upstreamClosed).toHaveLength(1);
  });

  test('a silent upstream does not time out a client that owes it nothing (a quiet subscriber stays)', async () => {
    onConnection = (socket) => socket.once('data', () => socket.write('*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n'));
    const client = new RespClient(net.connect(proxy.port, '127.0.0.1'));
    try {
      expect(await client.call('SUBSCRIBE', 'news')).toEqual(['subscribe', 'news', 1]);
      await new Promise((resolve) => setTimeout(resolve, 1_500)); // three upstream timeouts
      expect(client.socket.destroyed).toBe(false);
    } finally {
      client.socket.destroy();
    }
  });

  test.skipIf(!HAVE_PROC)(
    "an upstream that sends bytes that are not RESP: each client gets the reply parser's error, and every upstream connection is closed and its descriptor released",
    async () => {
      const pid = scriptPid(proxy);
      const before = fdCount(pid);
      upstreamClosed = [];
      onConnection = (socket) => socket.once('data', () => socket.write('garbage\r\n')); // and keeps the connection open
      const all = await Promise.all(Array.from({ length: 50 }, () => exchange(proxy.port, burst(['GET', 'k']))));
      for (const replies of all) expect(replies.toString('latin1')).toBe('-ERR upstream failed: Protocol error, got "g" as reply type byte\r\n');
      await Promise.all(upstreamClosed);
      expect(upstreamClosed).toHaveLength(50);
      expect(fdCount(pid)).toBeLessThanOrEqual(before + 2);
    },
  );

  test.skipIf(!HAVE_PROC)(
    'an upstream whose reply never ends: the client gets an error once the reply passes MAX_REPLY_BYTES, the upstream is closed, and the proxy does not grow',
    async () => {
      const pid = scriptPid(proxy);
      const before = rssBytes(pid);
      upstreamClosed = [];
      let sent = 0;
      onConnection = (socket) =>
        socket.once('data', () => {
          // A streamed array (RESP3 `*?`) of integers that is never closed, written as fast as the proxy takes it.
          const elements = Buffer.from(':1\r\n'.repeat(16 * 1024));
          const more = (): void => {
            while (!socket.destroyed && socket.writableLength === 0 && sent < 1024 * 1024 * 1024) {
              sent += elements.length;
              if (!socket.write(elements)) break;
            }
          };
          socket.on('drain', more);
          socket.write('*?\r\n');
          more();
        });
      const replies = await exchange(proxy.port, burst(['SUBSCRIBE', 'endless']));
      expect(replies.toString('latin1')).toBe('-ERR upstream failed: Protocol error, reply larger than maxReplyBytes\r\n');
      await Promise.all(upstreamClosed);
      expect(sent).toBeLessThan(64 * 1024 * 1024);
      expect(rssBytes(pid) - before).toBeLessThan(32 * 1024 * 1024);
    },
  );

  test("a client's pipelined burst reaches the upstream as one burst, once the first replies have shown they are small", async () => {
    // A new connection's first commands go up 16 at a time (the proxy has not seen a reply's size yet).
    const warmUp = burst(...Array.from({ length: 40 }, () => ['PING']));
    const request = burst(...Array.from({ length: 50 }, (_, i) => ['SET', `k${i}`, `v${i}`]));
    const reads: Buffer[] = [];
    onConnection = (socket) =>
      socket.on('data', (chunk: Buffer) => {
        reads.push(chunk);
        // One reply per command in the chunk (the proxy writes whole commands; these hold no '*').
        const commands = chunk.toString('latin1').split('*').length - 1;
        socket.write(chunk.includes('PING') ? '+PONG\r\n'.repeat(commands) : '+OK\r\n'.repeat(commands));
      });
    const client = new RespClient(net.connect(proxy.port, '127.0.0.1'));
    try {
      client.socket.write(warmUp);
      for (let i = 0; i < 40; i++) expect(await client.next()).toBe('PONG');
      const before = reads.length;
      client.socket.write(request);
      for (let i = 0; i < 50; i++) expect(await client.next()).toBe('OK');
      expect(reads.length - before).toBe(1);
      expect(reads[before].equals(request)).toBe(true);
    } finally {
      client.socket.destroy();
    }
  });

  test('an upstream that drops the connection gives every waiting command an error, not a hang', async () => {
    onConnection = (socket) => socket.once('data', () => socket.destroy());
    const replies = await exchange(proxy.port, burst(['BLPOP', 'q', '0'], ['GET', 'k']));
    expect(replies.toString('latin1')).toBe('-ERR upstream closed the connection\r\n'.repeat(2));
  });

  test('an upstream that cannot be reached gives an error, not a hang', async () => {
    for (const socket of accepted) socket.destroy();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
    const replies = await exchange(proxy.port, burst(['PING']));
    expect(replies.toString('latin1')).toBe(`-ERR upstream failed: connect ECONNREFUSED 127.0.0.1:${upstreamPort}\r\n`);
  });
});
