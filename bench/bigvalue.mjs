// One SET with a 256 MiB value in 64 KiB chunks: MB/s against redis-parser,
// against copying the chunks into one Buffer with no parsing at all (the floor
// of any parser that returns the value whole), and the parser's own extra
// memory; then a value fed one byte at a time, at three sizes, to show the
// cost is linear.
import { Readable } from 'node:stream';
import { Parser } from '../dist/index.js';
import { chunkStream, chunked, copyValue, fmt, isMain, longLivedRedisParser, median, table } from './common.mjs';

const SIZE = 256 * 1024 * 1024;

const headFor = (size) => Buffer.from(`*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$${size}\r\n`, 'latin1');

function setWithValue(size) {
  const head = headFor(size);
  const bytes = Buffer.allocUnsafe(head.length + size + 2);
  head.copy(bytes);
  bytes.fill(0x61, head.length, head.length + size);
  bytes.write('\r\n', head.length + size, 'latin1');
  return bytes;
}

async function redisproto(chunks, size, onRead) {
  const parser = new Parser(chunkStream(chunks, onRead));
  const cmd = await parser.readCommand();
  if (cmd === null || cmd.get(2).length !== size) throw new Error('redisproto: wrong value');
  if ((await parser.readCommand()) !== null) throw new Error('redisproto: extra command');
}

let bigValue = null;
const redisParserInstance = longLivedRedisParser((reply) => (bigValue = reply[2]));

function redisParser(chunks, size) {
  bigValue = null;
  for (const chunk of chunks) redisParserInstance.execute(chunk);
  if (bigValue === null || bigValue.length !== size) throw new Error('redis-parser: wrong value');
}

/** The value's bytes copied out of the chunks into a Buffer of their own: no parsing, only the copy. */
function copyAlone(chunks, size) {
  const value = copyValue(chunks, headFor(size).length, size);
  if (value[0] !== 0x61 || value[size - 1] !== 0x61) throw new Error('copy alone: wrong value');
}

const BIG_ROUNDS = 15;

/**
 * Median seconds per case, the cases taking turns within each round with a
 * full GC before every run. Not benchmark.js's one case after the other: its
 * samples leave 256 MiB values for the GC to free during the next samples, so
 * whichever case ran later paid for the earlier ones (copy alone measured
 * 0.76× redis-parser that way, 1.00× taking turns).
 */
async function interleaved(cases) {
  const runs = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  for (let round = 0; round < BIG_ROUNDS; round++) {
    for (const [name, fn] of Object.entries(cases)) {
      globalThis.gc?.();
      const start = performance.now();
      await fn();
      runs[name].push((performance.now() - start) / 1000);
    }
  }
  const result = {};
  for (const [name, values] of Object.entries(runs)) {
    result[name] = median(values);
    console.error(`  big value / ${name}: median ${(result[name] * 1000).toFixed(1)} ms over ${values.length} runs`);
  }
  return result;
}

/** Peak growth of ArrayBuffer memory while redisproto reads the value, sampled at every read. */
async function extraMemory(chunks) {
  globalThis.gc?.();
  const before = process.memoryUsage().arrayBuffers;
  let peak = before;
  await redisproto(chunks, SIZE, () => {
    peak = Math.max(peak, process.memoryUsage().arrayBuffers);
  });
  peak = Math.max(peak, process.memoryUsage().arrayBuffers);
  return (peak - before) / SIZE;
}

/**
 * `SET big <value of size bytes>` as a Readable of one-byte chunks made as
 * they are read. Not an array of chunks: a million one-byte Buffers held in
 * an array are 110 MB of heap that every major GC marks (about 50 ms each),
 * and the parser's growing buffer (external memory) triggers such GCs, so the
 * larger size paid for its own input and measured ×6 to ×8 instead of ×4.
 * Every value byte is the same, so one shared Buffer stands for all of them.
 */
function oneBytePerChunk(size) {
  const head = headFor(size);
  const a = Buffer.from('a');
  const tail = Buffer.from('\r\n');
  const total = head.length + size + 2;
  let at = 0;
  return new Readable({
    highWaterMark: 0,
    read() {
      if (at === total) return void this.push(null);
      const i = at++;
      const valueAt = i - head.length;
      this.push(valueAt < 0 ? head.subarray(i, i + 1) : valueAt < size ? a : tail.subarray(valueAt - size, valueAt - size + 1));
    },
  });
}

