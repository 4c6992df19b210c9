// Shared pieces of the benchmarks: input generation, a chunk-feeding stream,
// benchmark.js runs reduced to medians, and the results table.
import { executionAsyncResource } from 'node:async_hooks';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
export const Benchmark = require('benchmark');
export const RedisParser = require('redis-parser');
export const Resp = require('respjs');

/**
 * redis-parser as a connection holds it (returnBuffers): one instance for the
 * whole process, `returnReply` a function made once. A parser made per run,
 * with new closures each time, had its execute() deoptimised and recompiled
 * two or three times a round ("wrong call target" in --trace-deopt), a cost no
 * ioredis connection pays; the reply benchmark measured it 1.5× slower so.
 * Every run ends on a complete reply, so no state carries over between runs.
 */
export function longLivedRedisParser(returnReply) {
  return new RedisParser({ returnBuffers: true, returnReply, returnError: rethrow });
}

/** An error callback made once: a peer's error in a benchmark fails the run. */
export function rethrow(err) {
  throw err;
}

/**
 * A module of the build under test: this checkout's dist/, or the one named
 * by REDISPROTO_DIST (bench/ab.mjs runs the suites on two builds so).
 */
export function importBuild(file) {
  const dir = process.env.REDISPROTO_DIST ? resolve(process.env.REDISPROTO_DIST) : fileURLToPath(new URL('../dist/', import.meta.url));
  return import(pathToFileURL(join(dir, file)).href);
}

export const CHUNK = 64 * 1024;

/** Every argument of a Command read, as a handler that looks at all of them would; returns their bytes. */
export function everyArgument(cmd) {
  let bytes = 0;
  const argc = cmd.argCount();
  for (let i = 0; i < argc; i++) bytes += cmd.get(i).length;
  return bytes;
}

/** `SET key:<12 digits> xxx` n times, pipelined, as one Buffer. */
export function setCommands(n) {
  const one = Buffer.from('*3\r\n$3\r\nSET\r\n$16\r\nkey:000000000000\r\n$3\r\nxxx\r\n', 'latin1');
  const out = Buffer.allocUnsafe(one.length * n);
  const keyAt = one.indexOf('key:') + 4;
  for (let i = 0; i < n; i++) {
    const at = i * one.length;
    one.copy(out, at);
    out.write(String(i).padStart(12, '0'), at + keyAt, 'latin1');
  }
  return out;
}

/**
 * The `size` bytes that start `from` bytes into the chunks' stream, copied
 * into one new Buffer: the floor for a big value, all that a parser handing it
 * out in memory of its own must do (allocate, touch every page for the first
 * time, copy), with no parsing.
 */
export function copyValue(chunks, from, size) {
  const value = Buffer.allocUnsafeSlow(size);
  let at = 0; // offset of the current chunk in the stream
  for (const chunk of chunks) {
    const start = Math.max(from, at);
    const stop = Math.min(from + size, at + chunk.length);
    if (stop > start) chunk.copy(value, start - from, start - at, stop - at);
    at += chunk.length;
  }
  return value;
}

/** `bytes` cut into views of `size` bytes (the last one shorter). */
export function chunked(bytes, size = CHUNK) {
  const chunks = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return chunks;
}

/**
 * A Readable yielding `chunks` one per read, as a socket yields what the
 * kernel has. `onRead` (optional) runs each time the consumer asks for more.
 */
export function chunkStream(chunks, onRead) {
  let i = 0;
  return new Readable({
    highWaterMark: 0,
    read() {
      if (onRead) onRead();
      this.push(i < chunks.length ? chunks[i++] : null);
    },
  });
}

/**
 * Objects of the kinds a stream-fed parser's run makes, kept alive for the
 * whole process: a parser that has read one unit (`first` reads it) from a
 * chunkStream still open, and the object Node makes for a `nextTick`. V8
 * keeps a hidden class only while some object has it; the full GC before each
 * run would otherwise collect every one of them, and each run of a stream-fed
 * contender would begin by deoptimising Node's own stream code (`resume`,
 * `nextTick`, `maybeReadMore`, `emitReadable`: "weak objects" in
 * --trace-deopt), a cost no connection pays while its stream is open.
 */
export async function residentStreamObjects(makeParser, first, unit) {
  const parser = makeParser(chunkStream([unit, unit]));
  const tick = await new Promise((resolve) => process.nextTick(() => resolve(executionAsyncResource())));
  return [parser, await first(parser), tick];
}

