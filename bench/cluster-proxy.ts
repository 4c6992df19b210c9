// The cluster proxy's cost: redis-benchmark -P 16 -c 50 (SET, GET, random keys so that they spread
// over the cluster) through examples/cluster-proxy to a 3-master cluster, straight to one
// redis-server, and through the single-upstream examples/proxy.ts in front of that server; the
// contenders take turns within each round. Reports median requests/s and each proxy's CPU seconds
// per million requests (utime+stime from /proc, all its threads, SET and GET together).
// Run: npx tsx bench/cluster-proxy.ts
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { scriptProcess } from '../test/cluster-helpers.js';
import { type Started, requireBinary, startRedisServer, startScript } from '../test/helpers.js';
import { startCluster } from '../test/redis-cluster.js';
import { cpuSeconds } from './cpu.js';
import { spread, spreadK } from './load.js';

const run = promisify(execFile);
const ROUNDS = 3;
const REQUESTS = 200_000;

async function benchmark(port: number): Promise<Record<string, number>> {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-t', 'set,get', '-P', '16', '-c', '50'];
  args.push('-n', String(REQUESTS), '-r', '100000', '--csv');
  const { stdout } = await run('redis-benchmark', args, { timeout: 300_000 });
  const rates: Record<string, number> = {};
  for (const m of stdout.matchAll(/^"(SET|GET)","([\d.]+)"/gm)) rates[m[1]] = Number(m[2]);
  if (Object.keys(rates).length !== 2) throw new Error(`unexpected redis-benchmark output:\n${stdout}`);
  return rates;
}

export async function runClusterProxyBench(log: (line: string) => void = console.error): Promise<string> {
  requireBinary('redis-server');
  requireBinary('redis-benchmark');
  const cluster = await startCluster({ masters: 3 });
  const redis = await startRedisServer();
  const started: Started[] = [];
  try {
    const clusterProxy = await startScript('cluster-proxy', { CLUSTER: cluster.seeds });
    started.push(clusterProxy);
    const proxy = await startScript('proxy', { UPSTREAM: `127.0.0.1:${redis.port}` });
    started.push(proxy);
    const contenders: [string, number, number | null][] = [
      ['redis-server directly', redis.port, null],
      ['single-upstream proxy → redis-server', proxy.port, scriptProcess(proxy.process.pid!, 'examples/proxy.ts')],
      ['cluster proxy → 3-master cluster', clusterProxy.port, scriptProcess(clusterProxy.process.pid!, 'cluster-proxy/main.ts')],
    ];
    const rates: Record<string, Record<string, number[]>> = {};
    const cpu: Record<string, number[]> = {};
    for (const [, port] of contenders) await benchmark(port); // warm-up: let the JIT settle
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [name, port, pid] of contenders) {
        const before = pid === null ? 0 : cpuSeconds(pid);
        const got = await benchmark(port);
        if (pid !== null) (cpu[name] ??= []).push(((cpuSeconds(pid) - before) / (2 * REQUESTS)) * 1e6);
        for (const [test, rps] of Object.entries(got)) ((rates[name] ??= {})[test] ??= []).push(rps);
        log(`  round ${round} / ${name}: SET ${Math.round(got.SET)}/s, GET ${Math.round(got.GET)}/s`);
      }
    }
    const lines = [
      `| -P 16 -c 50, ${REQUESTS} requests, median of ${ROUNDS} (range) | SET req/s | GET req/s | proxy CPU s per million requests |`,
      '| --- | --- | --- | --- |',
      ...contenders.map(([name]) => {
        const c = cpu[name];
        return `| ${name} | ${spreadK(rates[name].SET)} | ${spreadK(rates[name].GET)} | ${c === undefined ? '—' : spread(c)} |`;
      }),
    ];
    return lines.join('\n');
  } finally {
    for (const s of started) await s.stop();
    await redis.stop();
    await cluster.stop();
  }
}

if (process.argv[1]?.endsWith('cluster-proxy.ts')) console.log(await runClusterProxyBench());