const BYTE_SIZES = [256 * 1024, 512 * 1024, 1024 * 1024];
const BYTE_ROUNDS = 7;

/**
 * Median CPU nanoseconds per byte to read a value fed one byte per chunk, per
 * size; sizes interleaved within a round and a full GC before each run, so
 * drift and other processes on the machine weigh on every size alike. CPU
 * time rather than wall time: the machine is shared.
 */
async function byteAtATime() {
  const runs = BYTE_SIZES.map(() => []);
  const streamAlone = [];
  const largest = BYTE_SIZES.at(-1);
  for (let round = 0; round < BYTE_ROUNDS; round++) {
    // The same chunks read by nobody but a 'data' listener: the Readable's own share.
    globalThis.gc?.();
    const start = process.cpuUsage();
    await new Promise((resolve, reject) => {
      oneBytePerChunk(largest).on('data', () => {}).on('end', resolve).on('error', reject);
    });
    const d = process.cpuUsage(start);
    streamAlone.push(((d.user + d.system) * 1000) / largest);
    for (let k = 0; k < BYTE_SIZES.length; k++) {
      const size = BYTE_SIZES[k];
      globalThis.gc?.();
      const start = process.cpuUsage();
      const parser = new Parser(oneBytePerChunk(size));
      const cmd = await parser.readCommand();
      if (cmd === null || cmd.get(2).length !== size) throw new Error('redisproto: wrong value');
      if ((await parser.readCommand()) !== null) throw new Error('redisproto: extra command');
      const d = process.cpuUsage(start);
      runs[k].push(((d.user + d.system) * 1000) / size);
    }
  }
  return { perByte: runs.map(median), streamAlone: median(streamAlone) };
}

export async function run() {
  const chunks = chunked(setWithValue(SIZE));
  // First, while nothing else has been allocated: the baseline is then clean.
  const extra = await extraMemory(chunks);
  const t = await interleaved({
    'redis-parser': () => redisParser(chunks, SIZE),
    redisproto: () => redisproto(chunks, SIZE),
    'copy alone': () => copyAlone(chunks, SIZE),
  });
  const mbs = (s) => `${(SIZE / 1048576 / s).toFixed(0)} MB/s`;
  const { perByte, streamAlone } = await byteAtATime();
  // Time for 4× the bytes, from the per-byte costs: linear is ×4, quadratic ×16.
  const growth = (4 * perByte[2]) / perByte[0];
  const rows = [
    ['redis-parser', mbs(t['redis-parser']), fmt.ratio(1), ''],
    ['redisproto', mbs(t.redisproto), fmt.ratio(t['redis-parser'] / t.redisproto), `${extra.toFixed(2)}× the value`],
    ['floor: copy alone into one new Buffer, no parsing', mbs(t['copy alone']), fmt.ratio(t['redis-parser'] / t['copy alone']), ''],
  ];
  const largest = BYTE_SIZES.at(-1);
  const kib = (n) => (n >= 1048576 ? `${n / 1048576} MiB` : `${n / 1024} KiB`);
  return {
    ratios: {
      bigValue: t['redis-parser'] / t.redisproto,
      floorBigValue: t['redis-parser'] / t['copy alone'],
      extraMemory: extra,
      byteAtATimeGrowth: growth,
    },
    markdown:
      table([`256 MiB SET value in 64 KiB chunks (median of ${BIG_ROUNDS}, taking turns)`, 'throughput', 'vs redis-parser', 'parser extra memory (peak)'], rows) +
      `\n\nOne byte per chunk (CPU time per byte, median of ${BYTE_ROUNDS}): ` +
      BYTE_SIZES.map((n, k) => `${kib(n)} value ${perByte[k].toFixed(0)} ns`).join(', ') +
      `; so 4× the bytes take ×${growth.toFixed(1)} the time (linear is ×4, quadratic ×16).` +
      ` The Readable alone, delivering the ${kib(largest)} value's chunks to a listener that does nothing: ${streamAlone.toFixed(0)} ns per byte.`,
  };
}

if (isMain(import.meta.url)) {
  const result = await run();
  console.log(process.argv.includes('--json') ? JSON.stringify(result) : result.markdown);
}
