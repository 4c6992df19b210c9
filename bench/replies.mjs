// Reply decoding, client side: six workloads, each in a fresh node process,
// fed in 64 KiB chunks to ReplyParser (the fast loop: replies, frames, batches of
// frames), to ReplyDecoder in a plain loop, and to three
// peers: redis-parser (under ioredis; returnBuffers), the decoder inside
// @redis/client (node-redis) driven as its commands queue drives it, and
// @jsonjoy.com/json-pack's streaming RESP decoder; and floors that parse
// nothing and only build what the API hands out (on the four small-reply
// workloads the Reply objects, or one view per reply; for the 64 MiB bulk the
// value copied into a Buffer of its own), whose ratios are the ceilings of any
// decoder. Within each round every
// contender runs once, in an order that turns from round to round, after a
// full GC (common.mjs takeTurns, CPU time); the figures are medians over
// rounds, the ratios' ranges are over rounds too (each round's ratio is of
// runs made side by side).
//
//   node --expose-gc bench/replies.mjs                  every workload, a table
//   node --expose-gc bench/replies.mjs --workload ok    one workload, in this process
//   … --only replyParser                                one contender (for --cpu-prof), or several: a,b
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chunkStream, chunked, copyValue, fmt, importBuild, isMain, longLivedRedisParser, median, ratioSpread, ratiosTo, residentStreamObjects, rethrow, table, takeTurns, WARM_UP_ROUNDS } from './common.mjs';

const redisproto = await importBuild('index.js');
const { view } = await importBuild('view.js');

const require = createRequire(import.meta.url);
const { Decoder: NodeRedisDecoder, RESP_TYPES } = require('@redis/client/dist/lib/RESP/decoder.js');
const { RespStreamingDecoder } = require('@jsonjoy.com/json-pack/lib/resp/RespStreamingDecoder.js');
const nodeRedisVersion = require('@redis/client/package.json').version;
const jsonPackVersion = require('@jsonjoy.com/json-pack/package.json').version;

const { ReplyParser } = redisproto;
/** The synchronous decoder of issue 13, once the package exports it. */
const ReplyDecoder = redisproto.ReplyDecoder;
const decoderFrames = typeof ReplyDecoder?.prototype?.nextFrame === 'function';
/** nextFrames(), the batch of frames a proxy forwards, once the package has it. */
const decoderBatches = typeof ReplyDecoder?.prototype?.nextFrames === 'function';

const BIG = 64 * 1024 * 1024;
const VALUE = 'value:0123'; // 10 bytes

function repeat(text, n) {
  return Buffer.from(text.repeat(n), 'latin1');
}

/** The workloads: bytes, how many replies they hold, and which contenders understand them. */
export const WORKLOADS = {
  ok: {
    title: '1,000,000 `+OK`',
    replies: 1_000_000,
    bytes: () => repeat('+OK\r\n', 1_000_000),
    floors: ['floorReplies', 'floorFrames'],
    reply: () => ({ type: 'simple', value: 'OK' }), // the string is shared, as the decoder shares a repeated one
  },
  integers: {
    title: '1,000,000 integers',
    replies: 1_000_000,
    bytes: () => {
      const parts = [];
      for (let i = 0; i < 1_000_000; i++) parts.push(`:${i * 7919}\r\n`); // 1 to 10 digits
      return Buffer.from(parts.join(''), 'latin1');
    },
    floors: ['floorReplies', 'floorFrames'],
    reply: (bytes, start, end, value) => ({ type: 'integer', value }),
  },
  bulks: {
    title: '1,000,000 10-byte bulks',
    replies: 1_000_000,
    bytes: () => repeat(`$10\r\n${VALUE}\r\n`, 1_000_000),
    floors: ['floorReplies', 'floorFrames'],
    reply: (bytes, start) => bulkAt(bytes, start),
  },
  arrays: {
    title: '100,000 arrays of 10 bulks',
    replies: 100_000,
    bytes: () => repeat(`*10\r\n${`$10\r\n${VALUE}\r\n`.repeat(10)}`, 100_000),
    floors: ['floorReplies', 'floorFrames'],
    reply: (bytes, start) => {
      const items = new Array(10);
      for (let i = 0; i < 10; i++) items[i] = bulkAt(bytes, start + 5 + 17 * i); // `*10\r\n`, then 17 bytes a bulk
      return { type: 'array', value: items };
    },
  },
  big: {
    title: 'one 64 MiB bulk',
    replies: 1,
    floors: ['floorCopy'],
    bytes: () => {
      const head = Buffer.from(`$${BIG}\r\n`, 'latin1');
      const out = Buffer.alloc(head.length + BIG + 2, 0x61);
      head.copy(out);
      out.write('\r\n', head.length + BIG, 'latin1');
      return out;
    },
  },
  maps: {
    title: '100,000 RESP3 maps of 5 pairs',
    replies: 100_000,
    resp3: true,
    bytes: () => {
      let one = '%5\r\n';
      for (let f = 0; f < 5; f++) one += `$7\r\nfield:${f}\r\n$10\r\n${VALUE}\r\n`;
      return repeat(one, 100_000);
    },
  },
};

