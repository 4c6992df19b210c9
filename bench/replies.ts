// ReplyParser against redis-parser (the reply parser of node-redis 3 and ioredis 4) on the same bytes:
// 200,000 × (`$3 xxx`, `*3 [:1, +OK, $5 hello]`) in 64 KiB chunks; medians of 7 runs after a warm-up.
// Run: npx tsx bench/replies.ts
import { createRequire } from 'node:module';
import { PassThrough } from 'node:stream';
import { ReplyParser } from '../src/index.js';
import { median } from './e2e.js';

const RedisParser = createRequire(import.meta.url)('redis-parser');
const one = Buffer.from('$3\r\nxxx\r\n*3\r\n:1\r\n+OK\r\n$5\r\nhello\r\n');
const all = Buffer.concat(Array(200_000).fill(one));
const chunks: Buffer[] = [];
for (let i = 0; i < all.length; i += 64 * 1024) chunks.push(all.subarray(i, i + 64 * 1024));

/** Milliseconds to read every reply with readReply or readFrame, alone or after tryReadReply / tryReadFrame. */
async function ours(how: 'readReply' | 'readFrame', sync: boolean): Promise<number> {
  const stream = new PassThrough({ highWaterMark: all.length });
  const parser = new ReplyParser(stream);
  for (const chunk of chunks) stream.write(chunk);
  stream.end();
  const start = performance.now();
  if (!sync) while ((await parser[how]()) !== null);
  else if (how === 'readReply') while ((parser.tryReadReply() ?? (await parser.readReply())) !== null);
  else while ((parser.tryReadFrame() ?? (await parser.readFrame())) !== null);
  return performance.now() - start;
}

/** Milliseconds for redis-parser to call back for every reply (Buffers, as a proxy would want). */
function theirs(): number {
  let n = 0;
  const parser = new RedisParser({ returnReply: () => n++, returnError: () => n++, returnBuffers: true });
  const start = performance.now();
  for (const chunk of chunks) parser.execute(chunk);
  return performance.now() - start;
}

const runs: Record<string, number[]> = {
  readReply: [],
  readFrame: [],
  'tryReadReply() ?? await readReply()': [],
  'tryReadFrame() ?? await readFrame()': [],
  'redis-parser': [],
};
for (let i = 0; i < 8; i++) {
  const r = [await ours('readReply', false), await ours('readFrame', false), await ours('readReply', true), await ours('readFrame', true), theirs()];
  if (i === 0) continue; // warm-up
  Object.values(runs).forEach((values, k) => values.push(r[k]));
}
const peer = median(runs['redis-parser']);
console.log('| 400,000 replies | ms (median of 7) | vs redis-parser |');
console.log('| --- | --- | --- |');
for (const [name, ms] of Object.entries(runs)) {
  console.log(`| ${name} | ${median(ms).toFixed(0)} | ${(peer / median(ms)).toFixed(2)}× |`);
}
