// `npm run soak` (SOAK_SECONDS per target, default 60; SOAK_TARGETS, default
// toolkit,demo,proxy): a mix of well-behaved, invalid, slow, non-reading and
// resetting clients at once against, in turn,
// - toolkit: the test suite's toolkit server in a child process (with clients
//   over its query-buffer limit too). It passes when once the clients are gone
//   the server holds about the memory it started with (heap + buffers);
// - demo: examples/server.ts (`npm start`), with a 2 s idle timeout;
// - proxy: examples/proxy.ts (`npm run proxy`) in front of a redis-server, with
//   a 2 s stall timeout.
// For demo and proxy it passes when, the clients gone, the process holds the
// file descriptors it started with and its RSS peaked within a bound. Every
// target must get every well-behaved reply right and must not die. Prints a
// summary per target; exits 1 on any failure.
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import { type Started, startRedisServer, startScript } from '../test/helpers.js';
import { fdCount, rssBytes, scriptPid } from '../test/process-stats.js';
import { encode, ErrorReply, RespClient } from '../test/resp-client.js';
import { connect, readStats, startChildServer, type StatsReply, until } from '../test/toolkit-server.js';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const TARGETS = (process.env.SOAK_TARGETS ?? 'toolkit,demo,proxy').split(',');
const MB = 1024 * 1024;
const QUERY_LIMIT = MB;
/** Growth of heap + buffers still held after the run that counts as "back where it started". */
const HELD_TOLERANCE = 16 * MB;
/** Most an example's RSS may peak above its start (a demo holds the values its clients SET). */
const EXAMPLE_RSS_TOLERANCE = 256 * MB;

/** Where the clients connect; `died` once the process under test exits before the end. */
interface Target {
  port: number;
  died: boolean;
}
let target: Target = { port: 0, died: false };
let deadline = 0;
let stopping = false;

const failures: string[] = [];
const fail = (what: string): void => {
  if (failures.length < 20) failures.push(`${phase}: ${what}`);
};
let phase = '';
let counts: Record<string, number> = {};
const count = (what: string, n = 1): void => void (counts[what] = (counts[what] ?? 0) + n);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const running = (): boolean => Date.now() < deadline && !target.died;

/** Starts a phase: its counters, its deadline, and a watch on its process. */
function begin(name: string, port: number, process: ChildProcess): void {
  phase = name;
  counts = {};
  target = { port, died: false };
  const watched = target;
  process.once('exit', (code, signal) => {
    if (!stopping) watched.died = true;
    if (!stopping) console.error(`${name}: the process exited (${code ?? signal})`);
  });
  stopping = false;
  deadline = Date.now() + SECONDS * 1000;
}

/** Fails the phase when a client kind never got to do its part. */
function expectCounts(required: readonly string[]): void {
  for (const what of required) if ((counts[what] ?? 0) < 1) fail(`no ${what}`);
}

function printCounts(): void {
  console.log(`\n${phase}: clients`);
  for (const [what, n] of Object.entries(counts)) console.log(`  ${what.padEnd(44)} ${n}`);
}

/** A value of random length and bytes, so that framing is tested with binary data. */
function randomValue(max: number): Buffer {
  const b = Buffer.allocUnsafe(Math.floor(Math.random() * max));
  for (let i = 0; i < b.length; i++) b[i] = (Math.random() * 256) | 0;
  return b;
}

