// A server's view of the Redis Cluster it is one node of: who owns which slot, the
// redirections (MOVED, CROSSSLOT, CLUSTERDOWN) and the CLUSTER replies clients read the map from.
import { createHash } from 'node:crypto';
import type { Command } from './command.js';
import { SLOTS, keySlot, slotOfRange } from './slot.js';
import type { Writer } from './writer.js';

/** One node of the cluster, as every node describes it to clients. */
export interface ClusterNodeInfo {
  /** The node's id: 40 lower-case hex characters, as Redis makes them ({@link clusterNodeId} derives one). */
  readonly id: string;
  /** The IP address clients connect to, e.g. `'127.0.0.1'`. */
  readonly host: string;
  /** The port clients connect to. */
  readonly port: number;
  /** The slots the node serves, as inclusive ranges `[first, last]`. */
  readonly slots: readonly (readonly [number, number])[];
}

const UNOWNED = 0xffff;
const CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot";
const UNBOUND = 'CLUSTERDOWN Hash slot not served';
const DOWN = 'CLUSTERDOWN The cluster is down';
/** The CLUSTER subcommands answered, and their arity (the CLUSTER argument included) in Redis's command table. */
const ARITY: Record<string, number> = { shards: 2, slots: 2, myid: 2, info: 2, nodes: 2, keyslot: 3 };

/**
 * A node id for the node at `host:port`: the SHA-1 of `host:port`. Every
 * process of a cluster laid out in advance can then name its peers without
 * talking to them.
 */
export function clusterNodeId(host: string, port: number): string {
  return createHash('sha1').update(`${host}:${port}`).digest('hex');
}

/**
 * `count` nodes on `host`, node `i` on port `basePort + i`, each serving an
 * even share of the 16384 slots in order (the first `16384 % count` nodes one
 * slot more), ids from {@link clusterNodeId}.
 */
export function evenCluster(host: string, basePort: number, count: number): ClusterNodeInfo[] {
  if (!Number.isSafeInteger(count) || count < 1 || count > SLOTS) {
    throw new RangeError(`redisproto: a cluster needs 1 to ${SLOTS} nodes, got ${count}`);
  }
  const nodes: ClusterNodeInfo[] = [];
  let first = 0;
  for (let i = 0; i < count; i++) {
    const size = Math.floor(SLOTS / count) + (i < SLOTS % count ? 1 : 0);
    const port = basePort + i;
    nodes.push({ id: clusterNodeId(host, port), host, port, slots: [[first, first + size - 1]] });
    first += size;
  }
  return nodes;
}

/**
 * One node of a Redis Cluster whose slot map is fixed when it is made: what
 * a server needs so that cluster clients (ioredis's `Cluster`, node-redis's
 * `createCluster`, `redis-cli -c`, `redis-benchmark --cluster`) shard across
 * several instances of it.
 *
 * - {@link ClusterNode.redirection} says whether a command's keys belong
 *   here, or gives the error Redis would answer: `MOVED <slot> <host>:<port>`,
 *   `CROSSSLOT …` or `CLUSTERDOWN …`.
 * - {@link ClusterNode.answer} answers `CLUSTER SHARDS`, `SLOTS`, `MYID`,
 *   `INFO`, `KEYSLOT` and `NODES` as Redis 7 words them, in RESP2 and RESP3.
 *
 * There is no cluster bus: no gossip, failover or resharding. The nodes
 * agree because each is given the same map (see {@link evenCluster}).
 */
export class ClusterNode {
  /** Every node, in the order given. */
  readonly nodes: readonly ClusterNodeInfo[];
  /** This node. */
  readonly myself: ClusterNodeInfo;
  // owner[slot] is the owning node's index in `nodes`, UNOWNED for none.
  private readonly owner = new Uint16Array(SLOTS).fill(UNOWNED);
  private readonly me: number;
  private readonly assigned: number;
  // The MOVED error for each node, made once.
  private readonly movedTo: string[];

