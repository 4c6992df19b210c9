// examples/glob.ts against redis-server itself: for each pattern, the config names
// globMatch picks out of `CONFIG GET *` are the names `CONFIG GET <pattern>` returns.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { globMatch } from '../examples/glob.js';
import { ReplyParser } from '../src/index.js';
import { requireBinary, type Started, startRedisServer } from './helpers.js';
import { encode } from './resp-client.js';

/** The parameter names a real redis-server returns for `CONFIG GET <pattern>`, one connection for all. */
async function configNames(port: number, patterns: string[]): Promise<string[][]> {
  const socket = net.connect(port, '127.0.0.1');
  try {
    const replies = new ReplyParser(socket);
    socket.write(Buffer.concat(patterns.map((p) => encode('CONFIG', 'GET', p))));
    const names: string[][] = [];
    for (const _ of patterns) {
      const reply = await replies.readReply();
      if (reply?.type !== 'array') throw new Error(`CONFIG GET answered ${JSON.stringify(reply)}`);
      names.push(reply.value.filter((_, i) => i % 2 === 0).map((r) => (r.type === 'bulk' ? r.value.toString('latin1') : '?')).sort());
    }
    return names;
  } finally {
    socket.destroy();
  }
}

describe.skipIf(!requireBinary('redis-server'))('globMatch picks the config names Redis picks', () => {
  let redis: Started;
  let all: string[];
  beforeAll(async () => {
    redis = await startRedisServer();
    [all] = await configNames(redis.port, ['*']);
  });
  afterAll(() => redis?.stop());

  const patterns = [
    ['a lone [ matches nothing (no error)', '['],
    ['an open class runs to the end of the pattern', 'por[t'],
    ['an open class matches one character only', '[port'],
    ['? is any one character', 'p?rt'],
    ['* is any run, several times', '*max*mem*'],
    ['a class', 'p[aeiou]rt'],
    ['a negated class', '[^abcdefghijklmno]*'],
    ['a range, and a range given backwards', '[a-c]*'],
    ['a backwards range', '[c-a]*'],
    ['case is ignored', 'MAXMEMORY*'],
    ['case is ignored in ranges', '[A-C]*'],
    ['an escaped star is a star', 'maxmemory\\*'],
    ['an escape inside a class', '[\\a]*'],
    ['a trailing backslash is itself', 'port\\'],
    [']' + ' first in a class closes it', '[]abc]*'],
    ['stars around nothing', '**'],
  ];

  test.each(patterns)('%s: %s', async (_what, pattern) => {
    const [fromRedis] = await configNames(redis.port, [pattern]);
    expect(all.filter((name) => globMatch(pattern, name, true)).sort()).toEqual(fromRedis);
  });

  test('the names compared are many (CONFIG GET * lists every parameter)', () => {
    expect(all.length).toBeGreaterThan(100);
  });
});
