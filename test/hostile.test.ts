// Clients that misbehave, against a toolkit server on loopback sockets: none
// may take the server down or make it hoard memory, and a well-behaved client
// next to them keeps being served.
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { parseChunks } from './helpers.js';
import { encode, RespClient } from './resp-client.js';
import { type ChildServer, connect, type Listening, readStats, type StatsReply, startChildServer, ToolkitServer, until } from './toolkit-server.js';

const MB = 1024 * 1024;
const VALUE = Buffer.alloc(10 * 1024, 'v'); // GET of this is a 10 KiB reply

describe('a client that pipelines a million GETs of a 10 KiB value and reads nothing', () => {
  const GETS = 1_000_000;
  let server: ChildServer;
  let good: RespClient;
  let hostile: net.Socket;
  let before: StatsReply;
  let stalled: StatsReply;

  beforeAll(async () => {
    server = await startChildServer({ highWater: MB });
    good = new RespClient(await connect(server));
    expect(await good.call('SET', 'v', VALUE)).toBe('OK');
    before = await readStats(good, true);

    hostile = await connect(server);
    hostile.pause(); // reads nothing: its receive buffers fill and stay full
    const request = encode('GET', 'v');
    hostile.write(Buffer.alloc(request.length * GETS).fill(request)); // all million at once
    // Stalled: the server waits in flush() for the hostile client's replies to
    // drain, and its command count stays the same, across 5 polls in a row.
    let last = -1;
    let same = 0;
    stalled = await until('the server to stop reading the hostile client', async () => {
      const s = await readStats(good);
      same = s.flushing === 1 && s.commands === last ? same + 1 : 0;
      last = s.commands;
      return same >= 5 ? s : undefined;
    }, 30_000, 100);
  });

  afterAll(async () => {
    hostile?.destroy();
    good?.socket.destroy();
    await server?.stop();
  });

  test('the server stops reading it long before the million', () => {
    const hostileCommands = stalled.commands - before.commands;
    expect(hostileCommands).toBeGreaterThan(0);
    expect(hostileCommands).toBeLessThan(GETS / 10);
  });

  test("the server's memory grows by less than 100 MB", async () => {
    const now = await readStats(good, true);
    console.log(
      `non-reading client: ${stalled.commands - before.commands} of ${GETS} GETs executed before the server stopped reading it;` +
        ` server rss ${((now.rss - before.rss) / MB).toFixed(1)} MB above its start`,
    );
    expect(now.rss - before.rss).toBeLessThan(100 * MB);
    expect(now.arrayBuffers - before.arrayBuffers).toBeLessThan(100 * MB);
  });

  test('another client is answered meanwhile, and the hostile client gets no further', async () => {
    const start = await readStats(good);
    for (let i = 0; i < 1_000; i++) good.send('GET', 'v');
    for (let i = 0; i < 1_000; i++) expect(await good.next()).toBe(VALUE.toString());
    const end = await readStats(good);
    // Exactly the good client's 1,000 GETs were executed: nothing of the hostile one.
    expect(end.commands - start.commands).toBe(1_000);
  });

  test('once it disconnects, its connection is released', async () => {
    hostile.destroy();
    const s = await until('the hostile connection to close', async () => {
      const s = await readStats(good, true);
      return s.open === 1 ? s : undefined;
    });
    expect(s.open).toBe(1);
    expect(s.rss - before.rss).toBeLessThan(100 * MB);
  });
});

describe('slow senders', () => {
  let server: ToolkitServer;
  let listening: Listening;
  beforeAll(async () => {
    server = new ToolkitServer();
    listening = await server.listen({ kind: 'tcp' });
  });
  afterAll(() => listening?.close());

  test('a command trickled one byte at a time is parsed correctly', async () => {
    const client = new RespClient(await connect(listening));
    (client.socket as net.Socket).setNoDelay(true);
    const request = encode('SET', 'trickled', 'hello world');
    for (const byte of request) {
      client.socket.write(Buffer.of(byte));
      await new Promise((resolve) => setTimeout(resolve, 1)); // a separate segment each
    }
    expect(await client.next()).toBe('OK');
    expect(await client.call('GET', 'trickled')).toBe('hello world');
    client.socket.destroy();
  });
});

