// Real clients against the demo (examples/server.ts), started as the README's table of examples says (`npm start`).
import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requireBinary, type Started, startRedisServer, startScript } from './helpers.js';

const run = promisify(execFile);
let demo: Started;

beforeAll(async () => {
  demo = await startScript('start');
});

afterAll(async () => {
  await demo?.stop();
});

describe.skipIf(!requireBinary('redis-cli') || !requireBinary('redis-server'))('redis-cli', () => {
  let redis: Started;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(() => redis?.stop());

  async function cli(port: number, args: string[]): Promise<string> {
    const { stdout } = await run('redis-cli', ['-p', String(port), ...args]);
    return stdout;
  }

  /** What redis-cli prints for `args` against the demo, checked against what it prints for redis-server. */
  async function sameAsRedis(...args: string[]): Promise<string> {
    const fromDemo = await cli(demo.port, args);
    expect(fromDemo).toBe(await cli(redis.port, args));
    return fromDemo;
  }

  test('PING answers PONG', async () => {
    expect(await sameAsRedis('PING')).toBe('PONG\n');
  });

  test('PING with a message echoes it', async () => {
    expect(await sameAsRedis('PING', 'hello there')).toBe('hello there\n');
  });

  test('SET then GET gives the value back', async () => {
    expect(await sameAsRedis('SET', 'cli:key', 'hello world')).toBe('OK\n');
    expect(await sameAsRedis('GET', 'cli:key')).toBe('hello world\n');
  });

  test('GET of a missing key is nil', async () => {
    expect(await sameAsRedis('--no-raw', 'GET', 'cli:missing')).toBe('(nil)\n');
  });

  test('DEL counts the keys it removed', async () => {
    await sameAsRedis('SET', 'cli:a', '1');
    await sameAsRedis('SET', 'cli:b', '2');
    expect(await sameAsRedis('--no-raw', 'DEL', 'cli:a', 'cli:b', 'cli:c')).toBe('(integer) 2\n');
  });

  test('an unknown command gets the words Redis uses', async () => {
    expect(await sameAsRedis('NOSUCH', 'x', 'y')).toContain("ERR unknown command 'NOSUCH', with args beginning with: 'x' 'y' ");
  });

  test('a wrong arity gets the words Redis uses', async () => {
    expect(await sameAsRedis('GET')).toContain("ERR wrong number of arguments for 'get' command");
  });

  test('--pipe sends 20,000 SETs and gets 20,000 replies', async () => {
    let input = '';
    for (let i = 0; i < 20_000; i++) input += `SET pipe:${i} ${i}\r\n`;
    const child = execFile('redis-cli', ['-p', String(demo.port), '--pipe']);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stdin!.end(input);
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(out).toContain('errors: 0, replies: 20000');
    expect(await cli(demo.port, ['GET', 'pipe:19999'])).toBe('19999\n');
  });
});

describe('ioredis', () => {
  let client: Redis;
  beforeAll(() => {
    client = new Redis({ port: demo.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
    return client.connect();
  });
  afterAll(() => client?.disconnect());

  test('round-trips a binary value byte for byte', async () => {
    const value = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    expect(await client.set('io:bin', value)).toBe('OK');
    expect(await client.getBuffer('io:bin')).toEqual(value);
  });

  test('a pipeline of 1,000 commands gets 1,000 replies in order', async () => {
    const pipeline = client.pipeline();
    for (let i = 0; i < 500; i++) pipeline.set(`io:p:${i}`, `v${i}`);
    for (let i = 0; i < 500; i++) pipeline.get(`io:p:${i}`);
    const results = await pipeline.exec();
    expect(results).toHaveLength(1000);
    expect(results!.slice(0, 500).every(([err, reply]) => err === null && reply === 'OK')).toBe(true);
    expect(results!.slice(500).map(([, reply]) => reply)).toEqual(Array.from({ length: 500 }, (_, i) => `v${i}`));
  });

  test('a server error reaches the caller as a ReplyError', async () => {
    await expect(client.call('NOSUCH')).rejects.toThrow("ERR unknown command 'NOSUCH', with args beginning with: ");
  });
});

describe('node-redis', () => {
  let client: ReturnType<typeof createClient>;
  beforeAll(async () => {
    // RESP2 here; node-redis's default, RESP3 negotiated with HELLO, is covered by the RESP3 tests.
    client = createClient({ RESP: 2, socket: { port: demo.port, host: '127.0.0.1', reconnectStrategy: false } });
    await client.connect();
  });
  afterAll(async () => {
    if (client?.isOpen) await client.quit();
  });

  test('PING, SET, GET and DEL work', async () => {
    expect(await client.ping()).toBe('PONG');
    expect(await client.set('nr:key', 'value')).toBe('OK');
    expect(await client.get('nr:key')).toBe('value');
    expect(await client.del(['nr:key', 'nr:none'])).toBe(1);
    expect(await client.get('nr:key')).toBeNull();
  });

  test('ECHO returns its argument', async () => {
    expect(await client.echo('hi there')).toBe('hi there');
  });
});

describe('a telnet-style session over a raw socket', () => {
  /** Writes `lines` on a new connection and returns everything received until the server closes it. */
  async function session(port: number, lines: string[]): Promise<string> {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    for (const line of lines) socket.write(line);
    await closed;
    return received;
  }

  test('inline commands with quoted arguments, then QUIT closes the connection', async () => {
    const received = await session(demo.port, ['PING\r\n', 'set "greeting key" "hello\\tworld"\r\n', "get 'greeting key'\r\n", 'ECHO "\\x41\\x42"\n', 'QUIT\r\n']);
    expect(received).toBe('+PONG\r\n+OK\r\n$11\r\nhello\tworld\r\n$2\r\nAB\r\n+OK\r\n');
  });

  test.skipIf(!requireBinary('redis-server'))(
    'unbalanced quotes are answered and close the connection, as redis-server does: the PING behind them gets no reply',
    async () => {
      const redis = await startRedisServer();
      try {
        const lines = ['PING\r\nECHO "oops\r\n', 'PING\r\n'];
        const expected = '+PONG\r\n-ERR Protocol error: unbalanced quotes in request\r\n';
        expect(await session(redis.port, lines)).toBe(expected);
        expect(await session(demo.port, lines)).toBe(expected);
      } finally {
        await redis.stop();
      }
    },
  );

  test('a fatal protocol error is answered, then the connection is closed', async () => {
    expect(await session(demo.port, ['PING\r\n*1\r\n$x\r\n'])).toBe('+PONG\r\n-ERR Protocol error: invalid bulk length\r\n');
  });
});
