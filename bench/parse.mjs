// Parse throughput: 1,000,000 pipelined `SET key:<12 digits> xxx` in 64 KiB
// chunks, through redisproto's public API (both loops), redis-parser and
// respjs; and floors that parse nothing, only build the Buffers the API hands
// out, to show the best ratio any parser returning Buffers could reach.
import { Parser } from '../dist/index.js';
import { view } from '../dist/view.js';
import { CHUNK, Resp, chunkStream, chunked, everyArgument, fmt, isMain, longLivedRedisParser, runSuite, setCommands, table } from './common.mjs';

export const COMMANDS = 1_000_000;

function check(n) {
  if (n !== COMMANDS) throw new Error(`parsed ${n} commands, expected ${COMMANDS}`);
}

/**
 * Reads every command, calling `use` on each: through `readCommand()` alone (a
 * promise per command), or in the loop docs/api.md recommends (a promise only
 * when nothing is buffered).
 */
async function readAll(chunks, use, recommended) {
  const parser = new Parser(chunkStream(chunks));
  let n = 0;
  let bytes = 0;
  for (;;) {
    // Awaits only what must be awaited: an await of a plain value still costs a microtask.
    const cmd = (recommended ? parser.tryReadCommand() : undefined) ?? (await parser.readCommand());
    if (cmd === null) break;
    bytes += use(cmd);
    n++;
  }
  check(n);
  return bytes;
}

/** Name and key only, as a server's dispatch does before it knows the command. */
function dispatchOnly(cmd) {
  return cmd.get(0).length + cmd.get(1).length;
}

/**
 * Where the first `perCommand` arguments of every command lie, per chunk:
 * `[start, length, …]` relative to the chunk, found from the fixed layout of
 * setCommands() (this is the parsing the floors leave out). An argument cut by
 * a chunk boundary is clamped to its first chunk: a floor may be generous.
 */
function viewOffsets(perCommand) {
  const one = Buffer.from(setCommands(1));
  const args = [];
  for (let at = 0; args.length < 3; ) {
    const cr = one.indexOf('\r\n', one.indexOf('$', at));
    const start = cr + 2;
    const len = Number(one.latin1Slice(one.indexOf('$', at) + 1, cr));
    args.push([start, len]);
    at = start + len + 2;
  }
  const perChunk = Math.ceil((one.length * COMMANDS) / CHUNK);
  const lists = Array.from({ length: perChunk }, () => []);
  for (let i = 0; i < COMMANDS; i++) {
    for (let a = 0; a < perCommand; a++) {
      const at = i * one.length + args[a][0];
      const local = at % CHUNK;
      lists[(at - local) / CHUNK].push(local, Math.min(args[a][1], CHUNK - local));
    }
  }
  return lists.map((l) => Int32Array.from(l));
}

/** The Buffers alone, made as Command#get makes them (view(): a Uint8Array subclass on Buffer.prototype). */
function viewsAlone(chunks, offsets) {
  let bytes = 0;
  let views = 0;
  for (let c = 0; c < chunks.length; c++) {
    const chunk = chunks[c];
    const memory = chunk.buffer;
    const base = chunk.byteOffset;
    const o = offsets[c];
    for (let j = 0; j < o.length; j += 2, views++) bytes += view(memory, base + o[j], o[j + 1]).length;
  }
  return [views, bytes];
}

/** The same Buffers made by subarray(), the usual way. */
function subarraysAlone(chunks, offsets) {
  let bytes = 0;
  let views = 0;
  for (let c = 0; c < chunks.length; c++) {
    const chunk = chunks[c];
    const o = offsets[c];
    for (let j = 0; j < o.length; j += 2, views++) bytes += chunk.subarray(o[j], o[j] + o[j + 1]).length;
  }
  return [views, bytes];
}

function floor(make, chunks, offsets, perCommand) {
  const [views] = make(chunks, offsets);
  if (views !== COMMANDS * perCommand) throw new Error(`made ${views} views, expected ${COMMANDS * perCommand}`);
}

let parsed = 0;
const redisParserInstance = longLivedRedisParser(() => parsed++);

function redisParser(chunks) {
  parsed = 0;
  for (const chunk of chunks) redisParserInstance.execute(chunk);
  check(parsed);
}

function respjs(chunks) {
  let n = 0;
  const resp = new Resp({ bufBulk: true });
  resp.on('data', () => n++);
  resp.on('error', (err) => {
    throw err;
  });
  for (const chunk of chunks) resp.write(chunk);
  check(n);
}

const NAMES = {
  fullLoop: 'redisproto, every argument, readCommand() loop',
  dispatchLoop: 'redisproto, dispatch only, readCommand() loop',
  full: 'redisproto, every argument, tryReadCommand() ?? await readCommand()',
  dispatch: 'redisproto, dispatch only, tryReadCommand() ?? await readCommand()',
  floorFull: 'floor: 3 views alone (view()), no parsing',
  floorFullSubarray: 'floor: 3 views alone (subarray()), no parsing',
  floorDispatch: 'floor: 2 views alone (view()), no parsing',
};

export async function run() {
  const chunks = chunked(setCommands(COMMANDS));
  const three = viewOffsets(3);
  const two = viewOffsets(2);
  const t = await runSuite('parse', {
    'redis-parser': () => redisParser(chunks),
    respjs: () => respjs(chunks),
    [NAMES.fullLoop]: () => readAll(chunks, everyArgument, false),
    [NAMES.dispatchLoop]: () => readAll(chunks, dispatchOnly, false),
    [NAMES.full]: () => readAll(chunks, everyArgument, true),
    [NAMES.dispatch]: () => readAll(chunks, dispatchOnly, true),
    [NAMES.floorFull]: () => floor(viewsAlone, chunks, three, 3),
    [NAMES.floorFullSubarray]: () => floor(subarraysAlone, chunks, three, 3),
    [NAMES.floorDispatch]: () => floor(viewsAlone, chunks, two, 2),
  });
  const base = t['redis-parser'];
  const rows = Object.entries(t).map(([name, s]) => [name, fmt.rate(COMMANDS / s), fmt.ratio(base / s)]);
  const ratio = (key) => base / t[NAMES[key]];
  return {
    ratios: {
      full: ratio('full'),
      dispatch: ratio('dispatch'),
      fullReadCommandLoop: ratio('fullLoop'),
      dispatchReadCommandLoop: ratio('dispatchLoop'),
      // The cheaper way to make the views is the ceiling.
      floorFull: Math.max(ratio('floorFull'), ratio('floorFullSubarray')),
      floorDispatch: ratio('floorDispatch'),
    },
    markdown: table(['parser (1,000,000 SET in 64 KiB chunks)', 'commands/s', 'vs redis-parser'], rows),
  };
}

if (isMain(import.meta.url)) {
  const result = await run();
  console.log(process.argv.includes('--json') ? JSON.stringify(result) : result.markdown);
}