describe('a thousand idle half-sent connections', () => {
  const CONNECTIONS = 1_000;
  // A SET whose 100-byte value has only 50 bytes sent.
  const HALF = Buffer.concat([Buffer.from('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100\r\n'), Buffer.alloc(50, 'x')]);
  let server: ChildServer;
  let admin: RespClient;
  let before: StatsReply;
  let idle: StatsReply;
  const sockets: net.Socket[] = [];

  beforeAll(async () => {
    server = await startChildServer();
    admin = new RespClient(await connect(server));
    before = await readStats(admin, true);
    for (let i = 0; i < CONNECTIONS; i++) {
      const socket = await connect(server);
      socket.write(HALF);
      sockets.push(socket);
    }
    idle = await until('the server to have read every half request', async () => {
      const s = await readStats(admin, true);
      return s.open === CONNECTIONS + 1 && s.bytesRead >= before.bytesRead + CONNECTIONS * HALF.length ? s : undefined;
    });
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    admin?.socket.destroy();
    await server?.stop();
  });

  test('cost the server less than 32 KiB each', () => {
    const each = (idle.rss - before.rss) / CONNECTIONS;
    console.log(`idle half-sent connections: ${(each / 1024).toFixed(1)} KiB of server rss each`);
    expect(each).toBeLessThan(32 * 1024);
  });

  test('execute nothing, and a well-behaved client is still answered', async () => {
    expect(idle.commands).toBe(before.commands);
    expect(await admin.call('PING')).toBe('PONG');
  });

  test('are released when they close, each counted as cut off mid-request', async () => {
    for (const socket of sockets) socket.end();
    const s = await until('every half-sent connection to close', async () => {
      const s = await readStats(admin, true);
      return s.open === 1 ? s : undefined;
    });
    expect(s.protocolErrors - before.protocolErrors).toBe(CONNECTIONS);
    expect(s.lastError).toBe('Protocol error: connection closed in the middle of a request');
  });
});

describe('a query buffer over the limit', () => {
  const LIMIT = 64 * 1024;
  let server: ToolkitServer;
  let listening: Listening;
  beforeAll(async () => {
    server = new ToolkitServer({ parser: { maxQueryBuffer: LIMIT } });
    listening = await server.listen({ kind: 'tcp' });
  });
  afterAll(() => listening?.close());
  afterEach(() => expect(server.stats.open).toBeLessThanOrEqual(1));

  test('ends that connection without a reply, as Redis does, while another goes on', async () => {
    const bystander = new RespClient(await connect(listening));
    expect(await bystander.call('SET', 'k', 'before')).toBe('OK');
    const offender = new RespClient(await connect(listening));
    // A 1 MB value announced, 100 KiB of it sent: the request outgrows 64 KiB unfinished.
    offender.socket.write('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1000000\r\n');
    offender.socket.write(Buffer.alloc(100 * 1024, 'x'));
    const replies = await offender.rest();
    expect(replies).toEqual([]); // Redis closes such a client without a reply
    expect(await bystander.call('GET', 'k')).toBe('before');
    bystander.socket.destroy();
  });

  test('does not count complete requests, however many arrive together', async () => {
    const client = new RespClient(await connect(listening));
    const value = Buffer.alloc(1024, 'y');
    const burst = Buffer.concat(Array.from({ length: 1_000 }, (_, i) => encode('SET', `k${i}`, value))); // ~1 MB
    client.socket.write(burst);
    for (let i = 0; i < 1_000; i++) expect(await client.next()).toBe('OK');
    client.socket.destroy();
  });
});

describe('maxQueryBuffer in the parser', () => {
  const header = '*2\r\n$4\r\nECHO\r\n$100\r\n';

  test('an unfinished request of exactly the limit is held', async () => {
    const start = Buffer.from(header + 'x'.repeat(10), 'latin1');
    const result = await parseChunks([start.subarray(0, 10), start.subarray(10)], { maxQueryBuffer: start.length });
    expect(result.error?.message).toBe('Protocol error: connection closed in the middle of a request');
  });

  test('one byte more is a fatal error', async () => {
    const start = Buffer.from(header + 'x'.repeat(10), 'latin1');
    const result = await parseChunks([start.subarray(0, 10), start.subarray(10)], { maxQueryBuffer: start.length - 1 });
    expect(result.error).toEqual({ message: 'closing client that reached max query buffer length', fatal: true });
  });

  test('commands completed before the limit is passed are delivered first', async () => {
    const bytes = Buffer.from('*1\r\n$4\r\nPING\r\n' + header + 'x'.repeat(50), 'latin1');
    const result = await parseChunks([bytes], { maxQueryBuffer: 32 });
    expect(result).toEqual({
      commands: [['PING']],
      error: { message: 'closing client that reached max query buffer length', fatal: true },
    });
  });
});
