// ClusterNode with a map that leaves slots unserved, next to a real redis-server node serving the same
// slots: the CLUSTERDOWN errors and their order against CROSSSLOT; and the maps ClusterNode refuses.
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ClusterNode, type Command, Parser, clusterNodeId, evenCluster, keySlot } from '../src/index.js';
import { type Started, captureWriter, requireBinary } from './helpers.js';
import { ask, startClusterRedis } from './cluster-node-support.js';

/** The command `args` as the Parser hands it to a server. */
async function command(...args: string[]): Promise<Command> {
  const bytes = `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
  return (await new Parser(Readable.from([Buffer.from(bytes)])).readCommand()) as Command;
}

/** The first key `prefix<n>` whose slot satisfies `wanted`. */
function keyWhere(prefix: string, wanted: (slot: number) => boolean): string {
  for (let n = 0; n < 100_000; n++) if (wanted(keySlot(`${prefix}${n}`))) return `${prefix}${n}`;
  throw new Error('no such key');
}

// Slots 8001-8999 served by nobody, as on the real node below.
const id = clusterNodeId('127.0.0.1', 1);
const partial = new ClusterNode([{ id, host: '127.0.0.1', port: 1, slots: [[0, 8000], [9000, 16383]] }], id);
const unserved = keyWhere('k', (s) => s > 8000 && s < 9000);
const served = keyWhere('k', (s) => s <= 8000);
const servedElsewhere = keyWhere('k', (s) => s >= 9000 && keySlot(served) !== s);

describe.skipIf(!requireBinary('redis-server'))('a map with unserved slots, next to a real redis-server node serving the same', () => {
  let redis: Started;
  beforeAll(async () => {
    redis = await startClusterRedis();
    await ask(redis.port, 2, [['CLUSTER', 'ADDSLOTSRANGE', '0', '8000', '9000', '16383']]);
  });
  afterAll(async () => {
    await redis?.stop();
  });

  test.each([
    ['a key of an unserved slot', ['GET', unserved], 1, 1, 1],
    ['a served key while the cluster is down', ['SET', served, 'v'], 1, 1, 1],
    ['keys of two served slots', ['MGET', served, servedElsewhere], 1, -1, 1],
    ['an unserved first key before a second slot', ['MSET', unserved, '1', served, '2'], 1, -1, 2],
    ['a served first key before an unserved one', ['MSET', served, '1', unserved, '2'], 1, -1, 2],
  ] as const)('%s gets the error Redis gives', async (_, args, first, last, step) => {
    const [theirs] = await ask(redis.port, 2, [[...args]]);
    expect(theirs.type).toBe('error');
    expect(partial.redirection(await command(...args), first, last, step)).toBe(theirs.type === 'error' ? theirs.value : '');
  });

  test('CLUSTER INFO says the state is fail and counts the served slots as Redis does', async () => {
    const { writer, sent } = captureWriter();
    partial.answer(await command('CLUSTER', 'INFO'), writer);
    const [theirs] = await ask(redis.port, 2, [['CLUSTER', 'INFO']]);
    const head = (text: string): string[] => text.split('\r\n').slice(0, 7); // state, slot counts, nodes, size
    const mine = (await sent()).toString('latin1');
    expect(head(mine.slice(mine.indexOf('\r\n') + 2))).toEqual(head(theirs.type === 'bulk' ? theirs.value.toString('latin1') : ''));
    expect(head(mine)[1]).toBe('cluster_state:fail');
  });
});

describe('ClusterNode', () => {
  const nodes = evenCluster('127.0.0.1', 7000, 3);

  test('serves a command whose keys are all its own, and a command without keys', async () => {
    const node = new ClusterNode(nodes, nodes[0].id);
    const mine = keyWhere('m', (s) => s < 5462);
    expect(node.redirection(await command('MSET', `{${mine}}a`, '1', `{${mine}}b`, '2'), 1, -1, 2)).toBeNull();
    expect(node.redirection(await command('PING'), 0, 0, 0)).toBeNull();
    expect(node.ownerOf(keySlot(mine))).toBe(nodes[0]);
  });

  test('splits the slots evenly and in order, the first nodes one slot more', () => {
    expect(nodes.map((n) => n.slots)).toEqual([[[0, 5461]], [[5462, 10922]], [[10923, 16383]]]);
    expect(nodes.map((n) => n.port)).toEqual([7000, 7001, 7002]);
  });

  test('refuses a map giving one slot to two nodes, a bad id, a bad range or an unknown self', () => {
    const [a, b] = nodes;
    expect(() => new ClusterNode([a, { ...b, slots: [[5461, 6000]] }], a.id)).toThrow('slot 5461 is given to two nodes');
    expect(() => new ClusterNode([{ ...a, id: 'node-a' }], 'node-a')).toThrow('40 lower-case hex');
    expect(() => new ClusterNode([{ ...a, slots: [[10, 16384]] }], a.id)).toThrow('slot range 10-16384');
    expect(() => new ClusterNode([a], b.id)).toThrow(`no node has the id '${b.id}'`);
  });
});
