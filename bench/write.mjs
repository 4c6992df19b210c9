// Reply throughput: 1,000,000 small replies (a simple string, an integer and a
// short bulk, in turn), flushed every 64 replies, through the Writer and by hand.
import { fmt, importBuild, isMain, runSuite, sink, table } from './common.mjs';
import { HandReplies } from './hand-replies.mjs';

const { Writer } = await importBuild('index.js');

export const REPLIES = 1_000_000;
const BATCH = 64;
const VALUE = Buffer.from('value:0123');
// What both ways must produce for one round of the three replies (integers vary).
const EXPECTED_BYTES = (() => {
  let total = 0;
  for (let i = 0; i < REPLIES; i++) {
    const k = i % 3;
    total += k === 0 ? 5 : k === 1 ? String(i).length + 3 : 1 + String(VALUE.length).length + 2 + VALUE.length + 2;
  }
  return total;
})();

async function writer() {
  const out = sink();
  const w = new Writer(out);
  for (let i = 0; i < REPLIES; i++) {
    const k = i % 3;
    if (k === 0) w.writeSimpleString('OK');
    else if (k === 1) w.writeInt(i);
    else w.writeBulk(VALUE);
    if (i % BATCH === BATCH - 1) await w.flush();
  }
  await w.flush();
  if (out.bytes !== EXPECTED_BYTES) throw new Error(`Writer wrote ${out.bytes} bytes, expected ${EXPECTED_BYTES}`);
}

async function byHand() {
  const out = sink();
  const h = new HandReplies(out);
  for (let i = 0; i < REPLIES; i++) {
    const k = i % 3;
    if (k === 0) h.simple('OK');
    else if (k === 1) h.int(i);
    else h.bulk(VALUE);
    // Awaited too, so both sides pay the same per-batch cost.
    if (i % BATCH === BATCH - 1) await h.flush();
  }
  h.flush();
  if (out.bytes !== EXPECTED_BYTES) throw new Error(`hand code wrote ${out.bytes} bytes, expected ${EXPECTED_BYTES}`);
}

export async function run() {
  const t = await runSuite('write', { 'by hand (strings + Buffer.concat)': byHand, Writer: writer });
  const base = t['by hand (strings + Buffer.concat)'];
  const rows = Object.entries(t).map(([name, s]) => [name, fmt.rate(REPLIES / s), fmt.ratio(base / s)]);
  return {
    ratios: { writer: base / t.Writer },
    markdown: table([`replies (1,000,000, flushed every ${BATCH})`, 'replies/s', 'vs by hand'], rows),
  };
}

if (isMain(import.meta.url)) {
  const result = await run();
  console.log(process.argv.includes('--json') ? JSON.stringify(result) : result.markdown);
}