  /**
   * @param nodes every node of the cluster, this one included; their slot ranges must not overlap.
   * @param myself the id of this node.
   */
  constructor(nodes: readonly ClusterNodeInfo[], myself: string) {
    if (nodes.length === 0 || nodes.length > SLOTS) throw new RangeError(`redisproto: a cluster needs 1 to ${SLOTS} nodes, got ${nodes.length}`);
    let assigned = 0;
    nodes.forEach((node, index) => {
      if (!/^[0-9a-f]{40}$/.test(node.id)) throw new TypeError(`redisproto: a node id is 40 lower-case hex characters, got '${node.id}'`);
      if (!Number.isInteger(node.port) || node.port < 1 || node.port > 65535) {
        throw new RangeError(`redisproto: node ${node.id} has port ${node.port}`);
      }
      for (const [first, last] of node.slots) {
        if (!Number.isInteger(first) || !Number.isInteger(last) || first < 0 || last >= SLOTS || first > last) {
          throw new RangeError(`redisproto: node ${node.id} has the slot range ${first}-${last}`);
        }
        for (let slot = first; slot <= last; slot++) {
          if (this.owner[slot] !== UNOWNED) throw new RangeError(`redisproto: slot ${slot} is given to two nodes`);
          this.owner[slot] = index;
        }
        assigned += last - first + 1;
      }
    });
    const me = nodes.findIndex((node) => node.id === myself);
    if (me < 0) throw new RangeError(`redisproto: no node has the id '${myself}'`);
    this.nodes = nodes;
    this.me = me;
    this.myself = nodes[me];
    this.assigned = assigned;
    this.movedTo = nodes.map((node) => ` ${node.host}:${node.port}`);
  }

  /** The node serving `slot`, or `undefined` when none does. */
  ownerOf(slot: number): ClusterNodeInfo | undefined {
    const index = this.owner[slot];
    return index === undefined || index === UNOWNED ? undefined : this.nodes[index];
  }

  /**
   * Whether this node may run `cmd`, judged by its keys: `null` when it may
   * (or when the command has no key), else the error to answer, in Redis's
   * words and order of checks.
   *
   * The keys are the arguments `firstKey`, `firstKey + step`, … up to
   * `lastKey`, as Redis's command table gives them (`GET`: 1, 1, 1;
   * `DEL`/`MGET`: 1, -1, 1; `MSET`: 1, -1, 2). A negative `lastKey` counts
   * from the end: -1 is the last argument.
   */
  redirection(cmd: Command, firstKey: number, lastKey: number, step: number): string | null {
    const offsets = cmd.offsets;
    const argc = offsets.length >> 1;
    const last = lastKey < 0 ? argc + lastKey : Math.min(lastKey, argc - 1);
    if (firstKey < 1 || firstKey > last) return null;
    const buf = cmd.buf;
    // Every key must hash to the first key's slot; byte offsets, no views: this runs per request.
    const slot = slotOfRange(buf, offsets[firstKey << 1], offsets[(firstKey << 1) + 1]);
    const owner = this.owner[slot];
    if (owner === UNOWNED) return UNBOUND;
    for (let i = firstKey + step; i <= last; i += step) {
      if (slotOfRange(buf, offsets[i << 1], offsets[(i << 1) + 1]) !== slot) return CROSSSLOT;
    }
    if (this.assigned !== SLOTS) return DOWN;
    return owner === this.me ? null : `MOVED ${slot}${this.movedTo[owner]}`;
  }

  /**
   * Answers a `CLUSTER …` command (argument 0 is `CLUSTER`): `SHARDS`,
   * `SLOTS`, `MYID`, `INFO`, `KEYSLOT` and `NODES` as a Redis 7.0 node with no
   * replicas words them, in the Writer's protocol; any other subcommand gets
   * Redis's unknown-subcommand error.
   */
  answer(cmd: Command, out: Writer): void {
    const argc = cmd.argCount();
    if (argc < 2) return out.writeError("ERR wrong number of arguments for 'cluster' command");
    const sub = (cmd.getString(1, 'latin1') as string).toLowerCase();
    const arity = Object.hasOwn(ARITY, sub) ? ARITY[sub] : 0;
    if (arity === 0) return out.writeError(`ERR unknown subcommand '${(cmd.getString(1) as string).slice(0, 128)}'. Try CLUSTER HELP.`);
    if (argc !== arity) return out.writeError(`ERR wrong number of arguments for 'cluster|${sub}' command`);
    switch (sub) {
      case 'shards': return this.writeShards(out);
      case 'slots': return this.writeSlots(out);
      case 'myid': return out.writeBulkString(this.myself.id);
      case 'info': return out.writeVerbatim(this.info());
      case 'nodes': return out.writeVerbatim(this.nodesText());
      case 'keyslot': return out.writeInt(keySlot(cmd.get(2) as Buffer));
    }
  }