/** The Reply of the 10-byte bulk whose `$10\r\n` header is at `start` of `bytes` (an ArrayBuffer): the value a view, as every decoder here gives it. */
function bulkAt(bytes, start) {
  return { type: 'bulk', value: view(bytes, start + 5, 10) };
}

/** How a contender's last reply tells the 64 MiB value's length. */
const valueLength = {
  reply: (r) => r.value.length,
  frame: (f) => f.length - `$${BIG}\r\n\r\n`.length,
  bytes: (b) => b.length,
};

// Each contender reads every reply of the chunks and returns [replies, last reply];
// `onChunk` (optional) runs once per chunk taken in, for the memory sampling.

async function replyParser(chunks, onChunk) {
  const parser = new ReplyParser(chunkStream(chunks, onChunk));
  let n = 0;
  let last;
  for (;;) {
    const r = parser.tryReadReply() ?? (await parser.readReply());
    if (r === null) return [n, last];
    last = r;
    n++;
  }
}

async function replyParserFrames(chunks, onChunk) {
  const parser = new ReplyParser(chunkStream(chunks, onChunk));
  let n = 0;
  let last;
  for (;;) {
    const f = parser.tryReadFrame() ?? (await parser.readFrame());
    if (f === null) return [n, last];
    last = f;
    n++;
  }
}

/** nextFrames(): every complete reply of a chunk in one view; returns the replies counted and the last view. */
function replyDecoderBatches(chunks, onChunk) {
  const decoder = new ReplyDecoder();
  let n = 0;
  let last;
  for (const chunk of chunks) {
    decoder.push(chunk);
    onChunk?.();
    for (let f = decoder.nextFrames(); f !== undefined; f = decoder.nextFrames()) {
      n += f.count;
      last = f.bytes;
    }
  }
  decoder.end();
  return [n, last];
}

async function replyParserBatches(chunks, onChunk) {
  const parser = new ReplyParser(chunkStream(chunks, onChunk));
  let n = 0;
  let last;
  for (;;) {
    const f = parser.tryReadFrames() ?? (await parser.readFrames());
    if (f === null) return [n, last];
    n += f.count;
    last = f.bytes;
  }
}

function replyDecoder(chunks, onChunk, frames = false) {
  const decoder = new ReplyDecoder();
  let n = 0;
  let last;
  for (const chunk of chunks) {
    decoder.push(chunk);
    onChunk?.();
    if (frames) {
      for (let f = decoder.nextFrame(); f !== undefined; f = decoder.nextFrame(), n++) last = f;
    } else {
      for (let r = decoder.next(); r !== undefined; r = decoder.next(), n++) last = r;
    }
  }
  decoder.end();
  return [n, last];
}

/**
 * What the peers' callbacks saw in the current run. The peers are driven as a
 * client drives them: one long-lived instance, its callbacks made once (see
 * common.mjs longLivedRedisParser).
 */
const seen = { n: 0, last: undefined };
const sawReply = (r) => {
  seen.last = r;
  seen.n++;
};
const redisParserInstance = longLivedRedisParser(sawReply);

