// keySlot (src/slot.ts) is Redis's CRC16 with hash tags: checked against a real redis-server's
// CLUSTER KEYSLOT and against the cluster-key-slot package that ioredis and node-redis use.
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { keySlot, slotOfRange } from '../src/index.js';
import { type Started, requireBinary } from './helpers.js';
import { ask, startClusterRedis } from './cluster-node-support.js';

const clusterKeySlot = createRequire(import.meta.url)('cluster-key-slot') as { (key: string | Buffer): number };

/** Keys that exercise every hash-tag rule, then many pseudo-random ones (binary, braces likely). */
function keys(count: number): Buffer[] {
  const fixed = ['', 'foo', 'foo{bar}', '{bar}foo', '{}', '{}a', 'a{}{b}', '{a', 'a}', '}a{b}', '{{a}}', '{a}{b}', 'x{y}}', '{user1000}.following',
    '{user1000}.followers', '123456789', 'héllo', '键', '{键}值', '\u0000{\u0000}'];
  const out = fixed.map((k) => Buffer.from(k, 'utf8'));
  let seed = 0x2545f491;
  const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8;
  const alphabet = [0x7b, 0x7d, 0x7b, 0x7d, 0x61, 0x62, 0x00, 0xff, 0x20, 0x0d, 0x0a];
  while (out.length < count) {
    const key = Buffer.alloc(next() % 24);
    for (let i = 0; i < key.length; i++) key[i] = next() % 3 === 0 ? alphabet[next() % alphabet.length] : next() & 0xff;
    out.push(key);
  }
  return out;
}

describe.skipIf(!requireBinary('redis-server'))('keySlot against CLUSTER KEYSLOT of a real redis-server', () => {
  let redis: Started;
  beforeAll(async () => {
    redis = await startClusterRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  test('5,000 keys, hash tags and binary bytes included, get the slot Redis gives them', async () => {
    const all = keys(5000);
    const replies = await ask(redis.port, 2, all.map((k) => ['CLUSTER', 'KEYSLOT', k]));
    const theirs = replies.map((r) => (r.type === 'integer' ? Number(r.value) : `${r.type}: ${JSON.stringify(r)}`));
    expect(all.map((k) => keySlot(k))).toEqual(theirs);
  });

  test('an empty tag then a later } hashes the whole key, as Redis does and cluster-key-slot 1.1.2 does not', async () => {
    const odd = ['a{}b}', '{}x}', 'user:{}:{id}'];
    const replies = await ask(redis.port, 2, odd.map((k) => ['CLUSTER', 'KEYSLOT', k]));
    expect(odd.map((k) => ({ type: 'integer', value: keySlot(k) }))).toEqual(replies);
    expect(odd.map((k) => keySlot(k))).not.toEqual(odd.map((k) => clusterKeySlot(k)));
  });
});

describe('keySlot', () => {
  // Known to differ when an empty tag {} is followed by another } (ioredis and node-redis now carry
  // their own fixed copy for that reason; see the test against Redis above): those keys are left out here.
  test('agrees with cluster-key-slot on 20,000 keys', () => {
    const all = keys(20000).filter((k) => !/\{\}.*\}/s.test(k.toString('latin1')));
    expect(all.length).toBeGreaterThan(15000);
    expect(all.map((k) => keySlot(k))).toEqual(all.map((k) => clusterKeySlot(k)));
  });

  test('hashes a string key as its UTF-8 bytes', () => {
    for (const k of ['héllo', '{键}值', 'plain']) expect(keySlot(k)).toBe(keySlot(Buffer.from(k, 'utf8')));
  });

  test('of a range reads only the bytes between start and end', () => {
    const bytes = Buffer.from('xx{user1}.name--');
    expect(slotOfRange(bytes, 2, 14)).toBe(keySlot('{user1}.name'));
    expect(slotOfRange(bytes, 2, 14)).toBe(keySlot('user1'));
  });

  test('hashes only the tag when it has one, so tagged keys share a slot', () => {
    expect(keySlot('{user1000}.following')).toBe(keySlot('{user1000}.followers'));
    expect(keySlot('foo{}bar')).not.toBe(keySlot('')); // an empty tag hashes the whole key
  });

  test("gives Redis's documented example slot: 123456789 is CRC16 0x31C3", () => {
    expect(keySlot('123456789')).toBe(0x31c3 % 16384);
  });
});