/** A Writable that accepts and drops everything, counting bytes. */
export function sink() {
  const s = new Writable({
    highWaterMark: 1 << 30,
    write(chunk, _enc, cb) {
      s.bytes += chunk.length;
      cb();
    },
    writev(chunks, cb) {
      for (const c of chunks) s.bytes += c.chunk.length;
      cb();
    },
  });
  s.bytes = 0;
  return s;
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Benchmark.js options: a few seconds per case, at least `minSamples` runs. */
export const QUICK = { minSamples: 5, maxTime: 4, initCount: 1 };

/**
 * Runs benchmark.js cases (name → async or sync function doing one whole
 * run) one after the other and returns name → median seconds per run.
 */
export function runSuite(title, cases, options = QUICK) {
  return new Promise((resolve, reject) => {
    const suite = new Benchmark.Suite(title);
    for (const [name, fn] of Object.entries(cases)) {
      suite.add(name, {
        ...options,
        defer: true,
        fn(deferred) {
          Promise.resolve(fn()).then(() => deferred.resolve(), (err) => {
            console.error(err);
            process.exit(1);
          });
        },
      });
    }
    const result = {};
    suite
      .on('cycle', (ev) => {
        const b = ev.target;
        result[b.name] = median(b.stats.sample);
        console.error(`  ${title} / ${b.name}: median ${(result[b.name] * 1000).toFixed(1)} ms over ${b.stats.sample.length} runs`);
      })
      .on('error', (ev) => reject(ev.target.error))
      .on('complete', () => resolve(result))
      .run({ async: true });
  });
}

export const fmt = {
  rate: (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M/s` : `${(n / 1e3).toFixed(1)} k/s`),
  ratio: (r) => `${r.toFixed(2)}×`,
};

/** A markdown table from a header row and rows of cells. */
export function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** True when this module is the script node was started with. */
export function isMain(url) {
  return process.argv[1] !== undefined && new URL(url).pathname === process.argv[1];
}

/**
 * Rounds run before {@link takeTurns} counts any. V8 goes on optimizing for
 * several rounds: with `--trace-opt`, the functions it finished optimizing in
 * each of the first rounds of the reply suite's 10-byte bulks were 93, 28, 18,
 * 11, 3, 4, 2, 0, of `+OK` 64, 24, 15, 8, 11, 2, 5, 3, of the request suite
 * 47, 25, 12, 8, 3, 1, 1, 1 (2026-12-03), and compiling runs on threads whose
 * CPU this process's time includes. With one round of warm-up the first
 * counted rounds measured the compiler: paired runs of the bulks workload gave
 * ReplyParser 1.21×, 1.21×, 1.20× redis-parser with one and 1.68×, 1.53×,
 * 1.47× with eight. A client or proxy reads its replies in optimized code.
 * `WARM_UP_ROUNDS=1 npm run bench` measures as before.
 */
export const WARM_UP_ROUNDS = Number(process.env.WARM_UP_ROUNDS ?? 5);

/**
 * Cases taking turns: `rounds` rounds after {@link WARM_UP_ROUNDS} rounds of
 * warm-up, every case once per round, the order turning from round to round,
 * a full GC before each run (unless `gc` is false). `run(key)` does one whole
 * run (it may return a promise). Returns key → CPU milliseconds per run (user + system of this
 * process, GC threads included): on a shared machine wall time would count
 * whatever else got the core.
 */
export async function takeTurns(keys, rounds, run, gc = true) {
  const ms = Object.fromEntries(keys.map((k) => [k, []]));
  for (let round = -WARM_UP_ROUNDS; round < rounds; round++) {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[(i + round + WARM_UP_ROUNDS) % keys.length];
      if (gc) globalThis.gc?.();
      const start = process.cpuUsage();
      await run(key);
      const spent = process.cpuUsage(start);
      if (round >= 0) ms[key].push((spent.user + spent.system) / 1000); // negative rounds warm up
    }
  }
  return ms;
}

/** Each round's ratio of `baseline`'s time to every case's time (above 1: faster than the baseline). */
export function ratiosTo(ms, baseline) {
  return Object.fromEntries(Object.entries(ms).map(([key, times]) => [key, times.map((t, r) => ms[baseline][r] / t)]));
}

/** Median and range of ratios: "1.29× (1.06–1.68)". */
export function ratioSpread(values) {
  return `${median(values).toFixed(2)}× (${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)})`;
}
