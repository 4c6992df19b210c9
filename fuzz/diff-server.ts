// The toolkit side of the differential property: a server on redisproto that
// answers PING, ECHO, SET, GET and DEL, and everything else, byte for byte as
// Redis 7 does, and closes after every protocol error as Redis does (the demo
// goes on after a recoverable one, which Redis does not).
import net from 'node:net';
import { type Command, Parser, ProtocolError, Writer } from '../src/index.js';

export interface DiffServer {
  port: number;
  /** Forgets every key, as FLUSHALL does. */
  reset(): void;
  close(): Promise<void>;
}

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

/** A C string's view of bytes: Redis formats arguments with %s, which stops at a NUL. */
function cString(b: Buffer): Buffer {
  const nul = b.indexOf(0);
  return nul < 0 ? b : b.subarray(0, nul);
}

/**
 * Redis's reply to an unknown command: the name (at most 128 bytes) and the
 * arguments quoted while the list is under 128 bytes, each cut to what is left;
 * CR and LF become spaces. Built in bytes, as Redis does, so any byte survives.
 */
function unknownCommand(cmd: Command): Buffer {
  let args = Buffer.alloc(0);
  for (let i = 1; i < cmd.argCount() && args.length < 128; i++) {
    const arg = cString(cmd.get(i)!).subarray(0, 128 - args.length);
    args = Buffer.concat([args, latin1("'"), arg, latin1("' ")]);
  }
  const text = Buffer.concat([
    latin1("-ERR unknown command '"),
    cString(cmd.get(0)!).subarray(0, 128),
    latin1("', with args beginning with: "),
    args,
  ]);
  for (let i = 0; i < text.length; i++) if (text[i] === 0x0d || text[i] === 0x0a) text[i] = 0x20;
  return Buffer.concat([text, latin1('\r\n')]);
}

function execute(cmd: Command, out: Writer, store: Map<string, Buffer>): void {
  const name = cmd.name();
  const argc = cmd.argCount();
  const arity = (ok: boolean): boolean => ok || (out.writeError(`ERR wrong number of arguments for '${name}' command`), false);
  const key = (i: number): string => cmd.getString(i, 'latin1')!;
  switch (name) {
    case 'ping':
      if (arity(argc <= 2)) argc === 1 ? out.writeSimpleString('PONG') : out.writeBulk(cmd.get(1)!);
      return;
    case 'echo':
      if (arity(argc === 2)) out.writeBulk(cmd.get(1)!);
      return;
    case 'get':
      if (arity(argc === 2)) out.writeBulk(store.get(key(1)) ?? null);
      return;
    case 'set':
      // Only the three-argument form is generated; Redis parses options after it.
      if (arity(argc >= 3)) {
        store.set(key(1), cmd.copy(2)!);
        out.writeSimpleString('OK');
      }
      return;
    case 'del':
      if (arity(argc >= 2)) {
        let n = 0;
        for (let i = 1; i < argc; i++) if (store.delete(key(i))) n++;
        out.writeInt(n);
      }
      return;
    default:
      out.writeRaw(unknownCommand(cmd));
  }
}

async function serve(socket: net.Socket, store: Map<string, Buffer>): Promise<void> {
  const parser = new Parser(socket);
  const out = new Writer(socket);
  for (;;) {
    let cmd: Command | null;
    try {
      cmd = await parser.readCommand();
    } catch (err) {
      if (!(err instanceof ProtocolError)) return void socket.destroy();
      // Latin-1: Redis copies the offending byte of "expected '$', got 'x'" as it is.
      out.writeRaw(latin1(`-ERR ${err.message}\r\n`));
      await out.flush();
      return void socket.end(); // Redis closes after every protocol error, recoverable ones included
    }
    if (cmd === null) return void socket.end();
    execute(cmd, out, store);
    if (cmd.isLast()) await out.flush();
  }
}

/** Starts the server on a free loopback port. */
export async function startDiffServer(): Promise<DiffServer> {
  const store = new Map<string, Buffer>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    serve(socket, store).catch(() => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    reset: () => store.clear(),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
