// A real Redis Cluster for tests: Debian's redis-server in cluster mode on free ports, each node in
// a temporary directory of its own, joined by `redis-cli --cluster create`; stopped and its
// directories removed by stop(). Nodes can be killed and started again on the same port and
// config, so that they come back as the same node.
import { type ChildProcess, execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import calculateSlot from 'cluster-key-slot';
import { freePort, spawnReady } from './helpers.js';

const run = promisify(execFile);

export interface ClusterNodeProcess {
  port: number;
  address: string;
  /** Kills the node at once (SIGKILL: no goodbye to the cluster). */
  kill(): Promise<void>;
  /** Starts it again on the same port and config file. */
  start(): Promise<void>;
  running(): boolean;
}

export interface RedisCluster {
  nodes: ClusterNodeProcess[];
  /** The masters as created (nodes[0 … masters-1]). */
  masters: ClusterNodeProcess[];
  /** `host:port,host:port,…` of every node, for CLUSTER=. */
  seeds: string;
  /** A command through redis-cli on one node; its output, trimmed. */
  cli(port: number, ...args: string[]): Promise<string>;
  /** The port of the master serving `key`'s slot, as the cluster (the first running node) sees it now. */
  ownerPort(key: string): Promise<number>;
  /** The port of the master serving each slot (0: none), as the first running node sees it now. */
  slotPorts(): Promise<number[]>;
  /** Node id of the node on `port`. */
  id(port: number): Promise<string>;
  /**
   * Resolves once every running node reports cluster_state:ok and agrees on who serves each slot,
   * and every replica has finished its sync with its master.
   */
  settled(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  masters?: number;
  replicasPerMaster?: number;
  /** cluster-node-timeout: small, so that failures are noticed and failovers happen within seconds. */
  nodeTimeoutMs?: number;
}

/** Starts a cluster and waits until it is ready to serve. */
export async function startCluster(options: ClusterOptions = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 0;
  const count = masters * (1 + replicas);
  const root = mkdtempSync(path.join(tmpdir(), 'redisproto-cluster-'));
  const nodes: ClusterNodeProcess[] = [];
  try {
    for (let i = 0; i < count; i++) {
      nodes.push(await startNode(path.join(root, `node${i}`), await freePort(), options.nodeTimeoutMs ?? 1000));
    }
    const create = ['--cluster', 'create', ...nodes.map((n) => n.address), '--cluster-replicas', String(replicas), '--cluster-yes'];
    await run('redis-cli', create, { timeout: 60_000 });
  } catch (err) {
    for (const node of nodes) await node.kill();
    rmSync(root, { recursive: true, force: true });
    throw err;
  }
  const cli = async (port: number, ...args: string[]): Promise<string> =>
    (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 90_000 })).stdout.trim(); // a reshard under load takes a while
  const slotOwners = async (port: number): Promise<string> => {
    const lines = (await cli(port, 'CLUSTER', 'SLOTS')).split('\n');
    // CLUSTER SLOTS printed by redis-cli: start, end, then host, port, id of the master, then replicas.
    const ranges: string[] = [];
    for (let i = 0; i + 4 < lines.length; i++) {
      if (/^\d+$/.test(lines[i]) && /^\d+$/.test(lines[i + 1]) && lines[i + 2] === '127.0.0.1') ranges.push(`${lines[i]}-${lines[i + 1]}:${lines[i + 3]}`);
    }
    return ranges.sort().join(',');
  };
  const cluster: RedisCluster = {
    nodes,
    masters: nodes.slice(0, masters),
    seeds: nodes.map((n) => n.address).join(','),
    cli,
    async ownerPort(key) {
      const port = (await cluster.slotPorts())[calculateSlot(key)];
      if (port === 0) throw new Error(`no node serves the slot of ${key}`);
      return port;
    },
    async slotPorts() {
      const live = nodes.find((n) => n.running());
      if (live === undefined) throw new Error('no node is running');
      const ports = new Array<number>(16384).fill(0);
      const lines = (await cli(live.port, 'CLUSTER', 'SLOTS')).split('\n');
      for (let i = 0; i + 3 < lines.length; i++) {
        if (/^\d+$/.test(lines[i]) && /^\d+$/.test(lines[i + 1]) && lines[i + 2] === '127.0.0.1') {
          ports.fill(Number(lines[i + 3]), Number(lines[i]), Number(lines[i + 1]) + 1);
        }
      }
      return ports;
    },
    async id(port) {
      return cli(port, 'CLUSTER', 'MYID');
    },
    async settled(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        try {
          const running = nodes.filter((n) => n.running());
          const states = await Promise.all(running.map((n) => cli(n.port, 'CLUSTER', 'INFO')));
          const views = new Set(await Promise.all(running.map((n) => slotOwners(n.port))));
          // A replica that has not finished its first sync cannot take over (Redis judges its data too
          // old to fail over), so a failover test must not kill a master before that.
          const links = await Promise.all(running.map((n) => cli(n.port, 'INFO', 'replication')));
          const synced = links.every((info) => !info.includes('role:slave') || info.includes('master_link_status:up'));
          if (states.every((s) => s.includes('cluster_state:ok')) && views.size === 1 && synced) return;
        } catch {
          // a node still starting: ask again
        }
        if (Date.now() > deadline) throw new Error('the cluster did not settle');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    async stop() {
      for (const node of nodes) await node.kill();
      rmSync(root, { recursive: true, force: true });
    },
  };
  await cluster.settled();
  return cluster;
}

async function startNode(dir: string, port: number, nodeTimeoutMs: number): Promise<ClusterNodeProcess> {
  let child: ChildProcess | null = null;
  const start = async (): Promise<void> => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'];
    args.push('--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf');
    args.push('--cluster-node-timeout', String(nodeTimeoutMs));
    // Without replicas, a lost master must not take the other slots down with it.
    args.push('--cluster-require-full-coverage', 'no');
    // A replica's first full sync starts at once, not after Redis 7's default 5 s wait for more replicas.
    args.push('--repl-diskless-sync-delay', '0');
    await run('mkdir', ['-p', dir]);
    const started = await spawnReady('redis-server', args, {}, /Ready to accept connections/, 20_000);
    child = started.process;
  };
  const running = (): boolean => child !== null && child.exitCode === null && child.signalCode === null;
  await start();
  return {
    port,
    address: `127.0.0.1:${port}`,
    start,
    running,
    async kill() {
      const proc = child;
      if (proc === null || !running()) return;
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGKILL');
      await exited;
    },
  };
}
