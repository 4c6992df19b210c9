// `npm run cluster-demo` with three nodes, driven by real cluster clients (ioredis Cluster, node-redis
// createCluster, redis-cli -c, redis-benchmark --cluster): keys spread over every node, each value
// found on its owner when that node is asked directly, hash tags, CROSSSLOT and MOVED.
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import { createCluster } from 'redis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { keySlot } from '../src/index.js';
import { requireBinary } from './helpers.js';
import { ask, startClusterDemo } from './cluster-node-support.js';

const run = promisify(execFile);
const KEYS = 10_000;
const NODES = 3;
const CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot";

/** Runs redis-cli with `input` on stdin; its replies, without the lines saying where -c was redirected. */
function redisCli(args: string[], input: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-cli', args, { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out.split('\n').filter((l) => l && !l.startsWith('-> Redirected'))) : reject(new Error(`redis-cli exited with ${code}`))));
    child.stdin.end(input);
  });
}

describe.skipIf(!requireBinary('redis-cli'))('the cluster demo with three nodes, through cluster clients', () => {
  let demo: Awaited<ReturnType<typeof startClusterDemo>>;
  /** The port of the node serving a key's slot: node i serves the i-th even share of the slots. */
  const ownerPort = (key: string): number => demo.ports[Math.floor((keySlot(key) * NODES) / 16384)];

  beforeAll(async () => {
    demo = await startClusterDemo(NODES);
  });
  afterAll(async () => {
    await demo?.stop();
  });

  /** Asks every node directly for the keys it owns (one pipelined burst each) and checks it holds value(i) for key(i). */
  async function expectOnOwners(key: (i: number) => string, value: (i: number) => string): Promise<void> {
    const byPort = new Map<number, number[]>(demo.ports.map((p) => [p, []]));
    for (let i = 0; i < KEYS; i++) byPort.get(ownerPort(key(i)))!.push(i);
    for (const [port, indexes] of byPort) {
      expect(indexes.length, `keys owned by the node on ${port}`).toBeGreaterThan(KEYS / NODES / 2);
      const replies = await ask(port, 2, indexes.map((i) => ['GET', key(i)]));
      const got = replies.map((r) => (r.type === 'bulk' ? r.value.toString() : JSON.stringify(r)));
      expect(got).toEqual(indexes.map(value));
    }
  }

  test('the slots are split evenly and in order, node i on PORT + i', async () => {
    const [slots] = await ask(demo.ports[0], 2, [['CLUSTER', 'SLOTS']]);
    const ranges = slots.type === 'array' ? slots.value.map((r) => (r.type === 'array' ? r.value.slice(0, 2).map((v) => v.type === 'integer' && Number(v.value)) : [])) : [];
    expect(ranges).toEqual([[0, 5461], [5462, 10922], [10923, 16383]]);
  });

  describe('ioredis Cluster', () => {
    let cluster: Cluster;
    beforeAll(async () => {
      // No auto-pipelining: with it ioredis refuses a cross-slot command itself, before the server can.
      cluster = new Cluster([{ host: '127.0.0.1', port: demo.ports[0] }]);
      await cluster.ping();
    });
    afterAll(async () => {
      await cluster?.quit();
    });

    test('writes 10,000 keys, reads them back, and each is on the node owning its slot', async () => {
      const key = (i: number): string => `ioredis:${i}`;
      const value = (i: number): string => `value ${i}`;
      const sets = await Promise.all(Array.from({ length: KEYS }, (_, i) => cluster.set(key(i), value(i))));
      expect(sets.every((r) => r === 'OK')).toBe(true);
      const gets = await Promise.all(Array.from({ length: KEYS }, (_, i) => cluster.get(key(i))));
      expect(gets).toEqual(Array.from({ length: KEYS }, (_, i) => value(i)));
      await expectOnOwners(key, value);
    });

    test('MSET and MGET inside one hash tag work; INCR and DEL too', async () => {
      expect(await cluster.mset('{io}a', '1', '{io}b', '2')).toBe('OK');
      expect(await cluster.mget('{io}a', '{io}b', '{io}c')).toEqual(['1', '2', null]);
      expect(await cluster.incr('{io}a')).toBe(2);
      expect(await cluster.del('{io}a', '{io}b', '{io}c')).toBe(2);
    });

    test('MSET across slots gets CROSSSLOT', async () => {
      await expect(cluster.mset('ioredis:a', '1', 'ioredis:b', '2')).rejects.toThrow(CROSSSLOT);
    });
  });

  describe('node-redis createCluster', () => {
    test('writes 10,000 keys, reads them back, and each is on the node owning its slot', async () => {
      const cluster = createCluster({ rootNodes: [{ url: `redis://127.0.0.1:${demo.ports[1]}` }] });
      await cluster.connect();
      try {
        const key = (i: number): string => `node-redis:${i}`;
        const value = (i: number): string => `nr ${i}`;
        const sets = await Promise.all(Array.from({ length: KEYS }, (_, i) => cluster.set(key(i), value(i))));
        expect(sets.every((r) => r === 'OK')).toBe(true);
        const gets = await Promise.all(Array.from({ length: KEYS }, (_, i) => cluster.get(key(i))));
        expect(gets).toEqual(Array.from({ length: KEYS }, (_, i) => value(i)));
        await expectOnOwners(key, value);
        expect(await cluster.mSet(['{nr}a', 'x', '{nr}b', 'y'])).toBe('OK');
        expect(await cluster.mGet(['{nr}a', '{nr}b'])).toEqual(['x', 'y']);
        // node-redis splits a cross-slot MSET by node itself: sent whole through one node's client, it gets CROSSSLOT.
        expect(await cluster.mSet(['node-redis:a', '1', 'node-redis:b', '2'])).toBe('OK');
        const node = await cluster.nodeClient(cluster.masters[0]);
        await expect(node.sendCommand(['MSET', 'node-redis:a', '1', 'node-redis:b', '2'])).rejects.toThrow(CROSSSLOT);
      } finally {
        await cluster.close();
      }
    });

    test('speaking RESP3 (HELLO 3), reads its slot map and routes keys the same way', async () => {
      const cluster = createCluster({ rootNodes: [{ url: `redis://127.0.0.1:${demo.ports[2]}` }], RESP: 3 });
      await cluster.connect();
      try {
        const keys = Array.from({ length: 300 }, (_, i) => `resp3:${i}`);
        await Promise.all(keys.map((k) => cluster.set(k, k.toUpperCase())));
        expect(await Promise.all(keys.map((k) => cluster.get(k)))).toEqual(keys.map((k) => k.toUpperCase()));
        expect(new Set(keys.map(ownerPort)).size).toBe(NODES);
      } finally {
        await cluster.close();
      }
    });
  });

  describe('redis-cli -c', () => {
    test('writes 10,000 keys through node 0, following MOVED, reads them back, and each is on its owner', async () => {
      const key = (i: number): string => `cli:${i}`;
      const value = (i: number): string => `c${i}`;
      // Grouped by owner: redis-cli -c reconnects at each redirection and stays on the node it was sent to,
      // so the 10,000 commands cost three redirections, not one per key of another node.
      const indexes = Array.from({ length: KEYS }, (_, i) => i).sort((a, b) => ownerPort(key(a)) - ownerPort(key(b)));
      const sets = await redisCli(['-c', '-p', String(demo.ports[0])], indexes.map((i) => `SET ${key(i)} ${value(i)}\n`).join(''));
      expect(sets).toEqual(indexes.map(() => 'OK'));
      const gets = await redisCli(['-c', '-p', String(demo.ports[0])], indexes.map((i) => `GET ${key(i)}\n`).join(''));
      expect(gets).toEqual(indexes.map(value));
      await expectOnOwners(key, value);
    }, 120_000);

    test('MSET inside one hash tag works; across slots it gets CROSSSLOT', async () => {
      const out = await redisCli(['-c', '-p', String(demo.ports[0])], 'MSET {cli}a 1 {cli}b 2\nMGET {cli}a {cli}b\nMSET cli:a 1 cli:b 2\n');
      expect(out).toEqual(['OK', '1', '2', CROSSSLOT]); // redis-cli prints replies bare when its output is not a terminal
    });

    test('pointed at the wrong node, it is redirected and gets the value from the owner', async () => {
      const key = 'foo'; // slot 12182: node 2's
      expect(ownerPort(key)).toBe(demo.ports[2]);
      await ask(demo.ports[2], 2, [['SET', key, 'from node 2']]);
      const asked = (cluster: string[]) => run('redis-cli', [...cluster, '-p', String(demo.ports[0]), 'GET', key]);
      expect((await asked([])).stdout.trim()).toBe(`MOVED 12182 127.0.0.1:${demo.ports[2]}`);
      expect((await asked(['-c'])).stdout.trim()).toBe('from node 2');
    });
  });

  test('a plain client on the wrong node gets MOVED with the slot and the owner', async () => {
    const plain = new Redis({ host: '127.0.0.1', port: demo.ports[0], lazyConnect: true });
    await plain.connect();
    try {
      await expect(plain.get('foo')).rejects.toThrow(`MOVED 12182 127.0.0.1:${demo.ports[2]}`);
      await expect(plain.incr('foo')).rejects.toThrow(`MOVED 12182 127.0.0.1:${demo.ports[2]}`);
    } finally {
      plain.disconnect();
    }
  });

  test.skipIf(!requireBinary('redis-benchmark'))('redis-benchmark --cluster -t set,get runs against it without errors', async () => {
    const { stdout, stderr } = await run(
      'redis-benchmark',
      ['--cluster', '-h', '127.0.0.1', '-p', String(demo.ports[0]), '-t', 'set,get', '-n', '30000', '-P', '16', '-c', '50', '-q', '--csv'],
      { timeout: 120_000 },
    );
    expect(stderr).toBe('');
    expect(stdout).toContain(`Cluster has ${NODES} master nodes`);
    expect(stdout).not.toMatch(/error|warning/i);
    const rows = stdout.split('\n').filter((l) => /^"(SET|GET)"/.test(l));
    expect(rows.map((l) => l.split(',')[0])).toEqual(['"SET"', '"GET"']);
    for (const row of rows) expect(Number(JSON.parse(row.split(',')[1]))).toBeGreaterThan(0);
  }, 150_000);
});
