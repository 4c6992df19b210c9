// examples/rpc.ts: custom commands with validation, from redis-cli and ioredis.
import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Started, requireBinary, startScript } from './helpers.js';
import { RespClient } from './resp-client.js';

const run = promisify(execFile);

describe('the RPC server', () => {
  let rpc: Started;
  beforeAll(async () => {
    rpc = await startScript('rpc');
  });
  afterAll(async () => {
    await rpc?.stop();
  });

  describe.skipIf(!requireBinary('redis-cli'))('from redis-cli', () => {
    /** What redis-cli prints for one command (raw output, as in a script). */
    async function cli(...args: string[]): Promise<string> {
      const { stdout } = await run('redis-cli', ['-p', String(rpc.port), ...args], { timeout: 10_000 });
      return stdout;
    }

    test('USER.ADD takes a JSON object and answers the new id', async () => {
      expect(await cli('user.add', '{"name":"ann","langs":["go","ts"]}')).toMatch(/^\d+\n$/);
    });

    test('USER.GET answers a structured reply: fields, values and a nested list', async () => {
      const id = (await cli('user.add', '{"name":"bob","langs":["rust"]}')).trim();
      expect(await cli('user.get', id)).toBe('name\nbob\nlangs\nrust\n');
    });

    test('USER.GET of an unknown id is the null reply', async () => {
      expect(await cli('--no-raw', 'user.get', '999999')).toBe('(nil)\n');
    });

    test('SUM adds integers', async () => {
      expect(await cli('--no-raw', 'sum', '1', '2', '-40')).toBe('(integer) -37\n');
    });

    test('arguments are validated with Redis-style errors', async () => {
      expect(await cli('--no-raw', 'sum', '1', 'x')).toBe('(error) ERR value is not an integer or out of range\n');
      expect(await cli('--no-raw', 'user.add', '{"langs":[]}')).toBe('(error) ERR user needs a non-empty string "name"\n');
      expect(await cli('--no-raw', 'user.add', '{nope')).toMatch(/^\(error\) ERR invalid JSON: /);
      expect(await cli('--no-raw', 'user.get')).toBe("(error) ERR wrong number of arguments for 'user.get' command\n");
      expect(await cli('--no-raw', 'launch', 'rockets')).toBe("(error) ERR unknown command 'launch'\n");
    });
  });

  test('unbalanced quotes typed in telnet are answered at once, and the connection goes on (unlike Redis, which closes)', async () => {
    const client = new RespClient(net.connect(rpc.port, '127.0.0.1'));
    try {
      client.socket.write('sum 1 "2\r\n');
      expect(await client.next()).toMatchObject({ message: 'ERR Protocol error: unbalanced quotes in request' });
      client.socket.write('sum 1 "2"\r\n');
      expect(await client.next()).toBe(3);
    } finally {
      client.socket.destroy();
    }
  });

  test('from ioredis: custom commands through call(), errors as rejections', async () => {
    const client = new Redis({ port: rpc.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await client.connect();
      const id = (await client.call('user.add', JSON.stringify({ name: 'cy', langs: ['ts', 'go'] }))) as number;
      expect(await client.call('user.get', String(id))).toEqual(['name', 'cy', 'langs', ['ts', 'go']]);
      expect(await client.call('user.find', 'go')).toContain(id);
      expect(await client.call('sum', '20', '22')).toBe(42);
      await expect(client.call('user.add', '[]')).rejects.toThrow('ERR user needs a non-empty string "name"');
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
    }
  });
});
