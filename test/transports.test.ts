// The same toolkit server over TCP, a Unix domain socket and TLS: Parser and
// Writer work over any Duplex, tls.TLSSocket included.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requireBinary } from './helpers.js';
import { encode, ErrorReply, RespClient } from './resp-client.js';
import { type Certificate, makeCertificate } from './tls.js';
import { type Listening, ToolkitServer, until } from './toolkit-server.js';

const run = promisify(execFile);
const hasOpenssl = requireBinary('openssl');

interface Setup {
  name: string;
  listen(server: ToolkitServer): Promise<Listening>;
  connect(where: Listening): Promise<net.Socket>;
  /** Resets the connection (a TCP RST); Unix sockets have none. */
  reset?(socket: net.Socket): void;
}

/** The TCP socket under each TLS client socket, so a test can reset it. */
const underTls = new WeakMap<net.Socket, net.Socket>();

let certificate: Certificate | undefined;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'redisproto-transports-'));
  if (hasOpenssl) certificate = makeCertificate();
});
afterAll(() => {
  certificate?.remove();
  rmSync(dir, { recursive: true, force: true });
});

const opened = (socket: net.Socket, event: string): Promise<net.Socket> =>
  new Promise((resolve, reject) => {
    socket.once(event, () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });

const setups: Setup[] = [
  {
    name: 'TCP',
    listen: (server) => server.listen({ kind: 'tcp' }),
    connect: (where) => opened(net.connect(where.port, '127.0.0.1'), 'connect'),
    reset: (socket) => socket.resetAndDestroy(),
  },
  {
    name: 'a Unix domain socket',
    listen: (server) => server.listen({ kind: 'unix', path: join(dir, `s${Math.random().toString(36).slice(2)}.sock`) }),
    connect: (where) => opened(net.connect(where.path), 'connect'),
  },
  {
    name: 'TLS',
    listen: (server) => server.listen({ kind: 'tls', key: certificate!.key, cert: certificate!.cert }),
    // The client checks the server's certificate against the one made for the test.
    connect: (where) => {
      const raw = net.connect(where.port, '127.0.0.1');
      const socket = tls.connect({ socket: raw, ca: certificate!.cert, servername: 'localhost' });
      underTls.set(socket, raw);
      return opened(socket, 'secureConnect');
    },
    reset: (socket) => underTls.get(socket)!.resetAndDestroy(),
  },
];

for (const setup of setups) {
  describe.skipIf(setup.name === 'TLS' && !hasOpenssl)(`over ${setup.name}`, () => {
    let server: ToolkitServer;
    let listening: Listening;
    beforeAll(async () => {
      server = new ToolkitServer();
      listening = await setup.listen(server);
    });
    afterAll(() => listening?.close());

    test('a pipeline of SETs and GETs, a 1 MiB binary value among them, gets every reply in order', async () => {
      const client = new RespClient(await setup.connect(listening), { buffers: true });
      const big = Buffer.alloc(1024 * 1024);
      for (let i = 0; i < big.length; i++) big[i] = (i * 7919) & 0xff;
      const burst = [encode('SET', 'big', big), encode('GET', 'big')];
      for (let i = 0; i < 1_000; i++) burst.push(encode('SET', `k${i}`, `v${i}`), encode('GET', `k${i}`));
      client.socket.write(Buffer.concat(burst));
      expect(await client.next()).toEqual(Buffer.from('OK'));
      const value = (await client.next()) as Buffer;
      expect(value.length).toBe(big.length);
      expect(Buffer.compare(value, big)).toBe(0); // toEqual on 1 MiB takes seconds
      for (let i = 0; i < 1_000; i++) {
        expect(await client.next()).toEqual(Buffer.from('OK'));
        expect(await client.next()).toEqual(Buffer.from(`v${i}`));
      }
      client.socket.destroy();
    });

    test('a fatal protocol error is answered, then the connection is closed', async () => {
      const client = new RespClient(await setup.connect(listening));
      client.socket.write('PING\r\n*1\r\n$x\r\n');
      expect(await client.rest()).toEqual(['PONG', new ErrorReply('ERR Protocol error: invalid bulk length')]);
    });

    // Only TCP and TLS over TCP have a reset; a Unix socket has none.
    const reset = setup.reset;
    if (reset) test('a client that resets mid-request leaves the server serving others', async () => {
      const resetter = await setup.connect(listening);
      resetter.on('error', () => {});
      resetter.write('*2\r\n$3\r\nGET\r\n$5\r\nab');
      await new Promise((resolve) => setTimeout(resolve, 10));
      reset(resetter);
      await until('the server to let go of the reset connection', async () => (server.stats.open === 0 ? true : undefined));
      const client = new RespClient(await setup.connect(listening));
      expect(await client.call('PING')).toBe('PONG');
      client.socket.destroy();
    });

    test('a client that disconnects mid-request leaves the server serving others', async () => {
      const quitter = await setup.connect(listening);
      quitter.end('*2\r\n$3\r\nGET\r\n$5\r\nab');
      await new Promise((resolve) => quitter.once('close', resolve));
      const client = new RespClient(await setup.connect(listening));
      expect(await client.call('PING')).toBe('PONG');
      client.socket.destroy();
    });
  });
}

describe.skipIf(!requireBinary('redis-cli') || !hasOpenssl)('redis-cli', () => {
  let server: ToolkitServer;
  let overTls: Listening;
  let overUnix: Listening;
  beforeAll(async () => {
    server = new ToolkitServer();
    overTls = await server.listen({ kind: 'tls', key: certificate!.key, cert: certificate!.cert });
    overUnix = await server.listen({ kind: 'unix', path: join(dir, 'cli.sock') });
  });
  afterAll(async () => {
    await overTls?.close();
    await overUnix?.close();
  });

  const cliTls = async (...args: string[]): Promise<string> =>
    (await run('redis-cli', ['--tls', '--cacert', certificate!.certPath, '-h', '127.0.0.1', '-p', String(overTls.port), ...args])).stdout;

  test('--tls with --cacert: PING answers PONG', async () => {
    expect(await cliTls('PING')).toBe('PONG\n');
  });

  test('--tls with --cacert: SET then GET gives the value back', async () => {
    expect(await cliTls('SET', 'greeting', 'hello over tls')).toBe('OK\n');
    expect(await cliTls('GET', 'greeting')).toBe('hello over tls\n');
  });

  test('--tls refuses a server whose certificate it cannot verify', async () => {
    const other = makeCertificate(); // a CA that did not sign the server's certificate
    try {
      const result = await run('redis-cli', ['--tls', '--cacert', other.certPath, '-h', '127.0.0.1', '-p', String(overTls.port), 'PING']).then(
        ({ stdout, stderr }) => stdout + stderr,
        (err: { stdout: string; stderr: string }) => err.stdout + err.stderr,
      );
      expect(result).not.toContain('PONG');
      expect(result).toMatch(/certificate verify failed|SSL/i);
    } finally {
      other.remove();
    }
  });

  test('-s over the Unix socket: SET then GET gives the value back', async () => {
    const cli = async (...args: string[]): Promise<string> => (await run('redis-cli', ['-s', overUnix.path, ...args])).stdout;
    expect(await cli('SET', 'where', 'unix')).toBe('OK\n');
    expect(await cli('GET', 'where')).toBe('unix\n');
  });
});
