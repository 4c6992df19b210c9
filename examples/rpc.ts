// An RPC server that speaks RESP: `npm run rpc`, then `redis-cli -p 6382 user.add '{"name":"ann","langs":["go"]}'`.
// Any Redis client is its client library. Each command declares its arity; arguments are
// validated and refused with Redis-style errors, and replies are structured (nested arrays).
import net from 'node:net';
import { type Command, Parser, ProtocolError, Writer } from 'redisproto';

interface User {
  name: string;
  langs: string[];
}
const port = Number(process.env.PORT ?? 6382);
/** A connection that sends nothing, or does not take its replies, for this long is dropped. */
const IDLE_MS = Number(process.env.IDLE_TIMEOUT_MS ?? 300_000);
/** Unsent reply bytes past which the loop stops to flush (and to wait for the client to read). */
const HIGH_WATER = 1024 * 1024;
const users = new Map<number, User>();
let nextId = 1;

/** A refusal, sent to the client as an error reply (its message starts with the error code). */
class Refusal extends Error {}

/** The integer in argument i, or a refusal in Redis's words. */
function integer(cmd: Command, i: number): number {
  const text = cmd.getString(i)!;
  const n = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(n)) throw new Refusal('ERR value is not an integer or out of range');
  return n;
}

/** A user as JSON in argument i: `{"name": string, "langs"?: string[]}`. */
function userArg(cmd: Command, i: number): User {
  let value: unknown;
  try {
    value = JSON.parse(cmd.getString(i)!);
  } catch (err) {
    throw new Refusal(`ERR invalid JSON: ${(err as Error).message}`);
  }
  const { name, langs = [] } = (value ?? {}) as Partial<User>;
  if (typeof name !== 'string' || name === '') throw new Refusal('ERR user needs a non-empty string "name"');
  if (!Array.isArray(langs) || !langs.every((l) => typeof l === 'string')) {
    throw new Refusal('ERR "langs" must be an array of strings');
  }
  return { name, langs };
}

/**
 * Each command: its arity as Redis counts it (the name included; negative
 * means at least), and a handler that validates its arguments (throwing a
 * Refusal) before it writes its reply.
 */
const commands: Record<string, { arity: number; run: (cmd: Command, out: Writer) => void }> = {
  ping: { arity: -1, run: (cmd, out) => (cmd.argCount() > 1 ? out.writeBulk(cmd.get(1)!) : out.writeSimpleString('PONG')) },
  // ioredis sends INFO before its first command, and waits while it says `loading:1`.
  info: { arity: -1, run: (_cmd, out) => out.writeBulkString('# Server\r\nserver:redisproto-rpc\r\nloading:0\r\n') },
  sum: {
    arity: -2,
    run: (cmd, out) => {
      let total = 0;
      for (let i = 1; i < cmd.argCount(); i++) total += integer(cmd, i);
      if (!Number.isSafeInteger(total)) throw new Refusal('ERR increment or decrement would overflow');
      out.writeInt(total);
    },
  },
  'user.add': {
    arity: 2,
    run: (cmd, out) => {
      const user = userArg(cmd, 1);
      users.set(nextId, user);
      out.writeInt(nextId++);
    },
  },
  // A structured reply, as HGETALL's: field, value, … with a nested array for the list.
  'user.get': {
    arity: 2,
    run: (cmd, out) => {
      const user = users.get(integer(cmd, 1));
      out.writeAny(user === undefined ? null : ['name', user.name, 'langs', user.langs]);
    },
  },
  'user.find': {
    arity: 2,
    run: (cmd, out) => {
      const lang = cmd.getString(1)!;
      out.writeAny([...users].filter(([, user]) => user.langs.includes(lang)).map(([id]) => id));
    },
  },
};

/** Answers one command into `out`. */
function execute(cmd: Command, out: Writer): void {
  const name = cmd.name();
  const command = commands[name];
  if (command === undefined) return out.writeError(`ERR unknown command '${cmd.getString(0)!.slice(0, 128)}'`);
  const argc = cmd.argCount();
  if (command.arity >= 0 ? argc !== command.arity : argc < -command.arity) {
    return out.writeError(`ERR wrong number of arguments for '${name}' command`);
  }
  try {
    command.run(cmd, out);
  } catch (err) {
    if (!(err instanceof Refusal)) throw err;
    out.writeError(err.message);
  }
}

async function serve(socket: net.Socket): Promise<void> {
  // Also the handshake timeout; a client that stops reading its replies stops
  // the loop in flush() below, makes no progress, and is dropped here too.
  socket.setTimeout(IDLE_MS, () => socket.destroy());
  const parser = new Parser(socket);
  const out = new Writer(socket);
  for (;;) {
    let cmd: Command | null;
    try {
      cmd = parser.tryReadCommand() ?? (await parser.readCommand());
    } catch (err) {
      if (!(err instanceof ProtocolError)) return void socket.destroy();
      if (err.reply !== null) out.writeError(err.reply);
      if (!err.fatal) {
        await out.flush(); // unbalanced quotes: the parser skipped that line, so the connection goes on (Redis would close)
        continue;
      }
      // Destroyed once the reply is written, not just ended: a client that
      // never sends its FIN would otherwise hold the socket for ever.
      return void out.flush().then(() => socket.destroySoon(), () => socket.destroy());
    }
    if (cmd === null) return void socket.end();
    execute(cmd, out);
    // Flushing only when the burst ends lets one long pipeline of a client
    // that does not read pile up replies without bound; past the high-water
    // mark the loop waits for the client to take them before reading more.
    if (cmd.isLast() || out.bufferedBytes + socket.writableLength >= HIGH_WATER) await out.flush();
  }
}

net
  .createServer((socket) => void serve(socket).catch(() => socket.destroy()))
  .on('error', (err) => {
    console.error(`redisproto rpc: cannot listen on 127.0.0.1:${port}: ${err.message}`);
    process.exit(1);
  })
  .listen(port, '127.0.0.1', () => console.log(`redisproto rpc listening on 127.0.0.1:${port}`));
