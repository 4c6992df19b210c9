// A Redis-speaking key-value server in a page: `npm start`, then `redis-cli -p 6380` or `telnet 127.0.0.1 6380`.
import net from 'node:net';
import { type Command, Parser, ProtocolError, Writer } from 'redisproto';

const store = new Map<string, Buffer>();
let clients = 0; // client ids, as HELLO reports them
// A CONFIG GET pattern (* ? [..]) as a RegExp, case-insensitive as Redis matches it.
const glob = (p: string): RegExp => new RegExp(`^${p.replace(/[.+${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'is');

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
    case 'hello': { // HELLO [protover [AUTH user pass] [SETNAME name]], checked in Redis's order
      const v = argc > 1 ? cmd.getString(1)! : String(out.protocol);
      if (!/^(0|-?[1-9]\d*)$/.test(v) || BigInt.asIntN(64, BigInt(v)) !== BigInt(v)) { out.writeError('ERR Protocol version is not an integer or out of range'); break; }
      if (v !== '2' && v !== '3') { out.writeError('NOPROTO unsupported protocol version'); break; }
      let err = '';
      for (let i = 2; i < argc && !err; i++) {
        const opt = cmd.getString(i)!, more = argc - 1 - i;
        if (/^auth$/i.test(opt) && more >= 2) { if (key(i + 1) !== 'default') err = 'WRONGPASS invalid username-password pair or user is disabled.'; i += 2; } // no password set: 'default' takes any
        else if (/^setname$/i.test(opt) && more >= 1) { if (!/^[!-~]*$/.test(key(++i))) err = 'ERR Client names cannot contain spaces, newlines or special characters.'; }
        else err = `ERR Syntax error in HELLO option '${opt}'`;
      }
      if (err) { out.writeError(err); break; }
      out.protocol = v === '3' ? 3 : 2; // this connection's replies are RESP3 (or RESP2) from here on
      out.writeAny({ server: 'redis', version: '7.0.15', proto: out.protocol, id, mode: 'standalone', role: 'master', modules: [] });
      break;
    }
    case 'config': { // CONFIG GET pattern...: a map in RESP3, a flat array in RESP2
      if (!arity(argc >= 2)) break;
      const sub = cmd.getString(1)!;
      if (sub.toLowerCase() !== 'get') { out.writeError(`ERR unknown subcommand '${sub.slice(0, 128)}'. Try CONFIG HELP.`); break; }
      if (argc < 3) { out.writeError("ERR wrong number of arguments for 'config|get' command"); break; }
      const config: Record<string, string> = { port: String(port), bind: '127.0.0.1' }, found: Record<string, string> = {};
      for (const p of cmd.args().slice(2).map(String)) {
        if (!/[[*?]/.test(p)) { if (Object.hasOwn(config, p.toLowerCase())) found[p] ??= config[p.toLowerCase()]; } // Redis 7.0 echoes an exact name as written
        else for (const k in config) if (glob(p).test(k)) found[k] ??= config[k];
      }
      out.writeAny(found);
      break;
    }
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
  const parser = new Parser(socket);
  const out = new Writer(socket);
  const id = ++clients;
  for (;;) {
    let cmd: Command | null;
    try {
      cmd = parser.tryReadCommand() ?? (await parser.readCommand()); // buffered commands without a promise each
    } catch (err) {
      if (!(err instanceof ProtocolError)) return void socket.destroy(); // I/O failure
      out.writeError('ERR ' + err.message); // Redis's own words, so clients see what Redis would send
      await out.flush();
      if (err.fatal) return void socket.end(); // the framing is lost: close, as Redis does
      continue;
    }
    if (cmd === null) return void socket.end();
    const quit = execute(cmd, out, id);
    // One write per pipelined burst, or sooner once 1 MiB of replies waits: awaiting
    // the flush stops reading from a client that does not read its replies.
    if (quit || cmd.isLast() || out.bufferedBytes + socket.writableLength >= 1024 * 1024) await out.flush();
    if (quit) return void socket.end();
  }
}

const port = Number(process.env.PORT ?? 6380);
net
  .createServer((socket) => void serve(socket).catch(() => socket.destroy()))
  .listen(port, '127.0.0.1', () => console.log(`redisproto demo listening on 127.0.0.1:${port}`));
