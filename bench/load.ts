// One redis-benchmark load against a server, measured two ways: requests/s as
// redis-benchmark reports it, and the server's CPU seconds per million requests
// (its process tree's utime+stime from /proc, before and after). Each test
// runs as its own redis-benchmark so that the CPU is charged to one test.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cpuSeconds } from './cpu.js';

const run = promisify(execFile);

export const CLIENTS = 50;
export const TESTS = ['SET', 'GET'] as const;

export interface Measure {
  /** Requests per second, as redis-benchmark reports it. */
  rps: number;
  /** CPU seconds the server's process tree spent per million requests. */
  cpu: number;
}

/** "SET -P 64" → one measure. */
export type Measures = Record<string, Measure>;

/**
 * `redis-benchmark -t set` then `-t get`, `-c 50 -P pipeline -n requests`,
 * against 127.0.0.1:port; `pids` are the processes whose CPU the load is
 * charged to (the server, or a proxy and not the redis-server behind it).
 */
export async function benchmark(port: number, pids: number[], pipeline: number, requests: number): Promise<Measures> {
  const out: Measures = {};
  for (const test of TESTS) {
    const args = ['-h', '127.0.0.1', '-p', String(port), '-t', test.toLowerCase(), '-P', String(pipeline)];
    args.push('-c', String(CLIENTS), '-n', String(requests), '--csv');
    const cpu = (): number => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    const before = cpu();
    const { stdout } = await run('redis-benchmark', args, { timeout: 120_000 });
    const spent = cpu() - before;
    const m = new RegExp(`^"${test}","([\\d.]+)"`, 'm').exec(stdout);
    if (!m) throw new Error(`unexpected redis-benchmark output:\n${stdout}`);
    out[`${test} -P ${pipeline}`] = { rps: Number(m[1]), cpu: (spent / requests) * 1e6 };
  }
  return out;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median and range of samples: "2.10 (1.95–2.30)". */
export function spread(values: number[], digits = 2, unit = ''): string {
  const f = (v: number): string => v.toFixed(digits) + unit;
  return `${f(median(values))} (${f(Math.min(...values))}–${f(Math.max(...values))})`;
}

const thousands = (n: number): string => `${Math.round(n / 1000)}k`;

/** Median and range of requests/s samples, in thousands: "453k (361k–613k)". */
export function spreadK(values: number[]): string {
  return `${thousands(median(values))} (${thousands(Math.min(...values))}–${thousands(Math.max(...values))})`;
}
