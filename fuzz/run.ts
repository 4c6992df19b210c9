// `npm run fuzz`: runs every property of fuzz/ on a fresh seed for a budget.
//   FUZZ_SECONDS  total time, shared between the properties (default 60)
//   FUZZ_RUNS     cases per property instead of (or as well as) a time budget
//   FUZZ_SEED     replay a seed printed by an earlier run
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from '../test/helpers.js';

const seed = process.env.FUZZ_SEED ?? String((Math.random() * 2 ** 31) | 0);
const budget = process.env.FUZZ_SECONDS ?? (process.env.FUZZ_RUNS === undefined ? '60' : undefined);
const dir = mkdtempSync(path.join(tmpdir(), 'redisproto-fuzz-'));
const log = path.join(dir, 'runs.jsonl');
console.log(`fuzz: seed ${seed}, ${budget === undefined ? '' : `${budget} s in all`}${process.env.FUZZ_RUNS ? `, at most ${process.env.FUZZ_RUNS} cases per property` : ''}`);
console.log(`fuzz: replay with FUZZ_SEED=${seed} npm run fuzz`);

// One file after another, so that each property gets its share of the budget.
const result = spawnSync('npx', ['vitest', 'run', 'fuzz', '--no-file-parallelism', ...process.argv.slice(2)], {
  cwd: ROOT,
  stdio: 'inherit',
  env: { ...process.env, FUZZ: '1', FUZZ_SEED: seed, FUZZ_LOG: log, ...(budget === undefined ? {} : { FUZZ_SECONDS: budget }) },
});

let total = 0;
let lines: string[] = [];
try {
  lines = readFileSync(log, 'utf8').trim().split('\n').filter(Boolean);
} catch {
  // no property ran
}
for (const line of lines) {
  const r = JSON.parse(line) as { name: string; runs: number; failed: boolean };
  total += r.runs;
  console.log(`fuzz: ${r.name}: ${r.runs} cases${r.failed ? ' FAILED' : ''}`);
}
console.log(`fuzz: ${total} cases in ${lines.length} properties, seed ${seed}`);
rmSync(dir, { recursive: true, force: true });
process.exit(result.status ?? 1);