/** Pipelines SET/GET bursts on its own keys and checks every reply byte for byte. */
async function wellBehaved(id: number): Promise<void> {
  const client = new RespClient(await connect(target), { buffers: true });
  const keys = Array.from({ length: 50 }, (_, i) => `good:${id}:${i}`);
  const model = new Map<string, Buffer>();
  const OK = Buffer.from('OK');
  try {
    while (running()) {
      const burst: Buffer[] = [];
      const expected: (Buffer | null)[] = [];
      for (let i = 0; i < 100; i++) {
        const key = keys[(Math.random() * keys.length) | 0];
        if (Math.random() < 0.5) {
          const value = randomValue(i % 10 === 0 ? 40_000 : 300);
          model.set(key, value);
          burst.push(encode('SET', key, value));
          expected.push(OK);
        } else {
          burst.push(encode('GET', key));
          expected.push(model.get(key) ?? null);
        }
      }
      client.socket.write(Buffer.concat(burst));
      for (const want of expected) {
        const got = await client.next();
        const right = want === null ? got === null : Buffer.isBuffer(got) && got.equals(want);
        if (!right) fail(`well-behaved client ${id}: wrong reply ${String(got).slice(0, 60)}`);
        count('well-behaved replies checked');
      }
    }
    for (const key of keys) client.send('SET', key, ''); // leave only empty values behind
    for (const _ of keys) await client.next();
  } catch (err) {
    fail(`well-behaved client ${id}: ${(err as Error).message}`);
  } finally {
    client.socket.destroy();
  }
}

const INVALID = [
  '*1\r\n$x\r\n',
  '*-\r\n',
  '*2\r\n$3\r\nGET\r\n:1\r\n',
  '*1\r\n$4\r\nPINGxx',
  '$4\r\nPING\r\n',
  'SET "unbalanced\r\n',
  '*3000000000\r\n',
  '*1\r\n$600000000\r\n',
].map((s) => Buffer.from(s, 'latin1'));

/** Sends bytes that are not valid requests (or random ones), ends, and expects to be closed. */
async function invalid(): Promise<void> {
  while (running()) {
    const socket = await connect(target);
    const client = new RespClient(socket);
    socket.write(Math.random() < 0.7 ? INVALID[(Math.random() * INVALID.length) | 0] : randomValue(200));
    socket.end();
    const replies = await client.rest();
    count('invalid connections closed by the server');
    if (replies.some((r) => r instanceof ErrorReply)) count('invalid connections answered with an error');
  }
}

/** Trickles a SET and a GET one byte every few milliseconds and checks the replies. */
async function slow(id: number): Promise<void> {
  while (running()) {
    const client = new RespClient(await connect(target));
    (client.socket as net.Socket).setNoDelay(true);
    const key = `slow:${id}`;
    const value = Math.random().toString(36).slice(2);
    try {
      for (const request of [encode('SET', key, value), encode('GET', key)]) {
        for (const byte of request) {
          client.socket.write(Buffer.of(byte));
          await sleep(2);
        }
      }
      const replies = [await client.next(), await client.next()];
      if (replies[0] !== 'OK' || replies[1] !== value) fail(`slow client ${id}: wrong replies ${JSON.stringify(replies)}`);
      count('slow commands checked', 2);
    } catch (err) {
      fail(`slow client ${id}: ${(err as Error).message}`);
    } finally {
      client.socket.destroy();
    }
  }
}

/** 100,000 pipelined GETs of a 10 KiB value (1 GB of replies), after SETting it. */
async function nonReadingBurst(): Promise<Buffer> {
  const setter = new RespClient(await connect(target));
  await setter.call('SET', 'big', Buffer.alloc(10 * 1024, 'b'));
  setter.socket.destroy();
  const request = encode('GET', 'big');
  return Buffer.alloc(request.length * 100_000).fill(request);
}

/** Pipelines 100,000 GETs of a 10 KiB value and reads nothing, until the toolkit server drops it (it says so in STATS). */
async function nonReader(server: { port: number }): Promise<void> {
  const burst = await nonReadingBurst();
  const watcher = new RespClient(await connect(server));
  while (running()) {
    const socket = await connect(server);
    socket.on('error', () => {});
    socket.pause();
    socket.write(burst);
    // The server's idle timeout (2 s without progress) ends it; a paused
    // client with writes pending may not notice, so ask the server.
    const port = socket.localPort;
    const droppedYet = async (): Promise<true | undefined> =>
      (await readStats(watcher)).timedOutPorts.includes(port!) ? true : undefined;
    const dropped = await until('the server to drop the non-reading client', droppedYet, 10_000, 200).catch(() => false);
    if (dropped) count('non-reading clients dropped by the server');
    else fail('a non-reading client was not dropped within 10 s');
    socket.destroy();
  }
  watcher.socket.destroy();
}