function redisParser(chunks, onChunk) {
  seen.n = 0;
  seen.last = undefined;
  for (const chunk of chunks) {
    redisParserInstance.execute(chunk);
    onChunk?.();
  }
  return [seen.n, seen.last];
}

// Bulk strings as Buffers, as redis-parser's returnBuffers and ReplyParser give them
// (the client's own default decodes them to strings); maps keep the client's default (objects).
const NODE_REDIS_TYPES = { [RESP_TYPES.BLOB_STRING]: Buffer };

const nodeRedisInstance = new NodeRedisDecoder({
  onReply: sawReply,
  onErrorReply: rethrow,
  onPush: () => {
    throw new Error('unexpected push');
  },
  getTypeMapping: () => NODE_REDIS_TYPES,
});

function nodeRedis(chunks, onChunk) {
  seen.n = 0;
  seen.last = undefined;
  for (const chunk of chunks) {
    nodeRedisInstance.write(chunk);
    onChunk?.();
  }
  return [seen.n, seen.last];
}

function jsonPack(chunks, onChunk) {
  const decoder = new RespStreamingDecoder();
  let n = 0;
  let last;
  for (const chunk of chunks) {
    decoder.push(chunk);
    onChunk?.();
    for (let r = decoder.read(); r !== undefined; r = decoder.read(), n++) last = r;
  }
  return [n, last];
}

/**
 * Where every reply lies, found before any clock starts: for each chunk, the
 * [start, end) of each reply that lies wholly in it, and an integer reply's
 * value (a Reply holds it as a number). A reply cut by a chunk
 * boundary is counted but not built (one per chunk at most: 0.3% of the
 * arrays, less elsewhere), so a floor is if anything generous.
 */
const spansOf = new WeakMap();
function spans(chunks) {
  let found = spansOf.get(chunks);
  if (found) return found;
  const decoder = new ReplyDecoder();
  found = { perChunk: [], values: [], cut: 0 };
  for (const chunk of chunks) {
    decoder.push(chunk);
    const here = [];
    const values = [];
    for (let f = decoder.nextFrame(); f !== undefined; f = decoder.nextFrame()) {
      const start = f.byteOffset - chunk.byteOffset;
      if (f.buffer === chunk.buffer && start >= 0 && start + f.length <= chunk.length) {
        here.push(start, start + f.length);
        values.push(f[0] === 0x3a ? Number(f.latin1Slice(1, f.length - 2)) : 0);
      } else {
        found.cut++;
      }
    }
    found.perChunk.push(Int32Array.from(here));
    found.values.push(Float64Array.from(values));
  }
  spansOf.set(chunks, found);
  return found;
}

/**
 * Floors: what the values a decoder hands out cost by themselves, no byte
 * parsed. Given where each reply lies, one builds the Reply objects that
 * next() returns for it (for a bulk: a view and an object), the other one
 * view over each reply's bytes, what nextFrame() returns. Their ratio to
 * redis-parser is the ceiling of any decoder returning those values.
 */
function floorReplies(chunks, build) {
  const { perChunk, values, cut } = spans(chunks);
  let n = cut;
  let last;
  for (let c = 0; c < chunks.length; c++) {
    const chunk = chunks[c], bytes = chunk.buffer, base = chunk.byteOffset, at = perChunk[c], value = values[c];
    for (let i = 0; i < at.length; i += 2, n++) last = build(bytes, base + at[i], base + at[i + 1], value[i >> 1]);
  }
  return [n, last];
}

/** The 64 MiB value copied out of the chunks into a Buffer of its own (what each decoder here hands out), nothing parsed. */
function floorCopy(chunks) {
  return [1, copyValue(chunks, `$${BIG}\r\n`.length, BIG)];
}

/** One view per reply: floorReplies' loop with the view made inline, so that neither call site sees two builders. */
function floorFrames(chunks) {
  const { perChunk, cut } = spans(chunks);
  let n = cut;
  let last;
  for (let c = 0; c < chunks.length; c++) {
    const chunk = chunks[c], bytes = chunk.buffer, base = chunk.byteOffset, at = perChunk[c];
    for (let i = 0; i < at.length; i += 2, n++) last = view(bytes, base + at[i], at[i + 1] - at[i]);
  }
  return [n, last];
}

