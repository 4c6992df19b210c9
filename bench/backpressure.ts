// Backpressure through the proxy, measured: a client pipelines GETs of a large
// value and never reads. Through examples/proxy.ts the proxy stops forwarding its
// commands, so neither the proxy nor redis-server grows; straight to redis-server
// (whose output buffer for normal clients is unlimited by default) Redis grows.
// Run: npx tsx bench/backpressure.ts   (SECONDS, default 20; VALUE_BYTES, default 256 KiB)
// The direct run stops early once redis-server's used_memory passes DIRECT_CAP_MB
// (default 1024), so that the comparison cannot exhaust a shared machine.
import net from 'node:net';
import { requireBinary, startRedisServer, startScript } from '../test/helpers.js';
import { rssBytes, scriptPid } from '../test/process-stats.js';
import { encode, RespClient } from '../test/resp-client.js';

const SECONDS = Number(process.env.SECONDS ?? 20);
const VALUE_BYTES = Number(process.env.VALUE_BYTES ?? 256 * 1024);
const DIRECT_CAP = Number(process.env.DIRECT_CAP_MB ?? 1024) * 1024 * 1024;
const MB = 1024 * 1024;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Sample {
  second: number;
  proxyRss: number | null;
  redisUsed: number;
  redisRss: number;
  sentMB: number;
}

/** Resolves on the socket's 'drain', or after `ms` (so that the writer can notice it should stop). */
function drainOrTimeout(socket: net.Socket, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      socket.off('drain', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    socket.once('drain', done);
  });
}

/** Pipelines GETs at `port` without reading, sampling memory every second, for SECONDS (or until Redis passes the cap). */
async function run(port: number, redisPort: number, redisPid: number, proxyPid: number | null): Promise<Sample[]> {
  const admin = new RespClient(net.connect(redisPort, '127.0.0.1'));
  const usedMemory = async (): Promise<number> => Number(/used_memory:(\d+)/.exec(String(await admin.call('INFO', 'memory')))![1]);
  const greedy = net.connect(port, '127.0.0.1');
  greedy.on('error', () => {});
  greedy.pause(); // never reads
  await new Promise((resolve) => greedy.once('connect', resolve));
  const request = encode('GET', 'big');
  const block = Buffer.alloc(request.length * 2000).fill(request);
  let sent = 0;
  let stop = false;
  const samples: Sample[] = [];
  const sample = async (second: number): Promise<Sample> => ({
    second,
    proxyRss: proxyPid === null ? null : rssBytes(proxyPid),
    redisUsed: await usedMemory(),
    redisRss: rssBytes(redisPid),
    sentMB: (sent - greedy.writableLength) / MB,
  });
  samples.push(await sample(0)); // before the client sends anything
  const writing = (async () => {
    while (!stop) {
      sent += block.length;
      if (!greedy.write(block)) await drainOrTimeout(greedy, 250);
    }
  })();
  for (let second = 1; second <= SECONDS; second++) {
    await sleep(1000);
    samples.push(await sample(second));
    if (samples[samples.length - 1].redisUsed > DIRECT_CAP) break;
  }
  stop = true;
  greedy.destroy();
  await writing;
  admin.socket.destroy();
  await sleep(1000); // let Redis free the client's output buffer before the next run
  return samples;
}

requireBinary('redis-server');
const redis = await startRedisServer();
const proxy = await startScript('proxy', { UPSTREAM: `127.0.0.1:${redis.port}`, STALL_TIMEOUT_MS: '0' });
try {
  const setter = new RespClient(net.connect(redis.port, '127.0.0.1'));
  await setter.call('SET', 'big', Buffer.alloc(VALUE_BYTES, 'v'));
  setter.socket.destroy();
  const redisPid = redis.process.pid!;
  const proxyPid = scriptPid(proxy);
  console.log(`node ${process.version}, redis-server 7.0.15, value ${VALUE_BYTES} bytes, ${SECONDS} s per run, ${new Date().toISOString()}`);
  for (const [name, port, pid] of [['through the proxy', proxy.port, proxyPid], ['straight to redis-server', redis.port, null]] as const) {
    const samples = await run(port, redis.port, redisPid, pid);
    console.log(`\n${name}`);
    console.log('  s   requests sent   proxy RSS   redis used_memory   redis RSS');
    for (const s of samples) {
      const proxyRss = s.proxyRss === null ? '-' : `${(s.proxyRss / MB).toFixed(0)} MB`;
      console.log(`  ${String(s.second).padStart(2)}  ${s.sentMB.toFixed(1).padStart(10)} MB  ${proxyRss.padStart(9)}  ${(s.redisUsed / MB).toFixed(0).padStart(14)} MB  ${(s.redisRss / MB).toFixed(0).padStart(6)} MB`);
    }
    const last = samples[samples.length - 1];
    if (last.redisUsed > DIRECT_CAP) console.log(`  stopped after ${last.second} s: redis-server's used_memory passed ${DIRECT_CAP / MB} MB`);
  }
} finally {
  await proxy.stop();
  await redis.stop();
}
