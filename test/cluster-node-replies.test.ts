// The cluster demo's CLUSTER replies and redirections next to a real Redis 7 cluster with the same
// slot layout (two masters, slots 0-8191 and 8192-16383), in RESP2 and RESP3: the same types,
// field names and order, once node ids, ports and timings are named alike.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Reply } from '../src/index.js';
import { type Started, requireBinary } from './helpers.js';
import { ask, startClusterDemo, startClusterRedis } from './cluster-node-support.js';

/** A reply as plain JSON, each value tagged with its RESP type byte. */
function plain(r: Reply): unknown {
  switch (r.type) {
    case 'bulk': return `$${r.value.toString('latin1')}`;
    case 'verbatim': return `=${r.format}:${r.value.toString('latin1')}`;
    case 'integer': return `:${r.value}`;
    case 'simple': return `+${r.value}`;
    case 'error': return `-${r.value}`;
    case 'null': return `null(${r.origin})`;
    case 'array': return r.value.map(plain);
    case 'map': return { '%': r.value.map(([k, v]) => [plain(k), plain(v)]) };
    default: return { [r.type]: JSON.stringify(r) };
  }
}

interface Side {
  ports: number[];
  ids: string[];
}

/** The reply's JSON with this side's ids and ports named by node number, so both sides read alike. */
function named(r: Reply, side: Side): string {
  let text = JSON.stringify(plain(r));
  side.ids.forEach((id, i) => (text = text.replaceAll(id, `<id${i}>`)));
  side.ports.forEach((port, i) => (text = text.replace(new RegExp(`\\b${port}\\b`, 'g'), `<port${i}>`)));
  return text;
}

/** CLUSTER NODES text with its volatile columns (bus port, ping sent, pong received, epoch) blanked, lines sorted. */
function nodesLines(text: string): string[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => line.replace(/@\d+/, '@<bus>').replace(/ - \d+ \d+ \d+ connected/, ' - <ping> <pong> <epoch> connected'))
    .sort();
}

/** CLUSTER INFO as [field, value] pairs, without the per-message-type counters Redis lists once messages have flowed. */
function infoFields(text: string): [string, string][] {
  return text
    .split('\r\n')
    .filter(Boolean)
    .map((line) => line.split(':') as [string, string])
    .filter(([field]) => !/^cluster_stats_messages_.+_(sent|received)$/.test(field));
}

const text = (r: Reply): string => (r.type === 'bulk' || r.type === 'verbatim' ? r.value.toString('latin1') : `not text: ${r.type}`);

