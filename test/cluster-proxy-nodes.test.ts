// examples/cluster-proxy in front of a node that misbehaves: a one-node "cluster" written with the
// toolkit, which answers CLUSTER SHARDS and COMMAND as Redis does (COMMAND's bytes taken from a real
// redis-server), counts how a burst arrives, and sends garbage, a reply too big for the proxy, or closes
// in the middle of a reply on cue.
import net from 'node:net';
import { Parser, Writer } from 'redisproto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { burst, exchange } from './cluster-helpers.js';
import { type Started, freePort, requireBinary, startRedisServer, startScript } from './helpers.js';
import { encode } from './resp-client.js';

describe.skipIf(!requireBinary('redis-server'))('the cluster proxy in front of a misbehaving node', () => {
  let fake: net.Server;
  let proxy: Started;
  /** Sizes of the chunks the node received that hold commands of the burst test. */
  const burstChunks: number[] = [];

  beforeAll(async () => {
    const redis = await startRedisServer();
    const commandReply = await exchange(redis.port, Buffer.concat([encode('COMMAND'), encode('QUIT')]));
    await redis.stop();
    const command = commandReply.subarray(0, commandReply.length - '+OK\r\n'.length);
    const port = await freePort();
    const shards =
      '*1\r\n*4\r\n$5\r\nslots\r\n*2\r\n:0\r\n:16383\r\n$5\r\nnodes\r\n*1\r\n*8\r\n' +
      `$2\r\nid\r\n$3\r\nabc\r\n$4\r\nport\r\n:${port}\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n$4\r\nrole\r\n$6\r\nmaster\r\n`;
    fake = net.createServer(async (socket) => {
      socket.on('error', () => {});
      socket.on('data', (chunk: Buffer) => {
        if (chunk.includes('burst:')) burstChunks.push(chunk.length);
      });
      const out = new Writer(socket);
      try {
        for await (const cmd of new Parser(socket)) {
          const args = cmd.args().map((a) => a.toString()).join(' ').toLowerCase();
          if (args === 'command') out.writeRaw(command);
          else if (args === 'cluster shards') out.writeRaw(Buffer.from(shards));
          else if (args === 'get garbage') out.writeRaw(Buffer.from('@not a reply\r\n'));
          else if (args === 'get cut') {
            socket.end('$10\r\nabc'); // a bulk cut short by the close
            return;
          } else if (args === 'ping') out.writeSimpleString('PONG');
          else if (args.startsWith('set burst:')) out.writeSimpleString('OK');
          else if (args === 'get huge') out.writeBulk(Buffer.alloc(2 * 1024 * 1024, 'h'));
          else out.writeError('ERR unexpected');
          await out.flush().catch(() => {});
        }
      } catch {
        // the proxy dropped the connection (a reply it would not take): nothing more to answer
      }
    });
    await new Promise<void>((resolve) => fake.listen(port, '127.0.0.1', resolve));
    proxy = await startScript('cluster-proxy', { CLUSTER: `127.0.0.1:${port}`, MAX_REPLY_BYTES: String(1024 * 1024) });
  }, 60_000);
  afterAll(async () => {
    await proxy?.stop();
    fake?.close();
  });

  /** A node that failed is left alone for a second: PING through the proxy until it is tried again (bounded). */
  async function servedAgain(): Promise<string> {
    let reply = '';
    for (let i = 0; i < 40 && !reply.startsWith('+PONG'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      reply = (await exchange(proxy.port, burst(['PING']))).toString('latin1');
    }
    return reply;
  }

  test('garbage from a node is an error for the requests sent to it, and the proxy lives on', async () => {
    const replies = (await exchange(proxy.port, burst(['GET', 'garbage']))).toString('latin1');
    expect(replies).toMatch(/^-ERR cluster node 127\.0\.0\.1:\d+: Protocol error, got "@" as reply type byte\r\n\+OK\r\n$/);
    expect(await servedAgain()).toBe('+PONG\r\n+OK\r\n');
  });

  test('a node closing in the middle of a reply is an error for that request, and the proxy lives on', async () => {
    await servedAgain();
    const replies = (await exchange(proxy.port, burst(['GET', 'cut']))).toString('latin1');
    expect(replies).toMatch(/^-ERR cluster node 127\.0\.0\.1:\d+: .+\r\n\+OK\r\n$/);
    expect(await servedAgain()).toBe('+PONG\r\n+OK\r\n');
  });

  test("a client's pipelined burst reaches the node in one write", async () => {
    const commands = Array.from({ length: 100 }, (_, i) => ['SET', `burst:${i}`, 'v']);
    const replies = (await exchange(proxy.port, burst(...commands))).toString('latin1');
    expect(replies).toBe('+OK\r\n'.repeat(101));
    expect(burstChunks).toEqual([Buffer.concat(commands.map((c) => encode(...c))).length]);
  });

  test('a reply past MAX_REPLY_BYTES is an error for its request, not memory without bound', async () => {
    await servedAgain();
    const replies = (await exchange(proxy.port, burst(['GET', 'huge']))).toString('latin1');
    expect(replies).toMatch(/^-ERR cluster node 127\.0\.0\.1:\d+: Protocol error, reply larger than maxReplyBytes\r\n\+OK\r\n$/);
    expect(await servedAgain()).toBe('+PONG\r\n+OK\r\n');
  });
});
