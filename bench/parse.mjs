// Parse throughput: 1,000,000 pipelined `SET key:<12 digits> xxx` in 64 KiB
// chunks, through redisproto's public API, redis-parser and respjs.
import { Parser } from '../dist/index.js';
import { RedisParser, Resp, chunkStream, chunked, fmt, isMain, runSuite, setCommands, table } from './common.mjs';

export const COMMANDS = 1_000_000;

function check(n) {
  if (n !== COMMANDS) throw new Error(`parsed ${n} commands, expected ${COMMANDS}`);
}

/** Reads every command through `readCommand()`, calling `use` on each. */
async function redisproto(chunks, use) {
  const parser = new Parser(chunkStream(chunks));
  let n = 0;
  let bytes = 0;
  for (let cmd; (cmd = await parser.readCommand()) !== null; n++) bytes += use(cmd);
  check(n);
  return bytes;
}

/** Every argument read, as a handler that looks at all of them would. */
function everyArgument(cmd) {
  let bytes = 0;
  const argc = cmd.argCount();
  for (let i = 0; i < argc; i++) bytes += cmd.get(i).length;
  return bytes;
}

/** Name and key only, as a server's dispatch does before it knows the command. */
function dispatchOnly(cmd) {
  return cmd.get(0).length + cmd.get(1).length;
}

function redisParser(chunks) {
  let n = 0;
  const parser = new RedisParser({
    returnBuffers: true,
    returnReply: () => n++,
    returnError: (err) => {
      throw err;
    },
  });
  for (const chunk of chunks) parser.execute(chunk);
  check(n);
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

export async function run() {
  const chunks = chunked(setCommands(COMMANDS));
  const t = await runSuite('parse', {
    'redis-parser': () => redisParser(chunks),
    respjs: () => respjs(chunks),
    'redisproto, every argument': () => redisproto(chunks, everyArgument),
    'redisproto, dispatch only': () => redisproto(chunks, dispatchOnly),
  });
  const base = t['redis-parser'];
  const rows = Object.entries(t).map(([name, s]) => [name, fmt.rate(COMMANDS / s), fmt.ratio(base / s)]);
  return {
    ratios: { full: base / t['redisproto, every argument'], dispatch: base / t['redisproto, dispatch only'] },
    markdown: table(['parser (1,000,000 SET in 64 KiB chunks)', 'commands/s', 'vs redis-parser'], rows),
  };
}

if (isMain(import.meta.url)) {
  const result = await run();
  console.log(process.argv.includes('--json') ? JSON.stringify(result) : result.markdown);
}
