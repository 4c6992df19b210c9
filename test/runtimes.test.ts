// The synchronous decoders on other runtimes' own sockets (fixtures in test/runtimes/): a
// RequestDecoder in Bun's `Bun.listen` data callback and in a Deno.listen read loop, answering
// redis-cli, ioredis and raw sockets; a ReplyDecoder in a client on Bun.connect and on
// Deno.connect, reading a real redis-server's RESP3 replies. The binaries come from npm:
// `npm run runtimes` puts them in .runtimes/ (Linux x64), as .ci/run does; one on PATH serves
// as well.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROOT, type Spawned, type Started, exchange, requireBinary, spawnReady, startRedisServer } from './helpers.js';
import { encode } from './resp-client.js';

const run = promisify(execFile);

const DENO_RUN = ['run', '--allow-net', '--allow-read', '--allow-env'];
const RUNTIMES = [
  {
    name: 'bun',
    installed: '@oven/bun-linux-x64/bin/bun',
    server: ['test/runtimes/bun-server.mjs'],
    client: ['test/runtimes/bun-client.mjs'],
  },
  {
    name: 'deno',
    installed: '@deno/linux-x64-glibc/deno',
    server: [...DENO_RUN, 'test/runtimes/deno-server.mjs'],
    client: [...DENO_RUN, 'test/runtimes/deno-client.mjs'],
  },
];

/** The runtime's binary: where `npm run runtimes` put it, else on PATH; null when neither (skipped loudly, failing in CI). */
function locate(name: string, installed: string): string | null {
  const local = path.join(ROOT, '.runtimes', 'node_modules', installed);
  if (existsSync(local)) return local;
  if (requireBinary(name)) return name;
  console.warn(`(npm run runtimes installs ${name} from npm)`);
  return null;
}

/** Writes `bytes` one byte per write, each after the last has gone out, and returns what came back until `expected` bytes. */
function trickle(port: number, bytes: Buffer, expected: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1').setNoDelay(true);
    const received: Buffer[] = [];
    let got = 0;
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      got += chunk.length;
      if (got >= expected) {
        socket.destroy();
        resolve(Buffer.concat(received));
      }
    });
    socket.on('error', reject);
    let i = 0;
    const next = (): void => {
      if (i < bytes.length) socket.write(bytes.subarray(i, ++i), () => setImmediate(next));
    };
    socket.on('connect', next);
  });
}

const hasRedis = requireBinary('redis-server') && requireBinary('redis-cli');

for (const { name, installed, server: serverArgs, client: clientArgs } of RUNTIMES) {
  const binary = locate(name, installed);
  describe.skipIf(binary === null || !hasRedis)(`on ${name}'s own sockets`, () => {
    let server: Spawned;
    let port = 0;
    let redis: Started;
    beforeAll(async () => {
      server = await spawnReady(binary!, serverArgs, {}, /listening on (\d+)/);
      port = Number(server.ready[1]);
      redis = await startRedisServer();
    }, 60_000);
    afterAll(async () => {
      await server?.stop();
      await redis?.stop();
    });

    test("a client's ReplyDecoder reads redis-server's RESP3 replies, every type as Redis sent it", async () => {
      const { stdout } = await run(binary!, [...clientArgs, String(redis.port)], { cwd: ROOT, timeout: 30_000 });
      const [hello, deleted, ...rest] = JSON.parse(stdout) as unknown[];
      expect(hello).toMatchObject({ map: expect.arrayContaining([[{ bulk: 'proto' }, { integer: 3 }], [{ bulk: 'server' }, { bulk: 'redis' }]]) });
      expect(deleted).toEqual({ integer: expect.any(Number) });
      expect(rest).toEqual([
        { simple: 'OK' },
        { bulk: 'héllo' },
        { null: '_' },
        { integer: 3 },
        { array: [{ bulk: 'a' }, { bulk: 'b' }, { bulk: 'c' }] },
        { integer: 1 },
        { double: 1.5 },
        { integer: 1 },
        { set: [{ bulk: 'x' }] },
        { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' },
      ]);
    });

    test('redis-cli gets PONG, OK and the value it set', async () => {
      const cli = (...words: string[]) => run('redis-cli', ['-p', String(port), ...words]).then((r) => r.stdout);
      expect(await cli('PING')).toBe('PONG\n');
      expect(await cli('SET', 'greeting', 'hello world')).toBe('OK\n');
      expect(await cli('GET', 'greeting')).toBe('hello world\n');
    });

    test("an unknown command gets Redis's error, and the connection goes on", async () => {
      const reply = await exchange(port, Buffer.concat([encode('NOSUCH', 'a', 'b'), encode('QUIT')]));
      expect(reply.toString('latin1')).toBe("-ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b' \r\n+OK\r\n");
    });

    test('ioredis sets and gets a value holding every byte', async () => {
      // No ready check: it sends INFO, which these fixtures do not answer.
      const client = new Redis({ port: port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, enableReadyCheck: false });
      try {
        await client.connect();
        const value = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
        expect(await client.set('bytes', value)).toBe('OK');
        expect(await client.getBuffer('bytes')).toEqual(value);
      } finally {
        client.disconnect();
      }
    });

    test('a pipelined burst sent one byte per write is answered in order', async () => {
      const burst = Buffer.concat([encode('ECHO', 'one'), Buffer.from('PING\r\n'), encode('ECHO', 'three')]);
      const expected = '$3\r\none\r\n+PONG\r\n$5\r\nthree\r\n';
      expect((await trickle(port, burst, expected.length)).toString('latin1')).toBe(expected);
    });

    test('replies more than the socket takes at once arrive whole and in order, before the close QUIT asks for', async () => {
      const value = Buffer.alloc(1024 * 1024);
      for (let i = 0; i < value.length; i++) value[i] = (i * 7) & 0xff;
      const gets = Array.from({ length: 8 }, () => encode('GET', 'big'));
      const reply = await exchange(port, Buffer.concat([encode('SET', 'big', value), ...gets, encode('QUIT')]));
      const bulk = Buffer.concat([Buffer.from(`$${value.length}\r\n`), value, Buffer.from('\r\n')]);
      expect(reply.equals(Buffer.concat([Buffer.from('+OK\r\n'), ...gets.map(() => bulk), Buffer.from('+OK\r\n')]))).toBe(true);
    });

    test("a malformed bulk length gets Redis's protocol error, then the connection is closed", async () => {
      const reply = await exchange(port, Buffer.from('*1\r\n$x\r\n'));
      expect(reply.toString('latin1')).toBe('-ERR Protocol error: invalid bulk length\r\n');
    });

    test("a count past Redis's limit (2^31-1) is refused in Redis's words", async () => {
      const reply = await exchange(port, Buffer.from('*2147483648\r\n'));
      expect(reply.toString('latin1')).toBe('-ERR Protocol error: invalid multibulk length\r\n');
    });
  });
}
