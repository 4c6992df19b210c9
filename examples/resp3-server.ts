// The demo server speaking RESP3 too: `npm run resp3`, then `redis-cli -3 -p 6383`. On top of the
// commands of examples/server.ts it answers HELLO (switching a connection between RESP2 and RESP3),
// CONFIG GET (a map in RESP3, a flat array in RESP2) and INFO (a verbatim string in RESP3).
// Protocol errors are answered and close the connection, as Redis does (unbalanced quotes included).
import net from 'node:net';
import { type Command, Parser, ProtocolError, Writer } from 'redisproto';
import { configGet, hello } from './handshake.js';

const port = Number(process.env.PORT ?? 6383);
/** A connection that sends nothing, or does not take its replies, for this long is dropped. */
const IDLE_MS = Number(process.env.IDLE_TIMEOUT_MS ?? 300_000);
/** Unsent reply bytes past which the loop stops to flush (and to wait for the client to read). */
const HIGH_WATER = 1024 * 1024;
const store = new Map<string, Buffer>();
let clients = 0; // client ids, as HELLO reports them

/** Answers one command; returns true when the connection should close after the reply. */
function execute(cmd: Command, out: Writer, id: number): boolean {
  const name = cmd.name();
  const argc = cmd.argCount();
  const arity = (ok: boolean): boolean => ok || (out.writeError(`ERR wrong number of arguments for '${name}' command`), false);
  // Keys are kept as latin1 strings: one char per byte, so binary keys survive.
  const key = (i: number): string => cmd.getString(i, 'latin1') as string;
  switch (name) {
    case 'ping': if (arity(argc <= 2)) argc === 1 ? out.writeSimpleString('PONG') : out.writeBulk(cmd.get(1)!); break;
    case 'echo': if (arity(argc === 2)) out.writeBulk(cmd.get(1)!); break;
    case 'get': if (arity(argc === 2)) out.writeBulk(store.get(key(1)) ?? null); break;
    case 'set':
      if (!arity(argc >= 3)) break;
      if (argc > 3) { out.writeError('ERR syntax error'); break; }
      store.set(key(1), cmd.copy(2)!); // a copy: a view would pin the whole input chunk
      out.writeSimpleString('OK');
      break;
    case 'del': if (arity(argc >= 2)) { let n = 0; for (let i = 1; i < argc; i++) n += store.delete(key(i)) ? 1 : 0; out.writeInt(n); } break;
    case 'info': out.writeVerbatim('# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\nloading:0\r\n'); break; // clients' ready checks
    case 'hello': hello(cmd, out, id, 'standalone'); break;
    case 'config': configGet(cmd, out, { port: String(port), bind: '127.0.0.1' }); break;
    case 'quit': out.writeSimpleString('OK'); return true;
    default: {
      let args = '';
      for (let i = 1; i < argc && args.length < 128; i++) args += `'${cmd.getString(i)!.slice(0, 128 - args.length)}' `;
      out.writeError(`ERR unknown command '${cmd.getString(0)!.slice(0, 128)}', with args beginning with: ${args}`);
    }
  }
  return false;
}

async function serve(socket: net.Socket): Promise<void> {
  socket.setTimeout(IDLE_MS, () => socket.destroy()); // also the handshake timeout
  const parser = new Parser(socket);
  const out = new Writer(socket);
  const id = ++clients;
  // After the last reply the socket is destroyed once written, not just ended:
  // a client that never sends its FIN would otherwise hold it open for ever.
  const closeAfterReply = (): void => void out.flush().then(() => socket.destroySoon(), () => socket.destroy());
  for (;;) {
    let cmd: Command | null;
    try {
      cmd = parser.tryReadCommand() ?? (await parser.readCommand()); // buffered commands without a promise each
    } catch (err) {
      if (!(err instanceof ProtocolError)) return void socket.destroy(); // I/O failure: nobody to answer
      // Redis answers even a recoverable error (unbalanced quotes) and then closes; so does this server.
      if (err.reply !== null) out.writeError(err.reply);
      return closeAfterReply();
    }
    if (cmd === null) return void socket.end();
    if (execute(cmd, out, id)) return closeAfterReply(); // QUIT
    // One write per pipelined burst, or sooner past the high-water mark: awaiting
    // the flush stops reading from a client that does not read its replies.
    if (cmd.isLast() || out.bufferedBytes + socket.writableLength >= HIGH_WATER) await out.flush();
  }
}

net
  .createServer((socket) => void serve(socket).catch(() => socket.destroy()))
  .on('error', (err) => {
    console.error(`redisproto resp3 demo: cannot listen on 127.0.0.1:${port}: ${err.message}`);
    process.exit(1);
  })
  .listen(port, '127.0.0.1', () => console.log(`redisproto resp3 demo listening on 127.0.0.1:${port}`));
