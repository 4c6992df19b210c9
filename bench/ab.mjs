// Two builds of dist/ compared, each run in processes of its own taking turns
// (A B B A A B …): how a change to the decoders is judged on a machine whose
// speed moves 30%–50% between processes. Two builds loaded side by side in
// one process were no steadier: their figures moved with the order they were
// loaded in. Each process runs one reading loop `--runs` times after a warm-up
// (CPU time of the process per run, a full GC before each) and reports its
// median; the table gives each build's median over processes, the range, and
// B's time over A's per pair of processes.
//
//   cp -r dist /tmp/before            # the build to compare against
//   (change src/) && npm run build
//   node bench/ab.mjs /tmp/before dist --workload bulks --loop frame
//
// Workloads: the reply suite's (ok, integers, bulks, arrays, maps, big) and
// `requests` (the request suite's SETs, every argument read). Loops: for
// replies decoder (next()), frame (nextFrame()), frames (nextFrames()),
// parser (ReplyParser's fast loop), parserFrames; for requests decoder
// (RequestDecoder) and parser (Parser's fast loop).
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chunkStream, chunked, median, residentStreamObjects, setCommands } from './common.mjs';

const here = fileURLToPath(import.meta.url);
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};

/** A loop over every reply of the chunks through one ReplyDecoder method; returns how many replies (a batch counts its own). */
function decoderLoop(method) {
  return (m, chunks) => {
    const d = new m.ReplyDecoder();
    let n = 0;
    for (const c of chunks) {
      d.push(c);
      for (let r = d[method](); r !== undefined; r = d[method]()) n += method === 'nextFrames' ? r.count : 1;
    }
    return n;
  };
}

/** Reply loops: each reads every reply of the chunks with a build's classes; returns how many. */
const REPLY_LOOPS = {
  decoder: decoderLoop('next'),
  frame: decoderLoop('nextFrame'),
  frames: decoderLoop('nextFrames'),
  parser: async (m, chunks) => {
    const p = new m.ReplyParser(chunkStream(chunks));
    let n = 0;
    while ((p.tryReadReply() ?? (await p.readReply())) !== null) n++;
    return n;
  },
  parserFrames: async (m, chunks) => {
    const p = new m.ReplyParser(chunkStream(chunks));
    let n = 0;
    while ((p.tryReadFrame() ?? (await p.readFrame())) !== null) n++;
    return n;
  },
};

/** Request loops: every argument of every command read; return how many commands. */
const REQUEST_LOOPS = {
  decoder: (m, chunks) => {
    const d = new m.RequestDecoder();
    let n = 0;
    for (const c of chunks) {
      d.push(c);
      for (let cmd = d.next(); cmd !== undefined; cmd = d.next(), n++) readAll(cmd);
    }
    return n;
  },
  parser: async (m, chunks) => {
    const p = new m.Parser(chunkStream(chunks));
    let n = 0;
    for (let cmd; (cmd = p.tryReadCommand() ?? (await p.readCommand())) !== null; n++) readAll(cmd);
    return n;
  },
};

let viewed = 0;
function readAll(cmd) {
  for (let i = 0; i < cmd.argCount(); i++) viewed += cmd.get(i).length;
}

/** One process: the loop `runs` times on one build; prints the median CPU milliseconds per run. */
async function child(dir, workloadName, loopName, runs) {
  const m = await import(resolve(dir, 'index.js'));
  let chunks, loop, expected, resident;
  if (workloadName === 'requests') {
    chunks = chunked(setCommands(1_000_000));
    loop = REQUEST_LOOPS[loopName];
    expected = 1_000_000;
    // Kept alive, as in the suites: without them each run begins by deoptimising ("weak objects").
    const decoder = new m.RequestDecoder();
    decoder.push(setCommands(1));
    resident = [decoder, decoder.next(), ...(await residentStreamObjects((s) => new m.Parser(s), (p) => p.readCommand(), setCommands(1)))];
  } else {
    const { WORKLOADS } = await import('./replies.mjs');
    const workload = WORKLOADS[workloadName];
    if (!workload) throw new Error(`unknown workload ${workloadName}`);
    chunks = chunked(workload.bytes());
    loop = REPLY_LOOPS[loopName];
    expected = workload.replies;
    const decoder = new m.ReplyDecoder();
    decoder.push(Buffer.from('+OK\r\n'));
    resident = [decoder, decoder.next(), ...(await residentStreamObjects((s) => new m.ReplyParser(s), (p) => p.readReply(), Buffer.from('+OK\r\n')))];
  }
  if (!loop) throw new Error(`unknown loop ${loopName} for ${workloadName}`);
  const times = [];
  for (let i = -3; i < runs; i++) {
    globalThis.gc?.();
    const start = process.cpuUsage();
    const n = await loop(m, chunks);
    const spent = process.cpuUsage(start);
    if (n !== expected) throw new Error(`${loopName}: ${n} units, expected ${expected}`);
    if (i >= 0) times.push((spent.user + spent.system) / 1000);
  }
  if (resident.length === 0) throw new Error('unreachable: keeps the residents referenced');
  console.log(JSON.stringify(median(times)));
}

function parent() {
  const [a, b] = args.filter((x, i) => !x.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--')));
  if (!a || !b) throw new Error('usage: node bench/ab.mjs <dist A> <dist B> [--workload bulks] [--loop decoder] [--processes 6] [--runs 20]');
  const workload = option('workload', 'bulks');
  const loop = option('loop', 'decoder');
  const processes = Number(option('processes', '6'));
  const runs = option('runs', '20');
  const builds = [a, b];
  const ms = [[], []]; // by index, not by path: a build may be compared with itself to see the noise
  const once = (dir) =>
    JSON.parse(execFileSync(process.execPath, ['--expose-gc', here, '--child', dir, '--workload', workload, '--loop', loop, '--runs', runs]).toString());
  for (let i = 0; i < processes; i++) {
    // A B, then B A: neither build always runs first.
    for (const k of i % 2 === 0 ? [0, 1] : [1, 0]) ms[k].push(once(builds[k]));
  }
  const row = (k) => `${median(ms[k]).toFixed(1)} ms (${Math.min(...ms[k]).toFixed(1)}–${Math.max(...ms[k]).toFixed(1)})`;
  const ratios = ms[1].map((t, i) => t / ms[0][i]);
  console.log(`${workload}, ${loop}: ${processes} processes each, ${runs} runs a process, median CPU ms per run (range over processes)`);
  console.log(`  A ${a}: ${row(0)}`);
  console.log(`  B ${b}: ${row(1)}`);
  console.log(`  B / A: ${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`);
}

if (args[0] === '--child') await child(args[1], option('workload'), option('loop'), Number(option('runs')));
else parent();
