// Shared by the cluster-node tests: a real Redis Cluster node, the cluster demo on consecutive free
// ports, and raw request/reply exchanges decoded by type.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReplyParser, type Reply } from '../src/index.js';
import { type Started, freePort, spawnScript, startRedisServer } from './helpers.js';
import { encode } from './resp-client.js';

/** Sends the commands as one burst on a new connection (after `HELLO 3` for RESP3) and decodes one reply per command. */
export async function ask(port: number, protocol: 2 | 3, commands: (string | Buffer)[][]): Promise<Reply[]> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const replies = new ReplyParser(socket);
  try {
    if (protocol === 3) {
      socket.write(encode('HELLO', '3'));
      await replies.readReply();
    }
    socket.write(Buffer.concat(commands.map((c) => encode(...c))));
    const out: Reply[] = [];
    for (let i = 0; i < commands.length; i++) {
      const reply = await replies.readReply();
      if (reply === null) throw new Error(`the connection closed after ${i} replies`);
      out.push(reply);
    }
    return out;
  } finally {
    socket.destroy();
  }
}

/** A redis-server in cluster mode (its config file in a fresh directory, its bus on a free port), slots not yet assigned. */
export async function startClusterRedis(): Promise<Started> {
  const dir = mkdtempSync(join(tmpdir(), 'redisproto-cluster-'));
  const busPort = await freePort();
  const server = await startRedisServer(['--cluster-enabled', 'yes', '--cluster-port', String(busPort), '--dir', dir, '--cluster-config-file', 'nodes.conf']);
  return {
    ...server,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Whether a TCP port on 127.0.0.1 can be listened on right now. */
async function isFree(port: number): Promise<boolean> {
  const server = net.createServer();
  const ok = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (ok) await new Promise<void>((resolve) => server.close(() => resolve()));
  return ok;
}

/** `NODES=count PORT=<base> npm run cluster-demo` on `count` consecutive free ports; resolves once every node listens. */
export async function startClusterDemo(count: number): Promise<Started & { ports: number[]; pids: number[] }> {
  let base = 0;
  for (let attempt = 0; attempt < 50 && base === 0; attempt++) {
    const p = await freePort();
    if (p + count - 1 > 65535) continue;
    let all = true;
    for (let i = 1; i < count && all; i++) all = await isFree(p + i);
    if (all) base = p;
  }
  if (base === 0) throw new Error(`no ${count} consecutive free ports found`);
  // Every process in one group: stop() ends npm, tsx, the launcher and every node together.
  const { process: child, output, stop, ready } = await spawnScript(
    'cluster-demo',
    { NODES: String(count), PORT: String(base) },
    /nodes listening on .*\(pids ([\d,]+)\)/,
    60_000,
  );
  const pids = ready[1].split(',').map(Number);
  const ports = Array.from({ length: count }, (_, i) => base + i);
  return { port: base, ports, pids, process: child, output, stop };
}
