// A Redis-speaking key-value server in a page: `npm start`, then `redis-cli -p 6380` or `telnet 127.0.0.1 6380`.
import net from 'node:net';
import { type Command, Parser, ProtocolError, Writer } from 'redisproto';

const store = new Map<string, Buffer>();

/** Answers one command; returns true when the connection should close after the reply. */
function execute(cmd: Command, out: Writer): boolean {
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
    case 'info': out.writeBulkString('# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\nloading:0\r\n'); break; // clients' ready checks
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
  for (;;) {
    let cmd: Command | null;
    try {
      cmd = await parser.readCommand();
    } catch (err) {
      if (!(err instanceof ProtocolError)) return void socket.destroy(); // I/O failure
      out.writeError('ERR ' + err.message); // Redis's own words, so clients see what Redis would send
      await out.flush();
      if (err.fatal) return void socket.end(); // the framing is lost: close, as Redis does
      continue;
    }
    if (cmd === null) return void socket.end();
    const quit = execute(cmd, out);
    if (quit || cmd.isLast()) await out.flush(); // one write per pipelined burst
    if (quit) return void socket.end();
  }
}

const port = Number(process.env.PORT ?? 6380);
net
  .createServer((socket) => void serve(socket).catch(() => socket.destroy()))
  .listen(port, '127.0.0.1', () => console.log(`redisproto demo listening on 127.0.0.1:${port}`));