describe.skipIf(!requireBinary('redis-server'))('CLUSTER replies next to a real Redis 7 cluster', () => {
  let a: Started;
  let b: Started;
  let demo: Awaited<ReturnType<typeof startClusterDemo>>;
  let redis: Side;
  let ours: Side;

  beforeAll(async () => {
    [a, b, demo] = await Promise.all([startClusterRedis(), startClusterRedis(), startClusterDemo(2)]);
    await ask(a.port, 2, [['CLUSTER', 'ADDSLOTSRANGE', '0', '8191']]);
    await ask(b.port, 2, [['CLUSTER', 'ADDSLOTSRANGE', '8192', '16383']]);
    const [busB] = await ask(b.port, 2, [['CONFIG', 'GET', 'cluster-port']]);
    const busPort = busB.type === 'array' && busB.value[1].type === 'bulk' ? busB.value[1].value.toString() : '';
    await ask(a.port, 2, [['CLUSTER', 'MEET', '127.0.0.1', String(b.port), busPort]]);
    // The handshake takes a moment: wait (bounded) until both see an ok cluster of two with known addresses.
    for (let i = 0; ; i++) {
      const replies = await Promise.all([a, b].map((n) => ask(n.port, 2, [['CLUSTER', 'INFO'], ['CLUSTER', 'NODES']])));
      const ready = replies.every(([info, nodes]) => /cluster_state:ok/.test(text(info)) && (text(nodes).match(/ 127\.0\.0\.1:\d+@/g) ?? []).length === 2);
      if (ready) break;
      if (i === 100) throw new Error('the real cluster did not form in 20 s');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const idsOf = async (ports: number[]): Promise<string[]> =>
      Promise.all(ports.map(async (port) => text((await ask(port, 2, [['CLUSTER', 'MYID']]))[0])));
    redis = { ports: [a.port, b.port], ids: await idsOf([a.port, b.port]) };
    ours = { ports: demo.ports, ids: await idsOf(demo.ports) };
  }, 90_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), demo?.stop()]);
  });

  /** The same commands to the first node of each side. */
  const both = (protocol: 2 | 3, commands: string[][]): Promise<[Reply[], Reply[]]> =>
    Promise.all([ask(redis.ports[0], protocol, commands), ask(ours.ports[0], protocol, commands)]);

  describe.each([2, 3] as const)('RESP%i', (protocol) => {
    test('CLUSTER SHARDS: one map per shard, slots then nodes, each node id port ip endpoint role replication-offset health', async () => {
      const [[theirs], [mine]] = await both(protocol, [['CLUSTER', 'SHARDS']]);
      // Redis lists shards in its hash table's order: compare them sorted by node.
      const shards = (r: Reply, side: Side): string[] => (r.type === 'array' ? r.value.map((s) => named(s, side)).sort() : [named(r, side)]);
      expect(shards(mine, ours)).toEqual(shards(theirs, redis));
      expect(named(mine, ours)).toContain(protocol === 3 ? '"%":[["$id","$<id0>"],["$port",":<port0>"],["$ip","$127.0.0.1"],["$endpoint"' : '["$id","$<id0>","$port",":<port0>","$ip","$127.0.0.1","$endpoint"');
    });

    test('CLUSTER SLOTS: per range in slot order, first, last, then endpoint, port, id and empty metadata', async () => {
      const [[theirs], [mine]] = await both(protocol, [['CLUSTER', 'SLOTS']]);
      expect(named(mine, ours)).toBe(named(theirs, redis));
      expect(named(mine, ours)).toBe(
        JSON.stringify([
          [':0', ':8191', ['$127.0.0.1', ':<port0>', '$<id0>', protocol === 3 ? { '%': [] } : []]],
          [':8192', ':16383', ['$127.0.0.1', ':<port1>', '$<id1>', protocol === 3 ? { '%': [] } : []]],
        ]),
      );
    });

    test('CLUSTER MYID: the node id as a bulk string', async () => {
      const [[theirs], [mine]] = await both(protocol, [['CLUSTER', 'MYID']]);
      expect(named(mine, ours)).toBe(named(theirs, redis));
      expect(named(mine, ours)).toBe('"$<id0>"');
    });

    test('CLUSTER INFO: the same fields in the same order, with the same state and slot and node counts', async () => {
      const [[theirs], [mine]] = await both(protocol, [['CLUSTER', 'INFO']]);
      expect(mine.type).toBe(theirs.type); // a bulk string in RESP2, verbatim text in RESP3
      expect(text(mine).endsWith('\r\n')).toBe(true);
      // Epochs and message counts are the bus's history, which the demo (no bus) does not have.
      const history = /^cluster_(current_epoch|my_epoch|stats_messages_sent|stats_messages_received)$/;
      const fields = (t: string): [string, string][] => infoFields(t).map(([f, v]) => [f, history.test(f) ? '<history>' : v]);
      expect(fields(text(mine))).toEqual(fields(text(theirs)));
    });

    test('CLUSTER KEYSLOT: the slot as an integer', async () => {
      const keys = ['foo', '{user1}.name', 'a{}b}', ''];
      const [theirs, mine] = await both(protocol, keys.map((k) => ['CLUSTER', 'KEYSLOT', k]));
      expect(mine).toEqual(theirs);
    });

    test('CLUSTER NODES: one line per node, the same columns and flags', async () => {
      const [[theirs], [mine]] = await both(protocol, [['CLUSTER', 'NODES']]);
      expect(mine.type).toBe(theirs.type);
      const lines = (r: Reply, side: Side): string[] => nodesLines(JSON.parse(named({ type: 'bulk', value: Buffer.from(text(r), 'latin1') }, side)).slice(1));
      expect(lines(mine, ours)).toEqual(lines(theirs, redis));
      expect(lines(mine, ours)).toEqual([
        '<id0> 127.0.0.1:<port0>@<bus> myself,master - <ping> <pong> <epoch> connected 0-8191',
        '<id1> 127.0.0.1:<port1>@<bus> master - <ping> <pong> <epoch> connected 8192-16383',
      ]);
    });

    test('a key of the other node gets MOVED with its slot and address', async () => {
      const commands = [['GET', 'foo'], ['SET', 'foo', '1'], ['MGET', '{foo}1', '{foo}2'], ['INCR', 'foo']];
      const [theirs, mine] = await both(protocol, commands);
      expect(mine.map((r) => named(r, ours))).toEqual(theirs.map((r) => named(r, redis)));
      expect(named(mine[0], ours)).toBe('"-MOVED 12182 127.0.0.1:<port1>"');
    });

    test("keys of two slots get CROSSSLOT, before any MOVED, in Redis's words", async () => {
      const commands = [['MSET', 'a', '1', 'b', '2'], ['MGET', 'foo', 'bar'], ['DEL', 'a', 'b']];
      const [theirs, mine] = await both(protocol, commands);
      expect(mine).toEqual(theirs);
      expect(mine[0]).toEqual({ type: 'error', value: "CROSSSLOT Keys in request don't hash to the same slot" });
    });

    test("CONFIG GET with a glob Redis cannot match answers nothing found, and CONFIG alone Redis's arity error", async () => {
      const commands = [['CONFIG', 'GET', '['], ['CONFIG'], ['PING']];
      const [theirs, mine] = await both(protocol, commands);
      expect(mine).toEqual(theirs);
      expect(mine[2]).toEqual({ type: 'simple', value: 'PONG' }); // the connection goes on
    });

    test('malformed CLUSTER commands get the errors Redis gives', async () => {
      const commands = [['CLUSTER'], ['CLUSTER', 'KEYSLOT'], ['CLUSTER', 'KEYSLOT', 'a', 'b'], ['CLUSTER', 'MYID', 'x'], ['CLUSTER', 'SHARDS', 'x'], ['CLUSTER', 'nosuch']];
      const [theirs, mine] = await both(protocol, commands);
      expect(mine).toEqual(theirs);
    });
  });
});