  /** `CLUSTER SHARDS`: per node, a map of its slot ranges (flat start, end pairs) and its one node's fields. */
  private writeShards(out: Writer): void {
    out.writeArray(this.nodes.length);
    for (const node of this.nodes) {
      out.writeMap(2);
      out.writeBulkString('slots');
      out.writeArray(node.slots.length * 2);
      for (const [first, last] of node.slots) {
        out.writeInt(first);
        out.writeInt(last);
      }
      out.writeBulkString('nodes');
      out.writeArray(1);
      out.writeMap(7);
      out.writeBulkString('id');
      out.writeBulkString(node.id);
      out.writeBulkString('port');
      out.writeInt(node.port);
      out.writeBulkString('ip');
      out.writeBulkString(node.host);
      out.writeBulkString('endpoint');
      out.writeBulkString(node.host);
      out.writeBulkString('role');
      out.writeBulkString('master');
      out.writeBulkString('replication-offset');
      out.writeInt(0);
      out.writeBulkString('health');
      out.writeBulkString('online');
    }
  }

  /** `CLUSTER SLOTS`: per slot range, in slot order, its bounds and its node (endpoint, port, id, no metadata). */
  private writeSlots(out: Writer): void {
    const ranges: [number, number, ClusterNodeInfo][] = [];
    for (const node of this.nodes) for (const [first, last] of node.slots) ranges.push([first, last, node]);
    ranges.sort((a, b) => a[0] - b[0]);
    out.writeArray(ranges.length);
    for (const [first, last, node] of ranges) {
      out.writeArray(3);
      out.writeInt(first);
      out.writeInt(last);
      out.writeArray(4);
      out.writeBulkString(node.host);
      out.writeInt(node.port);
      out.writeBulkString(node.id);
      out.writeMap(0); // the hostname and other metadata Redis 7 may add: none here
    }
  }

  /** `CLUSTER INFO`'s text. With no bus, no message was ever sent or received. */
  private info(): string {
    const lines = [
      `cluster_state:${this.assigned === SLOTS ? 'ok' : 'fail'}`,
      `cluster_slots_assigned:${this.assigned}`,
      `cluster_slots_ok:${this.assigned}`,
      'cluster_slots_pfail:0',
      'cluster_slots_fail:0',
      `cluster_known_nodes:${this.nodes.length}`,
      `cluster_size:${this.nodes.filter((node) => node.slots.length > 0).length}`,
      `cluster_current_epoch:${this.nodes.length}`,
      `cluster_my_epoch:${this.me + 1}`,
      'cluster_stats_messages_sent:0',
      'cluster_stats_messages_received:0',
      'total_cluster_links_buffer_limit_exceeded:0',
    ];
    return lines.join('\r\n') + '\r\n';
  }

  /**
   * `CLUSTER NODES`' text: one line per node, `<id> <ip>:<port>@<bus port>
   * <flags> <master> <ping sent> <pong received> <epoch> <link> <slots…>`.
   * The bus port is Redis's default (port + 10000); nothing listens there.
   */
  private nodesText(): string {
    let text = '';
    this.nodes.forEach((node, index) => {
      const bus = node.port + 10000 <= 65535 ? node.port + 10000 : 0;
      const flags = index === this.me ? 'myself,master' : 'master';
      const slots = node.slots.map(([first, last]) => (first === last ? ` ${first}` : ` ${first}-${last}`)).join('');
      text += `${node.id} ${node.host}:${node.port}@${bus} ${flags} - 0 0 ${index + 1} connected${slots}\n`;
    });
    return text;
  }
}