/**
 * Pipelines 100,000 GETs of a 10 KiB value, reads nothing for 4 s, then goes away.
 * What it may cost an example is checked by the RSS bound and the descriptors at the end.
 */
async function nonReaderThatLeaves(): Promise<void> {
  const burst = await nonReadingBurst();
  while (running()) {
    const socket = await connect(target);
    socket.on('error', () => {});
    socket.pause();
    socket.write(burst);
    await sleep(4_000);
    socket.destroy();
    count('non-reading clients held for 4 s');
  }
}

/** Sends a request larger than the query-buffer limit, and expects the error and the close. */
async function oversized(): Promise<void> {
  while (running()) {
    const client = new RespClient(await connect(target));
    client.socket.write('*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$5000000\r\n');
    client.socket.write(Buffer.alloc(QUERY_LIMIT + 64 * 1024, 'o'));
    const replies = await client.rest();
    const expected = 'ERR closing client that reached max query buffer length';
    if (replies.length === 1 && replies[0] instanceof ErrorReply && replies[0].message === expected) count('oversized clients closed with the error');
    else fail(`oversized client got ${JSON.stringify(replies)}`);
    await sleep(50);
  }
}

/** Sends half a request, then resets the connection. */
async function resetter(): Promise<void> {
  while (running()) {
    const socket = await connect(target);
    socket.on('error', () => {});
    socket.write('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100\r\nhalf');
    await sleep(Math.random() * 20);
    socket.resetAndDestroy();
    count('connections reset mid-request');
    await sleep(10);
  }
}

/** The toolkit server in a child process, with the oversized clients and its STATS-based checks. */
async function soakToolkit(): Promise<void> {
  const server = await startChildServer({ highWater: MB, parser: { maxQueryBuffer: QUERY_LIMIT }, idleTimeoutMs: 2_000 });
  begin('toolkit', server.port, server.process);
  const admin = new RespClient(await connect(server));
  const start = await readStats(admin, true);
  let peak = start.rss;
  const sampler = setInterval(() => {
    readStats(admin).then(
      (s) => (peak = Math.max(peak, s.rss)),
      () => {},
    );
  }, 1_000);

  console.log(`\ntoolkit: ${SECONDS} s against a toolkit server (pid ${server.process.pid}), query-buffer limit ${QUERY_LIMIT} bytes, idle timeout 2 s`);
  await Promise.all([
    ...[0, 1, 2, 3].map(wellBehaved),
    invalid(),
    invalid(),
    slow(0),
    slow(1),
    nonReader(server),
    oversized(),
    resetter(),
  ]).catch((err: Error) => fail(`a client loop crashed: ${err.stack}`));
  stopping = true;
  clearInterval(sampler);

  let end: StatsReply | undefined;
  if (!target.died) {
    end = await until('every client connection to close', async () => {
      const s = await readStats(admin, true);
      return s.open === 1 ? s : undefined;
    }).catch(() => undefined);
    if (end === undefined) fail('client connections were still open 30 s after the run');
    else end = await readStats(admin, true);
  } else {
    fail('the server process died');
  }

  const held = (s: StatsReply): number => s.heapUsed + s.arrayBuffers;
  printCounts();
  if (end !== undefined) {
    console.log('toolkit: server');
    console.log(`  connections accepted ${end.accepted}, commands ${end.commands}, protocol errors ${end.protocolErrors}, I/O errors ${end.ioErrors}, idle timeouts ${end.timeouts}`);
    console.log(`  rss: start ${mb(start.rss)}, peak ${mb(peak)}, end ${mb(end.rss)}`);
    console.log(`  heap + buffers: start ${mb(held(start))}, end ${mb(held(end))} (tolerance +${mb(HELD_TOLERANCE)})`);
    if (held(end) - held(start) > HELD_TOLERANCE) fail(`the server still holds ${mb(held(end) - held(start))} more than at the start`);
  }
  expectCounts([
    'well-behaved replies checked',
    'slow commands checked',
    'invalid connections closed by the server',
    'oversized clients closed with the error',
    'non-reading clients dropped by the server',
    'connections reset mid-request',
  ]);
  admin.socket.destroy();
  await server.stop();
}

