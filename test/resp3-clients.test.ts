// RESP3 against examples/resp3-server.ts (`npm run resp3`): node-redis with RESP: 3, redis-cli -3, and HELLO's framing next to a real redis-server's.
import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { createClient, RESP_TYPES } from 'redis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Reply, ReplyParser } from '../src/index.js';
import { requireBinary, type Started, startRedisServer, startScript } from './helpers.js';

const run = promisify(execFile);
const HAVE_REDIS = requireBinary('redis-server') && requireBinary('redis-cli');
let demo: Started;
let redis: Started | undefined;

beforeAll(async () => {
  [demo, redis] = await Promise.all([startScript('resp3'), HAVE_REDIS ? startRedisServer() : undefined]);
});

afterAll(async () => {
  await Promise.all([demo?.stop(), redis?.stop()]);
});

describe('node-redis with RESP: 3', () => {
  let client: ReturnType<typeof createClient<{}, {}, {}, 3>>;
  beforeAll(async () => {
    client = createClient({ RESP: 3, socket: { port: demo.port, host: '127.0.0.1', reconnectStrategy: false } });
    await client.connect();
  });
  afterAll(() => client?.close());

  test('negotiates RESP3 with HELLO on connect, so the connection reports proto 3', async () => {
    // A bare HELLO changes nothing and reports the protocol the client negotiated.
    const hello = await client.sendCommand(['HELLO']);
    expect(hello).toMatchObject({ server: 'redis', proto: 3, mode: 'standalone', role: 'master', modules: [] });
  });

  test('SET then GET gives the value back, and GET of a missing key is null', async () => {
    expect(await client.set('resp3:key', 'value')).toBe('OK');
    expect(await client.get('resp3:key')).toBe('value');
    expect(await client.get('resp3:missing')).toBeNull();
  });

  test('a map reply (CONFIG GET) is decoded as an object', async () => {
    expect(await client.configGet('port')).toEqual({ port: String(demo.port) });
  });

  test('a map reply is decoded as a Map when the client maps RESP3 maps to Map', async () => {
    const asMap = client.withTypeMapping({ [RESP_TYPES.MAP]: Map });
    const reply = await asMap.sendCommand(['CONFIG', 'GET', '*']);
    expect(reply).toEqual(new Map([['port', String(demo.port)], ['bind', '127.0.0.1']]));
  });

  test('INFO, a verbatim string in RESP3, is decoded as its text', async () => {
    expect(await client.info()).toMatch(/^# Server\r\nredis_version:/);
  });
});

describe('RESP2 clients are served as before: the protocol is per connection', () => {
  test('ioredis (RESP2): SET, GET, and CONFIG GET as a flat array', async () => {
    const client = new Redis({ port: demo.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await client.connect();
      expect(await client.set('io2:key', 'value')).toBe('OK');
      expect(await client.get('io2:key')).toBe('value');
      expect(await client.config('GET', 'bind')).toEqual(['bind', '127.0.0.1']);
    } finally {
      client.disconnect();
    }
  });

  test('node-redis with RESP: 2: HELLO reports proto 2, CONFIG GET is decoded as an object', async () => {
    const client = createClient({ RESP: 2, socket: { port: demo.port, host: '127.0.0.1', reconnectStrategy: false } });
    try {
      await client.connect();
      expect(await client.sendCommand(['HELLO'])).toEqual(expect.arrayContaining(['proto', 2]));
      expect(await client.configGet('port')).toEqual({ port: String(demo.port) });
    } finally {
      client.destroy();
    }
  });

  test('a telnet-style session: HELLO 3 switches to RESP3 (null is _), QUIT closes', async () => {
    const socket = net.connect(demo.port, '127.0.0.1');
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    socket.write('GET missing\r\nHELLO 3\r\nGET missing\r\nQUIT\r\n');
    await closed;
    expect(received.startsWith('$-1\r\n%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n')).toBe(true);
    expect(received.endsWith('_\r\n+OK\r\n')).toBe(true);
  });
});

describe.skipIf(!HAVE_REDIS)('redis-cli -3 shows the RESP3 types as it shows them for redis-server', () => {
  async function cli(port: number, args: string[]): Promise<string> {
    const { stdout } = await run('redis-cli', ['-p', String(port), '-3', '--no-raw', ...args]);
    return stdout;
  }

  /** redis-cli's display for the demo, checked against redis-server's with numbers (ids, ports) as N. */
  async function sameAsRedis(...args: string[]): Promise<string> {
    const numbersAsN = (text: string): string => text.replace(/\d+/g, 'N');
    const fromDemo = await cli(demo.port, args);
    expect(numbersAsN(fromDemo)).toBe(numbersAsN(await cli(redis!.port, args)));
    return fromDemo;
  }

  test('HELLO 3 is a map of seven fields', async () => {
    const shown = await sameAsRedis('HELLO', '3');
    expect(shown.replace(/"id" => \(integer\) \d+/, '"id" => (integer) N')).toBe(
      [
        '1# "server" => "redis"',
        '2# "version" => "7.0.15"',
        '3# "proto" => (integer) 3',
        '4# "id" => (integer) N',
        '5# "mode" => "standalone"',
        '6# "role" => "master"',
        '7# "modules" => (empty array)',
        '',
      ].join('\n'),
    );
  });

  test('CONFIG GET is a map', async () => {
    expect(await sameAsRedis('CONFIG', 'GET', 'port')).toBe(`1# "port" => "${demo.port}"\n`);
  });

  test('CONFIG GET matching nothing is an empty map', async () => {
    expect(await sameAsRedis('CONFIG', 'GET', 'no-such-parameter')).toBe('(empty hash)\n');
  });

  test('GET of a missing key is the RESP3 null, shown as nil', async () => {
    expect(await sameAsRedis('GET', 'cli3:missing')).toBe('(nil)\n');
  });

  test('INFO, a verbatim string, is shown as its text without the txt: prefix', async () => {
    const fromDemo = await cli(demo.port, ['INFO']);
    const fromRedis = await cli(redis!.port, ['INFO']);
    // redis-cli prints INFO raw in any mode; a verbatim string it misread would keep "txt:" or fail.
    expect(fromDemo).toMatch(/^# Server\r\nredis_version:7\.0\.15\r\n/);
    expect(fromRedis).toMatch(/^# Server\r\nredis_version:7\.0\.15\r\n/);
  });

  test('HELLO with an unknown protocol version is the NOPROTO error', async () => {
    expect(await sameAsRedis('HELLO', '4')).toBe('(error) NOPROTO unsupported protocol version\n');
  });

  test('HELLO 2 switches the connection back: the same map is a flat array', async () => {
    const shown = await sameAsRedis('HELLO', '2');
    expect(shown.split('\n').slice(0, 3)).toEqual([' 1) "server"', ' 2) "redis"', ' 3) "version"']);
  });
});

/** The shape of a reply: its types and sizes, map keys and error messages, but not other values. */
function framing(reply: Reply | null): unknown {
  if (reply === null) return 'end';
  switch (reply.type) {
    case 'error':
    case 'bulkError':
      return `${reply.type} ${reply.value}`;
    case 'map':
      return { map: reply.value.map(([k, v]) => [k.type === 'bulk' ? k.value.toString() : framing(k), framing(v)]) };
    case 'array':
    case 'set':
    case 'push':
      return { [reply.type]: reply.value.map(framing) };
    case 'attribute':
      return { attribute: reply.value.map(([k, v]) => [framing(k), framing(v)]), reply: framing(reply.reply) };
    case 'null':
      return `null ${reply.origin}`;
    default:
      return reply.type;
  }
}

/** Sends `commands` (inline) on one connection and reads one reply per command. */
async function framingOf(port: number, commands: string[]): Promise<unknown[]> {
  const socket = net.connect(port, '127.0.0.1');
  try {
    const parser = new ReplyParser(socket);
    socket.write(commands.map((c) => `${c}\r\n`).join(''));
    const shapes: unknown[] = [];
    for (const command of commands) shapes.push([command, framing(await parser.readReply())]);
    return shapes;
  } finally {
    socket.destroy();
  }
}

describe.skipIf(!HAVE_REDIS)('HELLO framing agrees with a real redis-server', () => {
  test.each<[string, string[]]>([
    ['HELLO 3 then RESP3 replies', ['HELLO 3', 'PING', 'SET k v', 'GET k', 'GET missing', 'DEL k', 'CONFIG GET port', 'INFO', 'HELLO']],
    ['HELLO 2 then RESP2 replies', ['HELLO 2', 'PING', 'GET missing', 'CONFIG GET port', 'INFO', 'HELLO']],
    ['HELLO 3, then HELLO 2 switches back', ['HELLO 3', 'GET missing', 'HELLO 2', 'GET missing', 'CONFIG GET port']],
    ['HELLO with AUTH as the default user and SETNAME', ['HELLO 3 AUTH default anything SETNAME conn-1', 'GET missing']],
    [
      "HELLO's errors leave the protocol as it was",
      ['HELLO 4', 'HELLO 1', 'HELLO x', 'HELLO 03', 'HELLO 3 AUTH', 'HELLO 3 SETNAME', 'HELLO 3 BOGUS', 'HELLO 3 SETNAME "a b"', 'HELLO 3 AUTH nobody pw', 'GET missing'],
    ],
    ['CONFIG GET errors', ['CONFIG', 'CONFIG GET', 'CONFIG NOPE x']],
    // `[` alone is no valid RegExp; Redis's glob takes it as an open class that matches nothing.
    ['CONFIG GET with an invalid glob is an empty reply, and the commands behind it are answered', ['CONFIG GET [', 'CONFIG GET por[t', 'HELLO 3', 'CONFIG GET [', 'PING']],
  ])('%s', async (_name, commands) => {
    const [fromDemo, fromRedis] = await Promise.all([framingOf(demo.port, commands), framingOf(redis!.port, commands)]);
    expect(fromDemo).toEqual(fromRedis);
  });
});