/**
 * One live instance of each other contender's objects for the whole process, as a
 * client always has one for its connection (the peers' own are above). Without them, the full GC before each run
 * collects every instance, V8 then drops the object shapes the optimised loops
 * were specialised on, and each run starts by deoptimising ("weak objects" in
 * --trace-deopt): a cost of this harness, not of any decoder.
 */
const RESIDENT = [
  ...(await residentStreamObjects((stream) => new ReplyParser(stream), (parser) => parser.readReply(), Buffer.from('+OK\r\n'))),
  ReplyDecoder ? new ReplyDecoder() : null,
  new RespStreamingDecoder(),
];

/** Contenders: key → [name, run, how its last reply gives the big value's length, RESP2 only]. */
const CONTENDERS = {
  replyParser: ['ReplyParser, `tryReadReply() ?? await readReply()`', replyParser, valueLength.reply],
  replyParserFrames: ['ReplyParser frames, `tryReadFrame() ?? await readFrame()`', replyParserFrames, valueLength.frame],
  ...(ReplyDecoder
    ? { replyDecoder: ['ReplyDecoder, `push()` then `next()` in a plain loop', (c, o) => replyDecoder(c, o), valueLength.reply] }
    : {}),
  ...(decoderFrames
    ? { replyDecoderFrames: ['ReplyDecoder frames, `push()` then `nextFrame()`', (c, o) => replyDecoder(c, o, true), valueLength.frame] }
    : {}),
  ...(decoderBatches
    ? {
        replyParserBatches: ['ReplyParser batches of frames, `tryReadFrames() ?? await readFrames()`', replyParserBatches, valueLength.frame],
        replyDecoderBatches: ['ReplyDecoder batches of frames, `push()` then `nextFrames()`', replyDecoderBatches, valueLength.frame],
      }
    : {}),
  floorReplies: ['floor: the Reply objects alone, nothing parsed', null, null],
  floorFrames: ['floor: one view per reply alone, nothing parsed', floorFrames, null],
  floorCopy: ['floor: the value copied into one new Buffer alone, nothing parsed', floorCopy, valueLength.bytes],
  redisParser: ['redis-parser (returnBuffers)', redisParser, valueLength.bytes, true],
  nodeRedis: [`@redis/client ${nodeRedisVersion} decoder (bulks as Buffers)`, nodeRedis, valueLength.bytes],
  jsonPack: [`@jsonjoy.com/json-pack ${jsonPackVersion} RespStreamingDecoder`, jsonPack, valueLength.bytes],
};

/** What the table says about contenders that are not there. */
const NOTES = [
  ReplyDecoder ? '' : 'ReplyDecoder: not exported by this build of redisproto (issue 13): its rows are skipped.',
  ReplyDecoder && !decoderFrames ? 'ReplyDecoder frames: no `nextFrame()` in this build: skipped.' : '',
].filter(Boolean);

async function checked(key, workload, chunks, onChunk) {
  const [, contender, length] = CONTENDERS[key];
  // Each workload runs in a process of its own: its reply builder is the only one the floor's call site sees.
  const run = key === 'floorReplies' ? (c) => floorReplies(c, workload.reply) : contender;
  const [n, last] = await run(chunks, onChunk);
  if (n !== workload.replies) throw new Error(`${key}: ${n} replies, expected ${workload.replies}`);
  if (workload === WORKLOADS.big && length(last) !== BIG) throw new Error(`${key}: value of ${length(last)} bytes, expected ${BIG}`);
}

/** Peak growth of ArrayBuffer memory while `key` reads the workload, sampled at every chunk, over the value's size. */
async function extraMemory(key, workload, chunks) {
  globalThis.gc?.();
  const before = process.memoryUsage().arrayBuffers;
  let peak = before;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage().arrayBuffers);
  };
  await checked(key, workload, chunks, sample);
  sample();
  return (peak - before) / BIG;
}

