// End to end: redis-benchmark against redis-server, the redis-parser server,
// the redisproto server and a Node server that parses nothing (the floor), in
// turn within each round, several rounds; one table of medians and ratios.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { requireBinary, startRedisServer, startScript, type Started } from '../test/helpers.js';

const run = promisify(execFile);

// SET -P 64 alone moved between 1.75M and 2.38M/s across rounds for one server: medians of 5.
export const ROUNDS = 5;
/** [pipeline, requests per test]: -P 1 gets fewer requests so a round stays short. */
export const LOADS: [number, number][] = [
  [64, 1_000_000],
  [1, 100_000],
];
const CLIENTS = 50;

type Rates = Record<string, number>; // "SET -P 64" → requests/s

export async function benchmark(port: number, pipeline: number, requests: number): Promise<Rates> {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-t', 'set,get', '-P', String(pipeline)];
  args.push('-c', String(CLIENTS), '-n', String(requests), '--csv');
  const { stdout } = await run('redis-benchmark', args, { timeout: 120_000 });
  const rates: Rates = {};
  for (const line of stdout.split('\n')) {
    const m = /^"(SET|GET)","([\d.]+)"/.exec(line);
    if (m) rates[`${m[1]} -P ${pipeline}`] = Number(m[2]);
  }
  if (Object.keys(rates).length !== 2) throw new Error(`unexpected redis-benchmark output:\n${stdout}`);
  return rates;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export const FLOOR = 'Node floor (no parsing)';

export interface E2EResult {
  /** server → "SET -P 64" → median requests/s */
  rates: Record<string, Rates>;
  markdown: string;
}

export async function runE2E(log: (line: string) => void = console.error): Promise<E2EResult> {
  requireBinary('redis-server');
  requireBinary('redis-benchmark');
  const servers: [string, () => Promise<Started>][] = [
    ['redis-server', () => startRedisServer()],
    ['redis-parser server', () => startScript('bench:server:redis-parser')],
    ['redisproto server', () => startScript('bench:server:redisproto')],
    [FLOOR, () => startScript('bench:server:node-floor')],
  ];
  const started: Record<string, Started> = {};
  const samples: Record<string, Record<string, number[]>> = {};
  try {
    for (const [name, start] of servers) {
      started[name] = await start();
      samples[name] = {};
      await benchmark(started[name].port, 64, 200_000); // warm-up: let the JIT settle
    }
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [name] of servers) {
        for (const [pipeline, requests] of LOADS) {
          const rates = await benchmark(started[name].port, pipeline, requests);
          for (const [test, rps] of Object.entries(rates)) (samples[name][test] ??= []).push(rps);
          log(`  e2e round ${round} / ${name} -P ${pipeline}: ${Object.entries(rates).map(([t, r]) => `${t.split(' ')[0]} ${Math.round(r)}/s`).join(', ')}`);
        }
      }
    }
  } finally {
    for (const s of Object.values(started)) await s.stop();
  }
  const rates: Record<string, Rates> = {};
  for (const [name, tests] of Object.entries(samples)) {
    rates[name] = {};
    for (const [test, values] of Object.entries(tests)) rates[name][test] = median(values);
  }
  const k = (n: number): string => `${Math.round(n / 1000)}k`;
  const x = (r: number): string => `${r.toFixed(2)}×`;
  const header = [
    'test (requests/s, median of ' + ROUNDS + ')', 'redis-server', 'redis-parser server', 'redisproto server', FLOOR,
    'redisproto vs redis-parser server', 'redisproto vs redis-server',
  ];
  const rows = Object.keys(rates['redis-server']).map((test) => {
    const ours = rates['redisproto server'][test];
    const peer = rates['redis-parser server'][test];
    const redis = rates['redis-server'][test];
    const floor = rates[FLOOR][test];
    return [test, k(redis), k(peer), k(ours), k(floor), x(ours / peer), x(ours / redis)];
  });
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  const markdown = [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
  return { rates, markdown };
}

if (process.argv[1]?.endsWith('e2e.ts')) console.log((await runE2E()).markdown);
