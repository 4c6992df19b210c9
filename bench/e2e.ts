// End to end: redis-benchmark against redis-server, the redis-parser server,
// the redisproto server and a Node server that parses nothing (the floor), in
// turn within each round, several rounds; the servers' CPU per request first,
// then requests/s, medians with their ranges, and ratios.
import { requireBinary, startRedisServer, startScript, type Started } from '../test/helpers.js';
import { benchmark, median, spread, spreadK } from './load.js';

// SET -P 64 alone moved between 1.75M and 2.38M/s across rounds for one server: medians of 5.
export const ROUNDS = 5;
/** [pipeline, requests per test]: -P 1 gets fewer requests so a round stays short. */
export const LOADS: [number, number][] = [
  [64, 1_000_000],
  [1, 100_000],
];

export const FLOOR = 'Node floor (no parsing)';

type PerTest = Record<string, number>; // "SET -P 64" → a median

export interface E2EResult {
  /** server → "SET -P 64" → median requests/s */
  rates: Record<string, PerTest>;
  /** server → "SET -P 64" → median CPU seconds per million requests */
  cpu: Record<string, PerTest>;
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
  const names = servers.map(([name]) => name);
  const started: Record<string, Started> = {};
  const rps: Record<string, Record<string, number[]>> = {};
  const cpu: Record<string, Record<string, number[]>> = {};
  try {
    for (const [name, start] of servers) {
      started[name] = await start();
      rps[name] = {};
      cpu[name] = {};
      await benchmark(started[name].port, [], 64, 200_000); // warm-up: let the JIT settle
    }
    for (let round = 1; round <= ROUNDS; round++) {
      for (const name of names) {
        for (const [pipeline, requests] of LOADS) {
          const s = started[name];
          const measures = await benchmark(s.port, [s.process.pid!], pipeline, requests);
          for (const [test, m] of Object.entries(measures)) {
            (rps[name][test] ??= []).push(m.rps);
            (cpu[name][test] ??= []).push(m.cpu);
          }
          log(`  e2e round ${round} / ${name} -P ${pipeline}: ${Object.entries(measures).map(([t, m]) => `${t.split(' ')[0]} ${Math.round(m.rps)}/s ${m.cpu.toFixed(2)} CPU s/M`).join(', ')}`);
        }
      }
    }
  } finally {
    for (const s of Object.values(started)) await s.stop();
  }
  const medians = (samples: Record<string, Record<string, number[]>>): Record<string, PerTest> =>
    Object.fromEntries(Object.entries(samples).map(([name, tests]) => [name, Object.fromEntries(Object.entries(tests).map(([t, v]) => [t, median(v)]))]));
  const rates = medians(rps);
  const cost = medians(cpu);
  const tests = Object.keys(rates['redis-server']);
  const x = (r: number): string => `${r.toFixed(2)}×`;
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  const cpuHeader = [`test (server CPU s per million requests, median (range) of ${ROUNDS})`, ...names, 'redisproto vs redis-parser server', 'redisproto vs redis-server'];
  const cpuRows = tests.map((test) => [
    test,
    ...names.map((n) => spread(cpu[n][test])),
    x(cost['redisproto server'][test] / cost['redis-parser server'][test]),
    x(cost['redisproto server'][test] / cost['redis-server'][test]),
  ]);
  const rpsHeader = [`test (requests/s, median (range) of ${ROUNDS})`, ...names, 'redisproto vs redis-parser server', 'redisproto vs redis-server'];
  const rpsRows = tests.map((test) => [
    test,
    ...names.map((n) => spreadK(rps[n][test])),
    x(rates['redisproto server'][test] / rates['redis-parser server'][test]),
    x(rates['redisproto server'][test] / rates['redis-server'][test]),
  ]);
  const markdown = [
    'CPU per request (lower is better; the steadier figure on a shared machine):',
    '',
    line(cpuHeader),
    line(cpuHeader.map(() => '---')),
    ...cpuRows.map(line),
    '',
    'Requests/s (higher is better; redis-benchmark shares the two cores with the server):',
    '',
    line(rpsHeader),
    line(rpsHeader.map(() => '---')),
    ...rpsRows.map(line),
  ].join('\n');
  return { rates, cpu: cost, markdown };
}

if (process.argv[1]?.endsWith('e2e.ts')) console.log((await runE2E()).markdown);
