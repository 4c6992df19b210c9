// Two builds of dist/ compared by the instructions one decoding loop executes,
// counted by valgrind's callgrind: a count that does not move with the machine.
// On the shared 2-core machine two processes of the same build spread 30% and
// more in time (bench/ab.mjs needs 12–16 processes a side to see 5%), where the
// count of one build repeats within 0.3%. Instructions are not time (a cache
// miss or a slow builtin costs more than its count), so this tells which of two
// shapes of the same code does less, and ab.mjs or the suite whether it shows.
//
//   cp -r dist /tmp/before && (change src/) && npm run build
//   node bench/instructions.mjs /tmp/before dist --workload bulks --mode frame
//
// Workloads: the reply suite's small ones (ok, integers, bulks, arrays, maps),
// read with ReplyDecoder `--mode next` (decoded), `frame` (nextFrame) or
// `batch` (nextFrames); and `requests` (a million SETs through RequestDecoder,
// every argument read). Each count is that of a process running the loop
// twelve times less one running it six times, over six: the start-up, the
// building of the input and V8's optimizing, still going on through the first
// runs, cancel out (six runs less two counted a bulk frame 25 instructions
// more, 5%, in a harness of the same loop). V8 runs single-threaded (--single-threaded), so
// that what it optimizes, and when, does not depend on the scheduler.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chunked, importBuild, setCommands } from './common.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const workload = option('workload', 'bulks');
const mode = workload === 'requests' ? 'next' : option('mode', 'next');

if (args.includes('--child')) await child(Number(option('runs', '2')));
else parent();

function parent() {
  const builds = args.filter((x, i) => !x.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--')));
  if (builds.length !== 2) throw new Error('usage: node bench/instructions.mjs <dist A> <dist B> [--workload bulks] [--mode next|frame|batch]');
  const counts = builds.map((dir) => (count(dir, 12) - count(dir, 6)) / 6);
  const millions = (n) => `${(n / 1e6).toFixed(1)} M`;
  console.log(`${workload}, ${workload === 'requests' ? 'RequestDecoder' : `ReplyDecoder ${mode}`}: instructions per run of the input (callgrind)`);
  console.log(`  A ${builds[0]}: ${millions(counts[0])}`);
  console.log(`  B ${builds[1]}: ${millions(counts[1])}`);
  console.log(`  B / A: ${(counts[1] / counts[0]).toFixed(3)}`);
}

/** Instructions of a process that runs the loop `runs` times on the build in `dir`. */
function count(dir, runs) {
  const self = fileURLToPath(import.meta.url);
  const node = [process.execPath, '--single-threaded', self, '--child', '--workload', workload, '--mode', mode, '--runs', String(runs)];
  const run = spawnSync('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', ...node], {
    env: { ...process.env, REDISPROTO_DIST: dir },
    stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 1 << 24,
  });
  const out = run.stderr?.toString() ?? String(run.error);
  const m = run.status === 0 ? /Collected : (\d+)/.exec(out) : null;
  if (!m) throw new Error(`no count from callgrind:\n${out}`);
  return Number(m[1]);
}

async function child(runs) {
  const { ReplyDecoder, RequestDecoder } = await importBuild('index.js');
  const bytes = workload === 'requests' ? setCommands(1_000_000) : (await import('./replies.mjs')).WORKLOADS[workload].bytes();
  const chunks = chunked(bytes);
  const loop = () => {
    let n = 0;
    if (workload === 'requests') {
      const d = new RequestDecoder();
      for (const c of chunks) {
        d.push(c);
        for (let cmd = d.next(); cmd !== undefined; cmd = d.next()) for (let i = 0; i < cmd.argCount(); i++) n += cmd.get(i).length;
      }
      return n;
    }
    const d = new ReplyDecoder();
    for (const c of chunks) {
      d.push(c);
      if (mode === 'frame') for (let f = d.nextFrame(); f !== undefined; f = d.nextFrame()) n++;
      else if (mode === 'batch') for (let f = d.nextFrames(); f !== undefined; f = d.nextFrames()) n += f.count;
      else for (let r = d.next(); r !== undefined; r = d.next()) n++;
    }
    return n;
  };
  for (let r = 0; r < runs; r++) loop();
}
