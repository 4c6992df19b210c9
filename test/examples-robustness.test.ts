// The examples (demo, RESP3 demo, RPC server) as the README's production advice
// asks, each started as its npm script: a client that broke the framing is let
// go without waiting for its FIN, an idle client is dropped, a busy port is one
// line, and (RPC) a client that pipelines and never reads does not grow the server.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Started, startScript } from './helpers.js';
import { fdCount, HAVE_PROC, rssBytes, scriptPid } from './process-stats.js';
import { encode, RespClient } from './resp-client.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 100 ms until it holds or `ms` pass; returns whether it held. */
async function within(ms: number, check: () => boolean): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) if (check()) return true;
  return check();
}

/**
 * A connected socket to 127.0.0.1:port. With `halfOpen`, the end of the
 * server's side does not end ours: a client that never closes.
 */
function connect(port: number, halfOpen = false): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: halfOpen }, () => resolve(socket));
    socket.once('error', reject);
  });
}

describe.each([
  ['the demo', 'start'],
  ['the RESP3 demo', 'resp3'],
  ['the RPC server', 'rpc'],
])('%s (npm run %s)', (_name, script) => {
  let server: Started;
  let idle: Started;
  beforeAll(async () => {
    // The first with a long idle timeout, so that only closing after the error can release its clients.
    [server, idle] = await Promise.all([startScript(script, { IDLE_TIMEOUT_MS: '600000' }), startScript(script, { IDLE_TIMEOUT_MS: '500' })]);
  });
  afterAll(async () => {
    await Promise.all([server?.stop(), idle?.stop()]);
  });

  test.skipIf(!HAVE_PROC)(
    "300 clients that break the framing, then neither read nor close, are let go at once: the server's descriptors come back down",
    async () => {
      const pid = scriptPid(server);
      const before = fdCount(pid);
      const clients: net.Socket[] = [];
      try {
        for (let i = 0; i < 300; i++) {
          const socket = await connect(server.port, true); // never ends its side
          socket.on('error', () => {});
          socket.pause();
          socket.write('*1\r\n$x\r\n');
          clients.push(socket);
        }
        // Ended but not destroyed, each would stay open until its client sent a FIN, which these never do.
        expect(await within(10_000, () => fdCount(pid) <= before + 5)).toBe(true);
      } finally {
        for (const socket of clients) socket.destroy();
      }
    },
  );

  test('a client that connects and sends nothing is dropped after the idle timeout (IDLE_TIMEOUT_MS)', async () => {
    const socket = await connect(idle.port);
    const started = Date.now();
    await new Promise((resolve) => socket.on('close', resolve).resume());
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(Date.now() - started).toBeLessThan(5_000);
  }, 10_000);

  test('a port already in use is reported in one line, without a stack trace, and the process exits 1', async () => {
    const child = spawn('npm', ['--silent', ...(script === 'start' ? ['start'] : ['run', script])], {
      env: { ...process.env, PORT: String(server.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(output.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${server.port}: listen EADDRINUSE`))]);
  });
});

describe.skipIf(!HAVE_PROC)('the RPC server under a client that pipelines user.get and never reads', () => {
  let rpc: Started;
  beforeAll(async () => {
    rpc = await startScript('rpc');
  });
  afterAll(() => rpc?.stop());

  test('it stops reading past its high-water mark: its memory stays bounded, and other clients are served meanwhile', async () => {
    const pid = scriptPid(rpc);
    const other = new RespClient(await connect(rpc.port));
    // A user whose record is about 64 KB as a reply, for a 35-byte request: one
    // 64 KiB read of requests asks for about 120 MB of replies. Flushing only when
    // the burst ends, a server would hold them all before its first flush.
    const langs = Array.from({ length: 2000 }, (_, i) => `language-number-${i}-`.padEnd(30, 'x'));
    const id = await other.call('user.add', JSON.stringify({ name: 'reader', langs }));
    await other.call('user.get', String(id));
    const before = rssBytes(pid);

    const greedy = await connect(rpc.port);
    greedy.on('error', () => {});
    greedy.pause();
    const request = encode('user.get', String(id));
    greedy.write(Buffer.alloc(request.length * 2_000).fill(request));
    await sleep(1_500); // time for an unbounded server to read them and build its replies

    const pingStart = Date.now();
    expect(await other.call('PING')).toBe('PONG');
    expect(Date.now() - pingStart).toBeLessThan(1_000);
    const grown = rssBytes(pid) - before;
    greedy.destroy();
    other.socket.destroy();
    expect(grown).toBeLessThan(48 * 1024 * 1024);
  });
});
