// Two builds of dist/ compared, each run in processes of its own taking turns
// (A B B A A B …): how a change to the decoders is judged on a machine whose
// speed moves 30%–50% between processes. Two builds loaded side by side in
// one process were no steadier: their figures moved with the order they were
// loaded in. Each process runs one contender of the request or reply suite
// alone (`--only`, with REDISPROTO_DIST naming the build) and reports its
// median CPU time per run; the table gives each build's median over
// processes, the range, and B's time over A's per pair of processes.
//
//   cp -r dist /tmp/before            # the build to compare against
//   (change src/) && npm run build
//   node bench/ab.mjs /tmp/before dist --workload bulks --contender replyDecoderFrames
//
// Workloads: the reply suite's (ok, integers, bulks, arrays, maps, big), whose
// contenders are bench/replies.mjs's (replyDecoder, replyDecoderFrames,
// replyDecoderBatches, replyParser, …), and `requests`, whose contenders are
// bench/requests.mjs's (requestDecoder, parser).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median } from './common.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const [a, b] = args.filter((x, i) => !x.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--')));
if (!a || !b) throw new Error('usage: node bench/ab.mjs <dist A> <dist B> [--workload bulks] [--contender replyDecoder] [--processes 6]');
const workload = option('workload', 'bulks');
const contender = option('contender', workload === 'requests' ? 'requestDecoder' : 'replyDecoder');
const processes = Number(option('processes', '6'));

/** One process of the suite on the build in `dir`: the contender's median CPU milliseconds per run. */
function once(dir) {
  const suite = fileURLToPath(new URL(workload === 'requests' ? 'requests.mjs' : 'replies.mjs', import.meta.url));
  const suiteArgs = workload === 'requests' ? [] : ['--workload', workload];
  const out = execFileSync(process.execPath, ['--expose-gc', suite, ...suiteArgs, '--only', contender, '--json'], {
    env: { ...process.env, REDISPROTO_DIST: dir },
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 24,
  });
  const times = JSON.parse(out.toString()).ms[contender];
  if (!times) throw new Error(`no contender ${contender} in the ${workload} suite`);
  return median(times);
}

const builds = [a, b];
const ms = [[], []]; // by index, not by path: a build may be compared with itself to see the noise
for (let i = 0; i < processes; i++) {
  // A B, then B A: neither build always runs first.
  for (const k of i % 2 === 0 ? [0, 1] : [1, 0]) ms[k].push(once(builds[k]));
}
const row = (k) => `${median(ms[k]).toFixed(1)} ms (${Math.min(...ms[k]).toFixed(1)}–${Math.max(...ms[k]).toFixed(1)})`;
const ratios = ms[1].map((t, i) => t / ms[0][i]);
console.log(`${workload}, ${contender}: ${processes} processes each, median CPU ms per run (range over processes)`);
console.log(`  A ${a}: ${row(0)}`);
console.log(`  B ${b}: ${row(1)}`);
console.log(`  B / A: ${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`);
