// The proxy's cost: redis-benchmark -P 16 -c 50 (SET, GET) against redis-server
// directly, through a blind relay (bench/servers/relay.mjs: pipe() both ways, no
// parsing, the floor of any Node proxy) and through examples/proxy.ts, taking
// turns within each round, several rounds; the relay's and the proxy's CPU per
// request (their own process, not the redis-server behind them) and requests/s.
// Run: npx tsx bench/proxy.ts
import { requireBinary, startRedisServer, startScript, type Started } from '../test/helpers.js';
import { TESTS, benchmark, median, spread, spreadK } from './load.js';

export const PROXY_ROUNDS = 5;
const PIPELINE = 16;
/**
 * Requests per test and round: about 1.5 s of the relay's or proxy's CPU, 150 ticks
 * of /proc's 10 ms clock, where 200,000 gave 30 (3% from the clock alone). The
 * ratio to the relay still moves from run to run with the machine: 1.06×–1.39×
 * over four runs with no code changed (docs/performance.md, the round of 18:06).
 */
const REQUESTS = 1_000_000;
/** Requests per test in the warm-up, before the rounds. */
const WARM_UP = 200_000;

export const DIRECT = 'redis-server directly';
export const RELAY = 'blind relay (pipe())';
export const PROXY = 'examples/proxy.ts';

export interface ProxyResult {
  /** test ("SET -P 16") → proxy's median CPU per request / relay's. */
  cpuVsRelay: Record<string, number>;
  /** test → proxy's median requests/s / relay's. */
  rpsVsRelay: Record<string, number>;
  markdown: string;
}

export async function runProxy(log: (line: string) => void = console.error): Promise<ProxyResult> {
  requireBinary('redis-server');
  requireBinary('redis-benchmark');
  const redis = await startRedisServer();
  const upstream = { UPSTREAM: `127.0.0.1:${redis.port}` };
  const started: Started[] = [redis];
  const rps: Record<string, Record<string, number[]>> = { [DIRECT]: {}, [RELAY]: {}, [PROXY]: {} };
  const cpu: Record<string, Record<string, number[]>> = { [DIRECT]: {}, [RELAY]: {}, [PROXY]: {} };
  try {
    const relay = await startScript('bench:server:relay', upstream);
    started.push(relay);
    const proxy = await startScript('proxy', upstream);
    started.push(proxy);
    const targets: [string, Started][] = [[DIRECT, redis], [RELAY, relay], [PROXY, proxy]];
    for (const [, s] of targets) await benchmark(s.port, [], PIPELINE, WARM_UP); // warm-up: let the JIT settle
    for (let round = 1; round <= PROXY_ROUNDS; round++) {
      // The order turns each round so that no contender always follows the same one.
      const order = targets.map((_, i) => targets[(i + round) % targets.length]);
      for (const [name, s] of order) {
        const measures = await benchmark(s.port, [s.process.pid!], PIPELINE, REQUESTS);
        for (const [test, m] of Object.entries(measures)) {
          (rps[name][test] ??= []).push(m.rps);
          (cpu[name][test] ??= []).push(m.cpu);
        }
        log(`  proxy round ${round} / ${name}: ${Object.entries(measures).map(([t, m]) => `${t.split(' ')[0]} ${Math.round(m.rps)}/s ${m.cpu.toFixed(2)} CPU s/M`).join(', ')}`);
      }
    }
  } finally {
    for (const s of started.reverse()) await s.stop();
  }
  const cpuVsRelay: Record<string, number> = {};
  const rpsVsRelay: Record<string, number> = {};
  const rows: string[][] = [];
  for (const t of TESTS) {
    const test = `${t} -P ${PIPELINE}`;
    cpuVsRelay[test] = median(cpu[PROXY][test]) / median(cpu[RELAY][test]);
    rpsVsRelay[test] = median(rps[PROXY][test]) / median(rps[RELAY][test]);
    for (const name of [DIRECT, RELAY, PROXY]) {
      rows.push([
        test,
        name,
        spread(cpu[name][test]),
        spreadK(rps[name][test]),
        name === PROXY ? `${cpuVsRelay[test].toFixed(2)}× CPU, ${rpsVsRelay[test].toFixed(2)}× requests/s` : '',
      ]);
    }
  }
  const header = [
    `test (-c 50, ${REQUESTS.toLocaleString('en-US')} requests, median (range) of ${PROXY_ROUNDS} rounds)`,
    'through',
    'CPU s per million requests (redis-server, relay or proxy process)',
    'requests/s',
    'proxy vs relay',
  ];
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  const markdown = [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
  return { cpuVsRelay, rpsVsRelay, markdown };
}

if (process.argv[1]?.endsWith('proxy.ts')) console.log((await runProxy()).markdown);
