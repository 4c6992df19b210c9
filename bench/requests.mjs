// Request decoding side by side: 1,000,000 pipelined `SET key:<12 digits> xxx`
// in 64 KiB chunks, every argument read, through RequestDecoder in a plain loop
// (no stream, no promise) when the built package exports it, through Parser's
// fast loop (`tryReadCommand() ?? await readCommand()`) and through
// redis-parser. Every contender runs once per round in an order that turns,
// after a full GC (common.mjs takeTurns); medians of CPU time over rounds, and each
// round's ratio to redis-parser (median and range). bench/parse.mjs keeps its
// benchmark.js table of more ways to read; this suite adds the decoder, and a
// floor: the barest parse of the whole input with the three views per command.
import { chunkStream, chunked, everyArgument, fmt, importBuild, isMain, longLivedRedisParser, median, ratioSpread, ratiosTo, residentStreamObjects, setCommands, table, takeTurns, WARM_UP_ROUNDS } from './common.mjs';

const redisproto = await importBuild('index.js');
const { view } = await importBuild('view.js');

const COMMANDS = 1_000_000;
const ROUNDS = 9;
const { Parser } = redisproto;
/** The synchronous decoder of issue 13, once the package exports it. */
const RequestDecoder = redisproto.RequestDecoder;

function requestDecoder(chunks) {
  const decoder = new RequestDecoder();
  let n = 0;
  let bytes = 0;
  for (const chunk of chunks) {
    decoder.push(chunk);
    for (let cmd = decoder.next(); cmd !== undefined; cmd = decoder.next(), n++) bytes += everyArgument(cmd);
  }
  decoder.end();
  return [n, bytes];
}

async function parser(chunks) {
  const p = new Parser(chunkStream(chunks));
  let n = 0;
  let bytes = 0;
  for (;;) {
    const cmd = p.tryReadCommand() ?? (await p.readCommand());
    if (cmd === null) return [n, bytes];
    bytes += everyArgument(cmd);
    n++;
  }
}

/** The chunks as one buffer, made once, for the floor below. */
let whole = null;
/** Where the request read by the last {@link bareRequest} ends. */
let bareEnd = 0;
/** The floor's last request object: stored, so that each one is really made (not optimised away). */
let bareLast = null;

/**
 * The multibulk request at buf[pos…) read the barest way: digits until CR, no
 * limit, no check of any CRLF or sign; its offsets, or null at the end.
 */
function bareRequest(buf, pos, end) {
  if (pos >= end) return null;
  let p = pos + 1;
  let count = 0;
  for (let c = buf[p]; c !== 0x0d; c = buf[++p]) count = count * 10 + (c - 0x30);
  p += 2;
  const offsets = new Array(count * 2);
  for (let i = 0; i < count * 2; i += 2) {
    let len = 0;
    for (let c = buf[++p]; c !== 0x0d; c = buf[++p]) len = len * 10 + (c - 0x30);
    p += 2;
    offsets[i] = p;
    offsets[i + 1] = p + len;
    p += len + 2;
  }
  bareEnd = p;
  return offsets;
}

/**
 * The floor: the whole input in one buffer (no chunk boundaries), each request
 * read by {@link bareRequest} into an object with its offsets, and its three
 * views made as `Command#get` makes them. A ceiling for any decoder of this
 * API, which must also bound and check what it reads and cross chunks.
 */
function floorParseViews(chunks) {
  whole ??= Buffer.concat(chunks);
  const buf = whole, end = buf.length, memory = buf.buffer, base = buf.byteOffset;
  let n = 0;
  let bytes = 0;
  for (let pos = 0, o; (o = bareRequest(buf, pos, end)) !== null; pos = bareEnd, n++) {
    const cmd = { buf, offsets: o, start: pos, end: bareEnd };
    bareLast = cmd;
    for (let i = 0; i < cmd.offsets.length; i += 2) bytes += view(memory, base + o[i], o[i + 1] - o[i]).length;
  }
  return [n, bytes];
}

