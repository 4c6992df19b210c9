// examples/cluster-proxy through a failover: a real cluster of 3 masters with a replica each; a
// master is killed, its replica takes over, and the proxy follows without a restart.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { burst, exchange, keysOnEveryNode, sleep } from './cluster-helpers.js';
import { type Started, requireBinary, startScript } from './helpers.js';
import { type RedisCluster, startCluster } from './redis-cluster.js';

describe.skipIf(!(requireBinary('redis-server') && requireBinary('redis-cli')))('the cluster proxy through a failover', () => {
  let cluster: RedisCluster;
  let proxy: Started;

  beforeAll(async () => {
    cluster = await startCluster({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 1000 });
    proxy = await startScript('cluster-proxy', { CLUSTER: cluster.masters[0].address });
  }, 90_000);
  afterAll(async () => {
    await proxy?.stop();
    await cluster?.stop();
  });

  test('a killed master fails over to its replica and the proxy follows; other slots keep working', async () => {
    const victim = cluster.masters[1];
    const slots = await cluster.slotPorts();
    const [lostKey] = keysOnEveryNode('fo', 1, [victim.port], slots);
    const [keptKey] = keysOnEveryNode('keep', 1, [cluster.masters[0].port], slots);
    expect((await exchange(proxy.port, burst(['SET', lostKey, 'before'], ['SET', keptKey, 'K']))).toString()).toBe('+OK\r\n+OK\r\n+OK\r\n');
    expect(await cluster.cli(victim.port, 'WAIT', '1', '2000')).toBe('1'); // the replica has the value before its master dies
    await victim.kill();
    // Until the replica is promoted, the lost slots fail (CLUSTERDOWN, or the error of a dropped
    // connection); the others never do.
    let reply = '';
    const started = Date.now();
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; await sleep(200)) {
      reply = (await exchange(proxy.port, burst(['GET', keptKey], ['GET', lostKey]))).toString('latin1');
      expect(reply.startsWith('$1\r\nK\r\n')).toBe(true);
      if (reply.includes('before')) break;
    }
    expect(reply).toBe('$1\r\nK\r\n$6\r\nbefore\r\n+OK\r\n');
    const promoted = await cluster.ownerPort(lostKey);
    expect(promoted).not.toBe(victim.port);
    expect(await cluster.cli(promoted, 'GET', lostKey)).toBe('before');
    console.log(`failover followed after ${Date.now() - started} ms`);
  }, 60_000);
});
