// The proxy's cost: redis-benchmark -P 16 (SET, GET, 50 clients) against redis-server directly
// and through examples/proxy.ts in front of it, alternating, several rounds; medians and the ratio.
// Run: npx tsx bench/proxy.ts
import { requireBinary, startRedisServer, startScript } from '../test/helpers.js';
import { benchmark, median } from './e2e.js';

const ROUNDS = 5;
const PIPELINE = 16;
const REQUESTS = 200_000;

requireBinary('redis-server');
requireBinary('redis-benchmark');
const redis = await startRedisServer();
const proxy = await startScript('proxy', { UPSTREAM: `127.0.0.1:${redis.port}` });
const samples: Record<string, Record<string, number[]>> = { direct: {}, proxy: {} };
try {
  await benchmark(proxy.port, PIPELINE, REQUESTS); // warm-up: let the JIT settle
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, port] of [['direct', redis.port], ['proxy', proxy.port]] as const) {
      const rates = await benchmark(port, PIPELINE, REQUESTS);
      for (const [test, rps] of Object.entries(rates)) (samples[name][test] ??= []).push(rps);
      console.error(`  round ${round} / ${name}: ${Object.entries(rates).map(([t, r]) => `${t} ${Math.round(r)}/s`).join(', ')}`);
    }
  }
} finally {
  await proxy.stop();
  await redis.stop();
}
console.log(`| test (requests/s, median of ${ROUNDS}) | redis-server directly | through the proxy | ratio |`);
console.log('| --- | --- | --- | --- |');
for (const test of Object.keys(samples.direct)) {
  const direct = median(samples.direct[test]);
  const proxied = median(samples.proxy[test]);
  console.log(`| ${test} | ${Math.round(direct / 1000)}k | ${Math.round(proxied / 1000)}k | ${(proxied / direct).toFixed(2)}× |`);
}
