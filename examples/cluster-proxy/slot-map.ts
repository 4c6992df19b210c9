// Which master serves each of the 16384 hash slots, learned from CLUSTER SHARDS (CLUSTER SLOTS on a
// Redis older than 7), corrected at once by MOVED and refreshed soon after; and which nodes are
// known to be unreachable for now.
import { ask, fields, int, list, text } from './ask.js';

export const SLOTS = 16384;
/** How long a node that refused or dropped a connection is treated as down before it is tried again. */
const DOWN_MS = 1000;
/** The map is re-read at least this often, so that a failover is followed without a MOVED to prompt it. */
const REFRESH_EVERY_MS = 1000;

/** A cluster node as the proxy knows it. */
export class ClusterNode {
  /** Until when (ms since the epoch) connections to it are not attempted. */
  downUntil = 0;
  constructor(
    readonly address: string,
    readonly host: string,
    readonly port: number,
  ) {}
}

export class SlotMap {
  private readonly nodes = new Map<string, ClusterNode>();
  private readonly owners: (ClusterNode | null)[] = new Array<ClusterNode | null>(SLOTS).fill(null);
  private readonly seeds: string[];
  /** Bumped on every change of an owner: a session that routed under an older version lets its commands settle first. */
  version = 0;
  private refreshing: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(seeds: string[]) {
    this.seeds = seeds;
  }

  /** The node at `address`, made known if it was not. */
  node(address: string): ClusterNode {
    let node = this.nodes.get(address);
    if (node === undefined) {
      const colon = address.lastIndexOf(':');
      node = new ClusterNode(address, address.slice(0, colon), Number(address.slice(colon + 1)));
      this.nodes.set(address, node);
    }
    return node;
  }

  /** The master serving `slot`, or null when no node serves it. */
  owner(slot: number): ClusterNode | null {
    return this.owners[slot];
  }

  /** A master that serves slots and is not known to be down, for commands without keys. */
  anyNode(): ClusterNode | null {
    const now = Date.now();
    let fallback: ClusterNode | null = null;
    for (const node of this.owners) {
      if (node === null) continue;
      if (node.downUntil <= now) return node;
      fallback ??= node;
    }
    return fallback;
  }

  /** A MOVED reply: believed at once, as cluster clients do, and checked by a refresh soon. */
  moved(slot: number, address: string): void {
    const node = this.node(address);
    if (this.owners[slot] !== node) {
      this.owners[slot] = node;
      this.version++;
    }
    this.refreshSoon();
  }

  /** A node refused or dropped a connection: leave it alone for a while and ask the cluster who serves now. */
  markDown(node: ClusterNode): void {
    node.downUntil = Date.now() + DOWN_MS;
    this.refreshSoon();
  }

  /** Reads the map now, then keeps re-reading it in the background; rejects if no node answers. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => this.refreshSoon(), REFRESH_EVERY_MS).unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
  }

  /** Asks for a refresh without waiting for it; refreshes asked for while one runs are folded into one more. */
  refreshSoon(): void {
    if (this.refreshing !== null) {
      this.again = true;
      return;
    }
    this.refreshing = this.refresh()
      .catch(() => {}) // no node answered: keep the map we have and try again later
      .finally(() => {
        this.refreshing = null;
        if (this.again) {
          this.again = false;
          this.refreshSoon();
        }
      });
  }

  /** Asks the nodes in turn (live ones first, then the seeds) until one describes the cluster. */
  async refresh(): Promise<void> {
    const now = Date.now();
    const candidates = [...new Set([...this.liveMasters(now), ...this.seeds, ...this.nodes.keys()])];
    let lastError: unknown = new Error('no cluster node to ask');
    for (const address of candidates) {
      try {
        const owners = await readOwners(address);
        this.apply(owners);
        return;
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError;
  }

  /** Any node of the cluster that is not known to be down, for one-off questions. */
  someAddress(): string {
    return this.liveMasters(Date.now())[0] ?? this.seeds[0];
  }

  private liveMasters(now: number): string[] {
    const out = new Set<string>();
    for (const node of this.owners) if (node !== null && node.downUntil <= now) out.add(node.address);
    return [...out];
  }

  private apply(owners: (string | null)[]): void {
    let changed = false;
    for (let slot = 0; slot < SLOTS; slot++) {
      const address = owners[slot];
      const node = address === null ? null : this.node(address);
      if (this.owners[slot] !== node) {
        this.owners[slot] = node;
        changed = true;
      }
    }
    if (changed) this.version++;
  }
}

/** slot → address of its master, as the node at `address` sees the cluster. */
async function readOwners(address: string): Promise<(string | null)[]> {
  const owners = new Array<string | null>(SLOTS).fill(null);
  const shards = await ask(address, ['CLUSTER', 'SHARDS']);
  if (shards.type === 'error') {
    if (!/unknown subcommand|unknown command/i.test(shards.value)) throw new Error(`${address}: ${shards.value}`);
    return readOwnersFromSlots(address, owners);
  }
  for (const shard of list(shards)) {
    const info = fields(shard);
    // A shard lists a failed master next to the replica that took over: prefer the healthy one.
    let master: string | null = null;
    for (const n of list(info.get('nodes'))) {
      const node = fields(n);
      if (text(node.get('role')) !== 'master') continue;
      const host = text(node.get('ip')) ?? text(node.get('endpoint'));
      const port = int(node.get('port')) ?? int(node.get('tls-port'));
      if (host === undefined || port === undefined) continue;
      if (master === null || text(node.get('health')) === 'online') master = `${host}:${port}`;
    }
    if (master === null) continue;
    const ranges = list(info.get('slots'));
    for (let i = 0; i + 1 < ranges.length; i += 2) {
      const from = int(ranges[i]) ?? 0;
      const to = int(ranges[i + 1]) ?? -1;
      for (let slot = from; slot <= to && slot < SLOTS; slot++) owners[slot] = master;
    }
  }
  return owners;
}

async function readOwnersFromSlots(address: string, owners: (string | null)[]): Promise<(string | null)[]> {
  const reply = await ask(address, ['CLUSTER', 'SLOTS']);
  if (reply.type === 'error') throw new Error(`${address}: ${reply.value}`);
  for (const range of list(reply)) {
    const [from, to, master] = list(range);
    const [host, port] = list(master);
    const h = text(host), p = int(port);
    if (h === undefined || p === undefined) continue;
    for (let slot = int(from) ?? 0; slot <= (int(to) ?? -1) && slot < SLOTS; slot++) owners[slot] = `${h}:${p}`;
  }
  return owners;
}
