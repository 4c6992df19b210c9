// One SET with a 256 MiB value in 64 KiB chunks: MB/s against redis-parser and
// the parser's own extra memory; then a value fed one byte at a time, at two
// sizes, to show the cost is linear.
import { Parser } from '../dist/index.js';
import { RedisParser, chunkStream, chunked, fmt, isMain, median, runSuite, table } from './common.mjs';

const SIZE = 256 * 1024 * 1024;

function setWithValue(size) {
  const head = Buffer.from(`*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$${size}\r\n`, 'latin1');
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

function redisParser(chunks, size) {
  let value = null;
  const parser = new RedisParser({
    returnBuffers: true,
    returnReply: (reply) => (value = reply[2]),
    returnError: (err) => {
      throw err;
    },
  });
  for (const chunk of chunks) parser.execute(chunk);
  if (value === null || value.length !== size) throw new Error('redis-parser: wrong value');
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

/** Median seconds to read a value of `size` bytes fed one byte per chunk. */
async function byteAtATime(size) {
  const chunks = chunked(setWithValue(size), 1);
  const times = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await redisproto(chunks, size);
    times.push((performance.now() - t) / 1000);
  }
  return median(times);
}

export async function run() {
  const chunks = chunked(setWithValue(SIZE));
  // First, while nothing else has been allocated: the baseline is then clean.
  const extra = await extraMemory(chunks);
  const t = await runSuite(
    'big value',
    { 'redis-parser': () => redisParser(chunks, SIZE), redisproto: () => redisproto(chunks, SIZE) },
    { minSamples: 5, maxTime: 3, initCount: 1 },
  );
  const mbs = (s) => `${(SIZE / 1048576 / s).toFixed(0)} MB/s`;
  const small = await byteAtATime(256 * 1024);
  const large = await byteAtATime(1024 * 1024);
  const growth = large / small;
  const rows = [
    ['redis-parser', mbs(t['redis-parser']), fmt.ratio(1), ''],
    ['redisproto', mbs(t.redisproto), fmt.ratio(t['redis-parser'] / t.redisproto), `${extra.toFixed(2)}× the value`],
  ];
  return {
    ratios: { bigValue: t['redis-parser'] / t.redisproto, extraMemory: extra, byteAtATimeGrowth: growth },
    markdown:
      table(['256 MiB SET value in 64 KiB chunks', 'throughput', 'vs redis-parser', 'parser extra memory (peak)'], rows) +
      `\n\nOne byte per chunk: 256 KiB value ${(small * 1000).toFixed(0)} ms, 1 MiB value ${(large * 1000).toFixed(0)} ms ` +
      `(×${growth.toFixed(1)} for 4× the bytes: linear is ×4, quadratic ×16).`,
  };
}

if (isMain(import.meta.url)) {
  const result = await run();
  console.log(process.argv.includes('--json') ? JSON.stringify(result) : result.markdown);
}
