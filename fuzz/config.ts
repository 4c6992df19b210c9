// How long the properties run, and with which seed.
//
// Under `npm test` every property runs a short, fixed number of cases from a
// fixed seed, so the suite is deterministic and quick. Under `npm run fuzz`
// (fuzz/run.ts sets FUZZ=1) they run for a time budget or a number of cases
// from the environment, on a seed that is new each time and printed.
import { appendFileSync } from 'node:fs';
import fc from 'fast-check';

/** Every property of the suite, so that a time budget can be shared between them. */
export const PROPERTIES = [
  'chunking: valid streams',
  'chunking: corrupted streams',
  'chunking: arbitrary bytes',
  'round trip: commands',
  'round trip: replies',
  'round trip: taken',
  'inline model',
  'hostile: arbitrary bytes',
  'hostile: huge declared sizes',
  'hostile: huge argument counts',
  'differential',
  'peer: redis-parser',
  'replies: round trip',
  'replies: streamed types',
  'replies: corrupted',
  'try-read: mixed with readCommand',
  'decoders: requests agree',
  'decoders: replies agree',
  'decoders: raw requests',
  'decoders: batches of requests',
  'decoders: batches of frames',
] as const;
export type PropertyName = (typeof PROPERTIES)[number];

/** The seed of `npm test`: fixed, so a run is repeatable. */
const FIXED_SEED = 20261123;

export const FUZZING = process.env.FUZZ === '1';
const seconds = Number(process.env.FUZZ_SECONDS ?? (FUZZING ? 60 : 0));
/** Whether a fuzz run is bounded by time (else by FUZZ_RUNS alone). */
const timed = process.env.FUZZ_SECONDS !== undefined || process.env.FUZZ_RUNS === undefined;
const runs = process.env.FUZZ_RUNS === undefined ? undefined : Number(process.env.FUZZ_RUNS);
const seed = process.env.FUZZ_SEED === undefined ? (FUZZING ? freshSeed() : FIXED_SEED) : Number(process.env.FUZZ_SEED);
if (!Number.isSafeInteger(seed) || !(seconds >= 0) || (runs !== undefined && !(runs > 0))) {
  throw new Error('fuzz: FUZZ_SEED must be an integer, FUZZ_SECONDS >= 0 and FUZZ_RUNS > 0');
}

function freshSeed(): number {
  return (Math.random() * 2 ** 31) | 0;
}

/** Milliseconds of the budget that go to one property (files run one after another). */
function budgetMs(): number {
  return Math.floor((seconds * 1000) / PROPERTIES.length);
}

/** The vitest timeout for a property: its budget plus room to shrink a failure. */
export function testTimeout(quickMs = 30_000): number {
  if (!FUZZING) return quickMs;
  return timed ? budgetMs() + 120_000 : 24 * 3600_000; // a run bounded by FUZZ_RUNS alone takes what it takes
}

/**
 * Runs a property: `quickRuns` cases under `npm test`, the budget under
 * `npm run fuzz`. Prints the runs and the seed; on failure throws
 * fast-check's report (seed, path, shrunk counterexample).
 */
export async function check<T>(
  name: PropertyName,
  property: fc.IAsyncPropertyWithHooks<T>,
  quickRuns: number,
  extra: fc.Parameters<T> = {},
): Promise<void> {
  const params: fc.Parameters<T> = FUZZING
    ? {
        seed,
        numRuns: runs ?? Number.MAX_SAFE_INTEGER,
        ...(timed ? { interruptAfterTimeLimit: budgetMs(), markInterruptAsFailure: false } : {}),
        ...extra,
      }
    : { seed, numRuns: quickRuns, ...extra };
  params.includeErrorInReport = true;
  const started = Date.now();
  // Cases that settle in microtasks alone would starve the event loop for the
  // whole budget, and vitest's worker would miss its own messages: let a
  // macrotask through every 50 ms.
  let lastYield = Date.now();
  const yielding = property.afterEach(async (previous) => {
    await previous();
    if (Date.now() - lastYield >= 50) {
      await new Promise((resolve) => setImmediate(resolve));
      lastYield = Date.now();
    }
  });
  const details = await fc.check(yielding, params);
  const line = `[fuzz] ${name}: ${details.numRuns} cases in ${((Date.now() - started) / 1000).toFixed(1)} s, seed ${seed}${details.failed ? ', FAILED' : ''}`;
  console.log(line);
  if (process.env.FUZZ_LOG) appendFileSync(process.env.FUZZ_LOG, JSON.stringify({ name, runs: details.numRuns, seed, failed: details.failed }) + '\n');
  if (details.failed) throw new Error(fc.defaultReportMessage(details) ?? `${name} failed (seed ${seed})`);
}