/** One workload in this process: every contender once per round, turning order; medians and per-round ratios. */
async function measure(name, only) {
  if (RESIDENT.length === 0) throw new Error('unreachable: keeps RESIDENT referenced');
  const workload = WORKLOADS[name];
  const keys = Object.keys(CONTENDERS).filter((k) =>
    only ? only.split(',').includes(k) : !(workload.resp3 && CONTENDERS[k][3]) && (!k.startsWith('floor') || workload.floors?.includes(k)),
  );
  const chunks = chunked(workload.bytes());
  if (workload.reply !== undefined) spans(chunks);
  const memory = {};
  if (name === 'big') for (const key of keys) memory[key] = await extraMemory(key, workload, chunks);
  // A contender alone (for profiling) has nobody's garbage to be spared.
  const ms = await takeTurns(keys, name === 'big' ? 7 : 9, (key) => checked(key, workload, chunks), !only);
  const baseline = workload.resp3 ? 'nodeRedis' : 'redisParser';
  const ratios = ms[baseline] ? ratiosTo(ms, baseline) : {};
  return { name, baseline, bytes: chunks.reduce((s, c) => s + c.length, 0), ms, ratios, memory };
}

const here = fileURLToPath(import.meta.url);

/** Every workload, each in a fresh process; the markdown table, the median ratios and the 64 MiB bulk's extra memory per contender. */
export function run() {
  const results = Object.keys(WORKLOADS).map((name) => {
    console.error(`  replies / ${name} …`);
    const out = execFileSync(process.execPath, ['--expose-gc', here, '--workload', name, '--json'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 300_000,
      maxBuffer: 1 << 24,
    });
    return JSON.parse(out.toString());
  });
  const ratios = {};
  const memory = results.find((r) => r.name === 'big')?.memory ?? {};
  const rows = [];
  for (const r of results) {
    const workload = WORKLOADS[r.name];
    ratios[r.name] = {};
    for (const [key, times] of Object.entries(r.ms)) {
      const t = median(times) / 1000;
      const rate = r.name === 'big' ? `${(r.bytes / 1048576 / t).toFixed(0)} MB/s` : fmt.rate(workload.replies / t);
      const vs = r.ratios[key];
      if (vs) ratios[r.name][key] = median(vs);
      rows.push([
        workload.title,
        CONTENDERS[key][0],
        `${(t * 1000).toFixed(1)} ms`,
        rate,
        vs ? ratioSpread(vs) : '',
        r.memory[key] === undefined ? '' : `${r.memory[key].toFixed(2)}× the value`,
      ]);
    }
  }
  const markdown =
    table(['workload (64 KiB chunks)', 'decoder', 'median CPU time', 'rate', 'vs redis-parser (RESP3 maps: vs @redis/client), median (range over rounds)', 'extra memory (peak)'], rows) +
    `\n\nEach workload ran in a fresh process: 9 rounds (7 for the 64 MiB bulk) after ${WARM_UP_ROUNDS} rounds of warm-up, every contender once per round in turn, a full GC before each run; times are the process's CPU time (user + system). ` +
    'redis-parser speaks RESP2 only, so the maps compare against @redis/client. The floors parse nothing: the reply boundaries are found before the clock starts, and they only build the values handed out. Extra memory: peak growth of ArrayBuffer memory during one read, sampled at every chunk, over the 64 MiB value.' +
    (NOTES.length ? `\n\n${NOTES.join(' ')}` : '');
  return { ratios, memory, markdown };
}

if (isMain(import.meta.url)) {
  const arg = (flag) => {
    const i = process.argv.indexOf(flag);
    return i < 0 ? undefined : process.argv[i + 1];
  };
  const workload = arg('--workload');
  if (workload !== undefined) {
    if (!WORKLOADS[workload]) throw new Error(`no workload ${workload}: one of ${Object.keys(WORKLOADS).join(', ')}`);
    const result = await measure(workload, arg('--only'));
    if (process.argv.includes('--json')) console.log(JSON.stringify(result));
    else for (const [key, ms] of Object.entries(result.ms)) console.log(`${CONTENDERS[key][0]}: median ${median(ms).toFixed(1)} ms`);
  } else {
    const result = run();
    console.log(process.argv.includes('--json') ? JSON.stringify(result) : result.markdown);
  }
}
