// `redis-benchmark --cluster -t set,get -P 16 -c 50` against the cluster demo with 1, 2 and 4 nodes:
// requests/s, and CPU seconds per million requests summed over the node processes (utime + stime
// from /proc/<pid>/stat) and for redis-benchmark itself (without --cluster for one node, which it refuses). The cluster sizes take turns within each
// round; medians and ranges over the rounds. `npx tsx bench/cluster-nodes.ts` runs it alone.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startClusterDemo } from '../test/cluster-node-support.js';
import { requireBinary } from '../test/helpers.js';
import { cpuSeconds } from './cpu.js';
import { spread, spreadK } from './load.js';

const run = promisify(execFile);
const SIZES = [1, 2, 4];
const ROUNDS = Number(process.env.CLUSTER_ROUNDS ?? 3);
const REQUESTS = Number(process.env.CLUSTER_REQUESTS ?? 300_000);
const TESTS = ['set', 'get'] as const;
/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ: 100 on Linux). */
const TICKS = 100;

interface Sample {
  rps: number;
  /** CPU seconds per million requests, all node processes together. */
  nodesCpu: number;
  /** CPU seconds per million requests of redis-benchmark. */
  clientCpu: number;
}

/**
 * One redis-benchmark run. It runs under `sh`, which reports its waited-for
 * children's CPU (cutime + cstime) afterwards: redis-benchmark's own share.
 */
async function once(port: number, pids: number[], test: string, requests: number): Promise<Sample> {
  const before = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const script = 'redis-benchmark "$@" >&2 && cat /proc/$$/stat';
  // redis-benchmark refuses --cluster with one node ('Invalid cluster: 1 node(s)'); that node owns every slot anyway.
  const args = [...(pids.length > 1 ? ['--cluster'] : []), '-h', '127.0.0.1', '-p', String(port), '-t', test, '-P', '16', '-c', '50', '-n', String(requests), '--csv'];
  const { stdout, stderr } = await run('sh', ['-c', script, 'sh', ...args], { timeout: 300_000 });
  const nodesCpu = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0) - before;
  const m = /^"(SET|GET)","([\d.]+)"/m.exec(stderr);
  if (!m || /error/i.test(stderr)) throw new Error(`unexpected redis-benchmark output:\n${stderr}`);
  const fields = stdout.slice(stdout.lastIndexOf(')') + 2).split(' ');
  const clientCpu = (Number(fields[13]) + Number(fields[14])) / TICKS;
  const millions = requests / 1e6;
  return { rps: Number(m[2]), nodesCpu: nodesCpu / millions, clientCpu: clientCpu / millions };
}

export async function runClusterNodes(log: (line: string) => void = console.error): Promise<string> {
  requireBinary('redis-benchmark');
  const clusters = [];
  const samples: Record<string, Sample[]> = {};
  try {
    for (const n of SIZES) {
      const demo = await startClusterDemo(n);
      clusters.push({ n, demo });
      for (const test of TESTS) await once(demo.port, demo.pids, test, 100_000); // warm-up: let the JIT settle
    }
    for (let round = 1; round <= ROUNDS; round++) {
      for (const { n, demo } of clusters) {
        for (const test of TESTS) {
          const s = await once(demo.port, demo.pids, test, REQUESTS);
          (samples[`${test.toUpperCase()} ${n}`] ??= []).push(s);
          log(`  cluster round ${round} / ${n} node(s) ${test}: ${Math.round(s.rps)}/s, nodes ${s.nodesCpu.toFixed(2)} s/M, redis-benchmark ${s.clientCpu.toFixed(2)} s/M`);
        }
      }
    }
  } finally {
    for (const { demo } of clusters) await demo.stop();
  }
  const rows = Object.entries(samples).map(([key, list]) => {
    const [test, n] = key.split(' ');
    return `| ${test} | ${n} | ${spreadK(list.map((s) => s.rps))} | ${spread(list.map((s) => s.nodesCpu))} | ${spread(list.map((s) => s.clientCpu))} |`;
  });
  return [
    `\`redis-benchmark --cluster -t set|get -P 16 -c 50 -n ${REQUESTS}\` against \`npm run cluster-demo\`; median (min–max) of ${ROUNDS} rounds, the cluster sizes taking turns.`,
    '',
    '| test | nodes | requests/s | nodes\' CPU s per M requests | redis-benchmark CPU s per M requests |',
    '| --- | --- | --- | --- | --- |',
    ...rows.sort(),
  ].join('\n');
}

if (process.argv[1]?.endsWith('cluster-nodes.ts')) console.log(await runClusterNodes());
