// A Redis-speaking key-value server in 40 lines: `npm start`, then `redis-cli -p 6380` or `telnet 127.0.0.1 6380`.
// Protocol errors, unbalanced quotes typed in telnet included, are answered and close the connection, as Redis does.
import net from 'node:net';
import { type Command, Parser, ProtocolError, Writer } from 'redisproto';

const port = Number(process.env.PORT ?? 6380), IDLE_MS = Number(process.env.IDLE_TIMEOUT_MS ?? 300_000);
const store = new Map<string, Buffer>(); // keys as latin1 strings: one char per byte, so binary keys survive

/** Answers one command; true when the connection closes after the reply. */
function execute(cmd: Command, out: Writer): boolean {
  const name = cmd.name(), argc = cmd.argCount(), key = (i: number): string => cmd.getString(i, 'latin1')!;
  const arity = (ok: boolean): boolean => ok || (out.writeError(`ERR wrong number of arguments for '${name}' command`), false);
  switch (name) {
    case 'ping': if (arity(argc <= 2)) argc === 1 ? out.writeSimpleString('PONG') : out.writeBulk(cmd.get(1)!); break;
    case 'echo': if (arity(argc === 2)) out.writeBulk(cmd.get(1)!); break;
    case 'get': if (arity(argc === 2)) out.writeBulk(store.get(key(1)) ?? null); break;
    case 'set': if (arity(argc >= 3)) argc > 3 ? out.writeError('ERR syntax error') : (store.set(key(1), cmd.copy(2)!), out.writeSimpleString('OK')); break; // a copy: a view pins the input chunk
    case 'del': if (arity(argc >= 2)) { let n = 0; for (let i = 1; i < argc; i++) n += +store.delete(key(i)); out.writeInt(n); } break;
    case 'info': out.writeBulkString('# Server\r\nredis_version:7.0.15\r\nloading:0\r\n'); break; // ioredis's ready check
    case 'quit': out.writeSimpleString('OK'); return true;
    default: { let args = ''; for (let i = 1; i < argc && args.length < 128; i++) args += `'${cmd.getString(i)!.slice(0, 128 - args.length)}' `; out.writeError(`ERR unknown command '${cmd.getString(0)!.slice(0, 128)}', with args beginning with: ${args}`); }
  }
  return false;
}

async function serve(socket: net.Socket): Promise<void> {
  socket.setTimeout(IDLE_MS, () => socket.destroy()); // a client that connects and says nothing, or stops reading, is dropped
  const parser = new Parser(socket), out = new Writer(socket);
  const closeAfterReply = (): void => void out.flush().then(() => socket.destroySoon(), () => socket.destroy()); // no wait for a FIN
  for (let cmd: Command | null; ; ) {
    try {
      if ((cmd = parser.tryReadCommand() ?? (await parser.readCommand())) === null) return void socket.end();
    } catch (err) {
      if (err instanceof ProtocolError && err.reply !== null) out.writeError(err.reply); // null where Redis sends nothing (query-buffer limit, cut-off request)
      return closeAfterReply();
    }
    if (execute(cmd, out)) return closeAfterReply(); // QUIT
    if (cmd.isLast() || out.bufferedBytes + socket.writableLength >= 1 << 20) await out.flush(); // awaited: a client that does not read is not read
  }
}

net.createServer((socket) => void serve(socket).catch(() => socket.destroy()))
  .on('error', (err) => { console.error(`redisproto demo: cannot listen on 127.0.0.1:${port}: ${err.message}`); process.exit(1); })
  .listen(port, '127.0.0.1', () => console.log(`redisproto demo listening on 127.0.0.1:${port}`));
