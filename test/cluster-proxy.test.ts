// examples/cluster-proxy in front of a real 3-master Redis Cluster: redis-cli, ioredis and
// node-redis through it, each value checked on the node that owns its slot; Redis Cluster's own
// errors; a client that does not read; a live reshard under load; a master lost and back.
import calculateSlot from 'cluster-key-slot';
import net from 'node:net';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { burst, exchange, keysOnEveryNode, rssBytes, run, scriptProcess, sleep, valueOn } from './cluster-helpers.js';
import { type Started, requireBinary, startScript } from './helpers.js';
import { type RedisCluster, startCluster } from './redis-cluster.js';
import { encode } from './resp-client.js';

const haveBinaries = requireBinary('redis-server') && requireBinary('redis-cli');

describe.skipIf(!haveBinaries)('the cluster proxy in front of a 3-master Redis Cluster', () => {
  let cluster: RedisCluster;
  let proxy: Started;
  let ports: number[];
  /** Who serves each slot, read from the cluster when the test starts (and again after the reshard). */
  let slots: number[];
  const owner = (key: string): number => slots[calculateSlot(key)];
  /** GET on the node that owns the key's slot, asked directly (a MOVED would show as an error). */
  const onOwner = (key: string): Promise<string> => valueOn(owner(key), key);

  beforeAll(async () => {
    cluster = await startCluster({ masters: 3 });
    ports = cluster.masters.map((m) => m.port);
    slots = await cluster.slotPorts();
    // Two seeds, as in the README: the proxy learns the third node from the cluster.
    proxy = await startScript('cluster-proxy', { CLUSTER: cluster.seeds.split(',').slice(0, 2).join(',') });
  }, 90_000);
  afterAll(async () => {
    await proxy?.stop();
    await cluster?.stop();
  });

  test('redis-cli without -c: SET and GET on keys of every node, each value stored on its owner', async () => {
    const keys = keysOnEveryNode('cli', 6, ports, slots);
    expect(new Set(keys.map(owner)).size).toBe(3);
    for (const key of keys) {
      expect((await run('redis-cli', ['-p', String(proxy.port), 'SET', key, `v-${key}`])).stdout).toBe('OK\n');
      expect((await run('redis-cli', ['-p', String(proxy.port), 'GET', key])).stdout).toBe(`v-${key}\n`);
      expect(await onOwner(key)).toBe(`v-${key}`);
    }
  });

  test('redis-cli: MSET within a hash tag lands on the owner of the tag', async () => {
    const { stdout } = await run('redis-cli', ['-p', String(proxy.port), 'MSET', '{cli}a', '1', '{cli}b', '2']);
    expect(stdout).toBe('OK\n');
    expect(await onOwner('{cli}a')).toBe('1');
    expect(await onOwner('{cli}b')).toBe('2');
    expect(owner('{cli}a')).toBe(owner('cli'));
  });

  test('redis-cli: MULTI/EXEC runs on the node of its keys', async () => {
    const child = run('redis-cli', ['-p', String(proxy.port)]);
    child.child.stdin!.end('MULTI\nSET {tx}n 5\nINCR {tx}n\nGET {tx}n\nEXEC\n');
    expect((await child).stdout).toBe('OK\nQUEUED\nQUEUED\nQUEUED\nOK\n6\n6\n');
    expect(await onOwner('{tx}n')).toBe('6');
  });

  test('redis-cli --pipe: 10,000 commands over every node, none lost', async () => {
    const keys = keysOnEveryNode('pipe', 30, ports, slots);
    const commands = Array.from({ length: 10_000 }, (_, i) => encode('INCR', keys[i % keys.length]));
    const child = run('redis-cli', ['-p', String(proxy.port), '--pipe'], { timeout: 30_000 });
    child.child.stdin!.end(Buffer.concat(commands));
    expect((await child).stdout).toMatch(/errors: 0, replies: 10000/);
    for (const [i, key] of keys.entries()) expect(Number(await onOwner(key))).toBe(Math.floor(10_000 / 30) + (i < 10_000 % 30 ? 1 : 0));
  });

  test('ioredis: SET, GET, MSET with a hash tag, a pipeline of 10,000 and MULTI/EXEC', async () => {
    const client = new Redis({ port: proxy.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await client.connect();
      const keys = keysOnEveryNode('io', 9, ports, slots);
      for (const key of keys) expect(await client.set(key, `io-${key}`)).toBe('OK');
      for (const key of keys) expect(await client.get(key)).toBe(`io-${key}`);
      for (const key of keys) expect(await onOwner(key)).toBe(`io-${key}`);
      expect(await client.mset('{io}x', 'X', '{io}y', 'Y')).toBe('OK');
      expect(await onOwner('{io}y')).toBe('Y');
      const pipeline = client.pipeline();
      for (let i = 0; i < 10_000; i++) pipeline.incr(`io:n:${i % 100}`);
      const results = await pipeline.exec();
      // Each counter's replies count up 1, 2, … 100 in the order sent: nothing lost, doubled or reordered.
      expect(results).toEqual(Array.from({ length: 10_000 }, (_, i) => [null, Math.floor(i / 100) + 1]));
      expect(await onOwner('io:n:7')).toBe('100');
      expect(await client.multi().set('{io}t', 'a').append('{io}t', 'b').get('{io}t').exec()).toEqual([
        [null, 'OK'],
        [null, 2],
        [null, 'ab'],
      ]);
      expect(await onOwner('{io}t')).toBe('ab');
    } finally {
      client.disconnect();
    }
  });

  test('node-redis (RESP3, its default): SET, GET, MSET with a hash tag, a pipeline of 10,000 and MULTI/EXEC', async () => {
    const client = createClient({ socket: { port: proxy.port, host: '127.0.0.1', reconnectStrategy: false } });
    try {
      await client.connect();
      const keys = keysOnEveryNode('nr', 9, ports, slots);
      for (const key of keys) expect(await client.set(key, `nr-${key}`)).toBe('OK');
      for (const key of keys) expect(await client.get(key)).toBe(`nr-${key}`);
      for (const key of keys) expect(await onOwner(key)).toBe(`nr-${key}`);
      expect(await client.mSet({ '{nr}x': 'X', '{nr}y': 'Y' })).toBe('OK');
      expect(await onOwner('{nr}x')).toBe('X');
      const replies = await Promise.all(Array.from({ length: 10_000 }, (_, i) => client.incr(`nr:n:${i % 100}`)));
      expect(replies).toEqual(Array.from({ length: 10_000 }, (_, i) => Math.floor(i / 100) + 1));
      expect(await onOwner('nr:n:42')).toBe('100');
      expect(await client.multi().set('{nr}t', 'a').append('{nr}t', 'b').get('{nr}t').exec()).toEqual(['OK', 2, 'ab']);
      expect(await onOwner('{nr}t')).toBe('ab');
    } finally {
      client.destroy();
    }
  });

  test('a burst over three nodes gets its replies in its own order', async () => {
    const keys = keysOnEveryNode('order', 3, ports, slots);
    const commands = Array.from({ length: 300 }, (_, i) => ['INCR', keys[i % 3]]);
    const replies = await exchange(proxy.port, burst(...commands));
    const expected = commands.map((_, i) => `:${Math.floor(i / 3) + 1}\r\n`).join('') + '+OK\r\n';
    expect(replies.toString('latin1')).toBe(expected);
  });

  test("keys in different slots get Redis Cluster's CROSSSLOT, byte for byte", async () => {
    const request = burst(['MSET', 'a', '1', 'b', '2'], ['MGET', 'a', 'b'], ['DEL', '{x}1', '{y}1']);
    const error = "-CROSSSLOT Keys in request don't hash to the same slot\r\n";
    expect((await exchange(proxy.port, request)).toString('latin1')).toBe(error.repeat(3) + '+OK\r\n');
  });

  test('a transaction across slots ends as Redis ends it: CROSSSLOT, then EXECABORT', async () => {
    const request = burst(['MULTI'], ['SET', '{a}1', '1'], ['SET', '{b}1', '1'], ['EXEC']);
    expect((await exchange(proxy.port, request)).toString('latin1')).toBe(
      "+OK\r\n+QUEUED\r\n-CROSSSLOT Keys in request don't hash to the same slot\r\n" +
        '-EXECABORT Transaction discarded because of previous errors.\r\n+OK\r\n',
    );
  });

  test('a transaction that starts with a keyless command is queued on the node of its first key', async () => {
    const request = burst(['MULTI'], ['PING'], ['SET', '{kl}k', 'x'], ['GET', '{kl}k'], ['EXEC'], ['MULTI'], ['PING'], ['EXEC']);
    expect((await exchange(proxy.port, request)).toString('latin1')).toBe(
      '+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n+PONG\r\n+OK\r\n$1\r\nx\r\n' + '+OK\r\n+QUEUED\r\n*1\r\n+PONG\r\n+OK\r\n',
    );
    expect(await onOwner('{kl}k')).toBe('x');
  });

  test('WATCH pins the transaction to the key: a change by another client aborts EXEC', async () => {
    const watcher = net.connect(proxy.port, '127.0.0.1');
    const got: Buffer[] = [];
    watcher.on('data', (d: Buffer) => got.push(d));
    watcher.write(Buffer.concat([encode('SET', '{w}k', '1'), encode('WATCH', '{w}k')]));
    await sleep(300);
    await exchange(proxy.port, burst(['SET', '{w}k', '2']));
    watcher.write(Buffer.concat([encode('MULTI'), encode('SET', '{w}k', '3'), encode('EXEC'), encode('QUIT')]));
    await new Promise((resolve) => watcher.on('close', resolve));
    expect(Buffer.concat(got).toString('latin1')).toBe('+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n*-1\r\n+OK\r\n');
    expect(await onOwner('{w}k')).toBe('2');
  });

  test("SELECT and HELLO get Redis's answers, Pub/Sub a clear error; a blocking command works", async () => {
    const request = burst(['SELECT', '0'], ['SELECT', '1'], ['SUBSCRIBE', 'news'], ['HELLO', '4'], ['RPUSH', 'q', 'x'], ['BLPOP', 'q', '1']);
    expect((await exchange(proxy.port, request)).toString('latin1')).toBe(
      '+OK\r\n-ERR SELECT is not allowed in cluster mode\r\n-ERR SUBSCRIBE is not supported by the cluster proxy\r\n' +
        '-NOPROTO unsupported protocol version\r\n:1\r\n*2\r\n$1\r\nq\r\n$1\r\nx\r\n+OK\r\n',
    );
  });

  test('after HELLO 3, replies from every node come in RESP3', async () => {
    const keys = keysOnEveryNode('resp3', 3, ports, slots);
    const request = burst(['HELLO', '3'], ...keys.map((k) => ['HSET', k, 'f', 'v']), ...keys.map((k) => ['HGETALL', k]));
    const replies = (await exchange(proxy.port, request)).toString('latin1');
    expect(replies.startsWith('%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n')).toBe(true);
    expect(replies.endsWith(':1\r\n:1\r\n:1\r\n' + '%1\r\n$1\r\nf\r\n$1\r\nv\r\n'.repeat(3) + '+OK\r\n')).toBe(true);
  });

  test("a client's protocol error gets Redis's reply after the replies before it", async () => {
    const request = Buffer.concat([encode('PING'), Buffer.from('*x\r\n')]);
    expect((await exchange(proxy.port, request)).toString('latin1')).toBe('+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n');
  });

  test('a client that does not read: the proxy stays small, the node holds the replies', { timeout: 30_000 }, async () => {
    const value = Buffer.alloc(256 * 1024, 'v');
    expect((await exchange(proxy.port, burst(['SET', 'big', value]))).toString()).toBe('+OK\r\n+OK\r\n');
    const pid = scriptProcess(proxy.process.pid!, 'cluster-proxy/main.ts');
    const before = rssBytes(pid);
    const gets = 300; // 75 MiB of replies
    const client = net.connect(proxy.port, '127.0.0.1');
    client.pause(); // reads nothing
    client.write(Buffer.concat(Array.from({ length: gets }, () => encode('GET', 'big'))));
    await sleep(2000);
    const grown = rssBytes(pid) - before;
    // What the proxy may hold: its socket buffers and a few replies in passing, not the 75 MiB.
    expect(grown).toBeLessThan(32 * 1024 * 1024);
    const clients = await cluster.cli(owner('big'), 'CLIENT', 'LIST');
    const outputBuffered = Math.max(...[...clients.matchAll(/omem=(\d+)/g)].map((m) => Number(m[1])));
    expect(outputBuffered).toBeGreaterThan(8 * 1024 * 1024); // the rest waits on the node
    // Once the client reads, every reply arrives whole.
    let received = 0;
    const done = new Promise<void>((resolve) =>
      client.on('data', (d: Buffer) => {
        received += d.length;
        if (received >= gets * (`$${value.length}\r\n`.length + value.length + 2)) resolve();
      }),
    );
    client.resume();
    await done;
    client.destroy();
    expect(received).toBe(gets * (`$${value.length}\r\n`.length + value.length + 2));
  });

  test.skipIf(!requireBinary('redis-benchmark'))('redis-benchmark -P 16 through the proxy: every request reaches the cluster once', async () => {
    const { stdout } = await run(
      'redis-benchmark',
      ['-p', String(proxy.port), '-P', '16', '-c', '20', '-n', '20000', '-t', 'incr', '-q', '-e'],
      { timeout: 50_000 },
    );
    expect(stdout).not.toMatch(/error/i);
    expect(await onOwner('counter:__rand_int__')).toBe('20000');
  });

  test('a live reshard of 2,000 slots under pipelined load: no error, no lost or reordered reply', async () => {
    const [from, to] = cluster.masters;
    // Counters in the slots that move (the reshard takes the source's first slots) and elsewhere.
    const moving: string[] = [];
    for (let i = 0; moving.length < 24; i++) if (calculateSlot(`rs:${i}`) < 1500) moving.push(`rs:${i}`);
    const keys = [...moving, ...(keysOnEveryNode('rs-other', 6, ports, slots))];
    const clients = Array.from({ length: 4 }, () => new Redis({ port: proxy.port, host: '127.0.0.1', maxRetriesPerRequest: 0 }));
    let resharding = true;
    const problems: string[] = [];
    const load = clients.map(async (client, c) => {
      const count = new Map<string, number>();
      let rounds = 0;
      while (resharding || rounds < 3) {
        rounds++;
        const pipeline = client.pipeline();
        const sent = keys.map((k) => `${k}:${c}`);
        for (const key of sent) pipeline.incr(key);
        const results = (await pipeline.exec()) ?? [];
        results.forEach(([err, value], i) => {
          const want = (count.get(sent[i]) ?? 0) + 1;
          if (err !== null) problems.push(`${sent[i]}: ${err.message}`);
          else if (value !== want) problems.push(`${sent[i]}: ${String(value)} where ${want} was due`);
          count.set(sent[i], want);
        });
      }
      return count;
    });
    const started = Date.now();
    await cluster.cli(from.port, '--cluster', 'reshard', from.address, '--cluster-from', await cluster.id(from.port),
      '--cluster-to', await cluster.id(to.port), '--cluster-slots', '2000', '--cluster-yes');
    resharding = false;
    const counts = await Promise.all(load);
    const took = Date.now() - started;
    for (const client of clients) client.disconnect();
    expect(problems).toEqual([]);
    slots = await cluster.slotPorts();
    expect(owner(moving[0])).toBe(to.port);
    for (const count of counts) {
      for (const [key, n] of count) expect(await onOwner(key)).toBe(String(n));
      expect(Math.min(...count.values())).toBeGreaterThan(3); // the load did run during the reshard
    }
    console.log(`reshard of 2,000 slots under load: ${took} ms`);
  }, 120_000);

  // Destructive: last.
  test('a master lost without replicas: its slots get CLUSTERDOWN, the rest works; back, it serves again', async () => {
    const victim = cluster.masters[2];
    const [lostKey] = keysOnEveryNode('lost', 1, [victim.port], slots);
    const [keptKey] = keysOnEveryNode('kept', 1, [cluster.masters[0].port], slots);
    await exchange(proxy.port, burst(['SET', lostKey, 'L'], ['SET', keptKey, 'K']));
    await victim.kill();
    const request = burst(['GET', lostKey], ['GET', keptKey]);
    expect((await exchange(proxy.port, request)).toString('latin1')).toBe('-CLUSTERDOWN Hash slot not served\r\n$1\r\nK\r\n+OK\r\n');
    await victim.start();
    // The proxy was not restarted: it tries the node again and the node serves its slots (empty: no persistence).
    let reply = '';
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; await sleep(250)) {
      reply = (await exchange(proxy.port, burst(['SET', lostKey, 'again'], ['GET', lostKey]))).toString('latin1');
      if (reply.startsWith('+OK')) break;
    }
    expect(reply).toBe('+OK\r\n$5\r\nagain\r\n+OK\r\n');
    expect(await onOwner(lostKey)).toBe('again');
  }, 60_000);
});
