// An experiment, not part of `npm run bench`: how much of a command's cost is
// the await of readCommand()'s promise. Parses the parse suite's input once
// through readCommand() and once taking buffered commands synchronously
// through the parser's private take() (not an API), alternating with
// redis-parser, and prints medians of process CPU time.
import { Parser } from '../dist/index.js';
import { COMMANDS } from './parse.mjs';
import { RedisParser, chunkStream, chunked, median, setCommands } from './common.mjs';

const chunks = chunked(setCommands(COMMANDS));

async function cpu(fn) {
  const start = process.cpuUsage();
  await fn();
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

async function redisproto(sync, full) {
  const parser = new Parser(chunkStream(chunks));
  let bytes = 0;
  for (;;) {
    // Only the slow case awaits: a buffered command is taken without a promise.
    let cmd = sync ? parser.take() : null;
    if (cmd === null) cmd = await parser.readCommand();
    if (cmd === null) break;
    if (full) for (let i = 0; i < cmd.argCount(); i++) bytes += cmd.get(i).length;
    else bytes += cmd.get(0).length + cmd.get(1).length;
  }
  return bytes;
}

function redisParser() {
  const parser = new RedisParser({ returnBuffers: true, returnReply() {}, returnError() {} });
  for (const chunk of chunks) parser.execute(chunk);
}

const runs = { 'redis-parser': [], 'await, every argument': [], 'await, dispatch only': [], 'sync, every argument': [], 'sync, dispatch only': [] };
for (let round = 0; round < 7; round++) {
  runs['redis-parser'].push(await cpu(redisParser));
  runs['await, every argument'].push(await cpu(() => redisproto(false, true)));
  runs['await, dispatch only'].push(await cpu(() => redisproto(false, false)));
  runs['sync, every argument'].push(await cpu(() => redisproto(true, true)));
  runs['sync, dispatch only'].push(await cpu(() => redisproto(true, false)));
}
const base = median(runs['redis-parser']);
for (const [name, values] of Object.entries(runs)) {
  const ms = median(values);
  console.log(`${name.padEnd(24)} ${ms.toFixed(0).padStart(5)} ms CPU  ${(base / ms).toFixed(2)}× redis-parser`);
}