/**
 * An example run as its npm script: the demo, or the proxy in front of a
 * redis-server. Measured from /proc: its RSS every second, and its file
 * descriptors before and after.
 */
async function soakExample(name: 'demo' | 'proxy'): Promise<void> {
  let redis: Started | undefined;
  let example: Started;
  if (name === 'proxy') {
    redis = await startRedisServer();
    example = await startScript('proxy', { UPSTREAM: `127.0.0.1:${redis.port}`, STALL_TIMEOUT_MS: '2000' });
  } else {
    example = await startScript('start', { IDLE_TIMEOUT_MS: '2000' });
  }
  begin(name, example.port, example.process);
  const pid = scriptPid(example);
  const startFds = fdCount(pid);
  const startRss = rssBytes(pid);
  let peak = startRss;
  const sampler = setInterval(() => {
    if (!target.died) peak = Math.max(peak, rssBytes(pid));
  }, 1_000);
  const upstream = redis === undefined ? '' : `, upstream redis-server on port ${redis.port}`;
  console.log(`\n${name}: ${SECONDS} s against npm ${name === 'demo' ? 'start' : 'run proxy'} (pid ${pid})${upstream}`);
  await Promise.all([
    ...[0, 1, 2, 3].map(wellBehaved),
    invalid(),
    invalid(),
    slow(0),
    slow(1),
    nonReaderThatLeaves(),
    resetter(),
  ]).catch((err: Error) => fail(`a client loop crashed: ${err.stack}`));
  stopping = true;
  clearInterval(sampler);

  printCounts();
  if (target.died) {
    fail('the process died');
  } else {
    // Every client is gone: the process must let go of every socket it held for them.
    const closed = await until('the descriptors to come back down', async () => (fdCount(pid) <= startFds + 2 ? true : undefined), 30_000, 200).catch(() => false);
    if (!closed) fail(`${fdCount(pid)} file descriptors open 30 s after the run, ${startFds} at the start`);
    console.log(`${name}: process`);
    console.log(`  file descriptors: start ${startFds}, end ${fdCount(pid)}`);
    console.log(`  rss: start ${mb(startRss)}, peak ${mb(peak)}, end ${mb(rssBytes(pid))} (tolerance +${mb(EXAMPLE_RSS_TOLERANCE)})`);
    if (peak - startRss > EXAMPLE_RSS_TOLERANCE) fail(`rss peaked ${mb(peak - startRss)} above its start`);
  }
  if (redis !== undefined) {
    const admin = new RespClient(net.connect(redis.port, '127.0.0.1'));
    const info = String(await admin.call('INFO', 'memory'));
    admin.socket.destroy();
    console.log(`  upstream redis-server: used_memory_peak ${/used_memory_peak_human:(\S+)/.exec(info)?.[1]}, used_memory at the end ${/used_memory_human:(\S+)/.exec(info)?.[1]}`);
  }
  expectCounts(['well-behaved replies checked', 'slow commands checked', 'invalid connections closed by the server', 'non-reading clients held for 4 s', 'connections reset mid-request']);
  await example.stop();
  await redis?.stop();
}

const mb = (n: number): string => `${(n / MB).toFixed(1)} MB`;
for (const name of TARGETS) {
  if (name === 'toolkit') await soakToolkit();
  else if (name === 'demo' || name === 'proxy') await soakExample(name);
  else fail(`unknown SOAK_TARGETS entry '${name}' (toolkit, demo, proxy)`);
}
if (failures.length > 0) {
  console.log(`\nFAILED\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log('\nPASSED');
