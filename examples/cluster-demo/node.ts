// One node of the cluster demo: the demo's key-value server (Parser + Writer by hand) plus the
// cluster helpers, serving its share of the slots. launch.ts starts NODES of these; INDEX says which this is.
import net from 'node:net';
import { ClusterNode, type Command, Parser, ProtocolError, Writer, evenCluster } from 'redisproto';
import { configGet, hello } from '../handshake.js';

const host = '127.0.0.1';
const basePort = Number(process.env.PORT ?? 7000);
const index = Number(process.env.INDEX ?? 0);
const nodes = evenCluster(host, basePort, Number(process.env.NODES ?? 3));
const cluster = new ClusterNode(nodes, nodes[index].id);
const port = cluster.myself.port;

const store = new Map<string, Buffer>();
let clients = 0; // client ids, as HELLO reports them
// What CONFIG GET answers: redis-benchmark reads save and appendonly from every node.
const config: Record<string, string> = { port: String(port), bind: host, save: '', appendonly: 'no' };

// name: [arity (negative: at least), first key, last key (negative: from the end), step], as Redis's command table.
const COMMANDS: Record<string, [number, number, number, number]> = {
  ping: [-1, 0, 0, 0], echo: [2, 0, 0, 0], info: [-1, 0, 0, 0], hello: [-1, 0, 0, 0], config: [-2, 0, 0, 0],
  cluster: [-2, 0, 0, 0], readonly: [1, 0, 0, 0], readwrite: [1, 0, 0, 0], quit: [-1, 0, 0, 0],
  get: [2, 1, 1, 1], set: [-3, 1, 1, 1], incr: [2, 1, 1, 1],
  del: [-2, 1, -1, 1], exists: [-2, 1, -1, 1], mget: [-2, 1, -1, 1], mset: [-3, 1, -1, 2],
};

/**
 * Argument i as a key. Keys are kept as latin1 strings: one char per byte, so binary keys survive.
 * A module-level function rather than a closure made per command: tsx (keepNames) names each new closure, at a cost per request.
 */
const keyOf = (cmd: Command, i: number): string => cmd.getString(i, 'latin1') as string;

/** Answers one command; returns true when the connection should close after the reply. */
function execute(cmd: Command, out: Writer, id: number): boolean {
  const name = cmd.name();
  const argc = cmd.argCount();
  const spec = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (spec === undefined) {
    let args = '';
    for (let i = 1; i < argc && args.length < 128; i++) args += `'${cmd.getString(i)!.slice(0, 128 - args.length)}' `;
    out.writeError(`ERR unknown command '${cmd.getString(0)!.slice(0, 128)}', with args beginning with: ${args}`);
    return false;
  }
  const [arity, firstKey, lastKey, step] = spec;
  if (arity > 0 ? argc !== arity : argc < -arity) {
    out.writeError(`ERR wrong number of arguments for '${name}' command`);
    return false;
  }
  // A key of another node's slot gets MOVED; keys of several slots get CROSSSLOT.
  const redirect = firstKey === 0 ? null : cluster.redirection(cmd, firstKey, lastKey, step);
  if (redirect !== null) {
    out.writeError(redirect);
    return false;
  }
  switch (name) {
    case 'ping': argc === 1 ? out.writeSimpleString('PONG') : out.writeBulk(cmd.get(1)!); break;
    case 'echo': out.writeBulk(cmd.get(1)!); break;
    case 'get': out.writeBulk(store.get(keyOf(cmd, 1)) ?? null); break;
    case 'set':
      if (argc > 3) { out.writeError('ERR syntax error'); break; }
      store.set(keyOf(cmd, 1), cmd.copy(2)!); // a copy: a view would pin the whole input chunk
      out.writeSimpleString('OK');
      break;
    case 'incr': {
      const old = store.get(keyOf(cmd, 1))?.toString('latin1') ?? '0';
      if (!/^(0|-?[1-9]\d{0,18})$/.test(old) || BigInt.asIntN(64, BigInt(old)) !== BigInt(old)) { out.writeError('ERR value is not an integer or out of range'); break; }
      const next = BigInt(old) + 1n;
      if (BigInt.asIntN(64, next) !== next) { out.writeError('ERR increment or decrement would overflow'); break; }
      store.set(keyOf(cmd, 1), Buffer.from(String(next)));
      out.writeInt(next);
      break;
    }
    case 'del': case 'exists': {
      let n = 0;
      for (let i = 1; i < argc; i++) n += (name === 'del' ? store.delete(keyOf(cmd, i)) : store.has(keyOf(cmd, i))) ? 1 : 0;
      out.writeInt(n);
      break;
    }
    case 'mget': out.writeArray(argc - 1); for (let i = 1; i < argc; i++) out.writeBulk(store.get(keyOf(cmd, i)) ?? null); break;
    case 'mset':
      if (argc % 2 === 0) { out.writeError("ERR wrong number of arguments for 'mset' command"); break; }
      for (let i = 1; i < argc; i += 2) store.set(keyOf(cmd, i), cmd.copy(i + 1)!);
      out.writeSimpleString('OK');
      break;
    case 'cluster': cluster.answer(cmd, out); break;
    case 'readonly': case 'readwrite': out.writeSimpleString('OK'); break; // every node is a master: reads are served either way
    case 'info': out.writeVerbatim(`# Server\r\nredis_version:7.0.15\r\nredis_mode:cluster\r\ntcp_port:${port}\r\nloading:0\r\n\r\n# Cluster\r\ncluster_enabled:1\r\n`); break;
    case 'hello': hello(cmd, out, id, 'cluster'); break;
    case 'config': configGet(cmd, out, config); break;
    case 'quit': out.writeSimpleString('OK'); return true;
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

const [[first, last]] = cluster.myself.slots;
net
  .createServer((socket) => void serve(socket).catch(() => socket.destroy()))
  .listen(port, host, () => console.log(`cluster node ${index} ready on ${host}:${port}, slots ${first}-${last}`));
