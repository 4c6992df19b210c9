// The cluster proxy: one endpoint for a whole Redis Cluster, for clients that do not speak
// cluster. `PORT=6383 CLUSTER=127.0.0.1:7000,127.0.0.1:7001 npm run cluster-proxy` (seed nodes,
// comma-separated), then `redis-cli -p 6383`. MAX_REPLY_BYTES bounds one reply from a node (the
// ReplyParser's maxReplyBytes; 1 GiB unless set). See docs/cluster-proxy.md.
import net from 'node:net';
import { CommandKeys } from './command-keys.js';
import { Session } from './session.js';
import { SlotMap } from './slot-map.js';

const port = Number(process.env.PORT ?? 6383);
const seeds = (process.env.CLUSTER ?? '127.0.0.1:7000')
  .split(',')
  .map((s) => s.trim())
  .filter((s) => s !== '');

const map = new SlotMap(seeds);
try {
  await map.start();
} catch (err) {
  console.error(`cluster proxy: no seed node (${seeds.join(', ')}) described the cluster: ${(err as Error).message}`);
  process.exit(1);
}
const keys = await CommandKeys.fetch(map.someAddress());
const replyLimits = process.env.MAX_REPLY_BYTES === undefined ? {} : { maxReplyBytes: Number(process.env.MAX_REPLY_BYTES) };

net
  .createServer((client) => void new Session(client, { map, keys, replyLimits }).run().catch(() => client.destroy()))
  .listen(port, '127.0.0.1', () =>
    console.log(`redisproto cluster proxy listening on 127.0.0.1:${port}, cluster ${seeds.join(',')}`),
  );