/** What the long-lived redis-parser's callback counted in the current run. */
const seen = { n: 0, bytes: 0 };
const redisParserInstance = longLivedRedisParser((args) => {
  for (let i = 0; i < args.length; i++) seen.bytes += args[i].length;
  seen.n++;
});

function redisParser(chunks) {
  seen.n = seen.bytes = 0;
  for (const chunk of chunks) redisParserInstance.execute(chunk);
  return [seen.n, seen.bytes];
}

/**
 * A live decoder that has read a command, that command, and a Parser, for the
 * whole process. V8 keeps the hidden class an object has only while some
 * object has it: without these, the full GC before each run collects every
 * decoder and Command, and each run begins by deoptimising the code
 * specialised on their classes ("weak objects" in --trace-deopt). A long-lived
 * process pays that once per full GC, not once per 200 ms of work; the
 * forced GCs are this harness's, so the residents take their cost away.
 */
function residentDecoder() {
  const decoder = new RequestDecoder();
  decoder.push(setCommands(1));
  return [decoder, decoder.next()];
}
const RESIDENT = [
  ...(RequestDecoder ? residentDecoder() : []),
  ...(await residentStreamObjects((stream) => new Parser(stream), (parser) => parser.readCommand(), setCommands(1))),
];

const CONTENDERS = {
  ...(RequestDecoder ? { requestDecoder: ['RequestDecoder, `push()` then `next()` in a plain loop', requestDecoder] } : {}),
  parser: ['Parser, `tryReadCommand() ?? await readCommand()`', parser],
  redisParser: ['redis-parser (returnBuffers)', redisParser],
  floorParseViews: ['floor: the barest parse (one buffer, no limits, no checks) and the 3 views', floorParseViews],
};

/** Every contender, or those of `only` (comma-separated keys), in turn; the table, the median ratios and each one's times. */
export async function run(only) {
  if (RESIDENT.length === 0) throw new Error('unreachable: keeps RESIDENT referenced');
  const chunks = chunked(setCommands(COMMANDS));
  const expectedBytes = COMMANDS * (3 + 16 + 3);
  const keys = Object.keys(CONTENDERS).filter((key) => only === undefined || only.split(',').includes(key));
  const ms = await takeTurns(keys, ROUNDS, async (key) => {
    const [n, bytes] = await CONTENDERS[key][1](chunks);
    if (n !== COMMANDS || bytes !== expectedBytes) throw new Error(`${key}: ${n} commands, ${bytes} bytes`);
  });
  const vs = ms.redisParser ? ratiosTo(ms, 'redisParser') : {}; // no baseline when run --only without it
  const ratios = Object.fromEntries(Object.entries(vs).map(([key, values]) => [key, median(values)]));
  const rows = keys.map((key) => {
    const t = median(ms[key]) / 1000;
    return [CONTENDERS[key][0], `${(t * 1000).toFixed(1)} ms`, fmt.rate(COMMANDS / t), vs[key] ? ratioSpread(vs[key]) : ''];
  });
  const note = RequestDecoder ? '' : '\n\nRequestDecoder: not exported by this build of redisproto (issue 13): its row is skipped.';
  return {
    ratios,
    ms,
    markdown:
      table(['1,000,000 SET in 64 KiB chunks, every argument read', 'median CPU time', 'commands/s', 'vs redis-parser, median (range over rounds)'], rows) +
      `\n\n${ROUNDS} rounds after ${WARM_UP_ROUNDS} rounds of warm-up, every contender once per round in turn, a full GC before each run; times are the process's CPU time (user + system).` +
      note,
  };
}

if (isMain(import.meta.url)) {
  const at = process.argv.indexOf('--only');
  const result = await run(at < 0 ? undefined : process.argv[at + 1]);
  console.log(process.argv.includes('--json') ? JSON.stringify(result) : result.markdown);
}
