// One-off questions to a cluster node (CLUSTER SHARDS, COMMAND, COMMAND GETKEYS), each on a
// short-lived connection of its own, answered decoded. Rare by design: never on the request path
// except for the few commands whose keys only the node can find.
import net from 'node:net';
import { type Reply, ReplyParser, Writer } from 'redisproto';

/** How long a node may take to answer one of these questions. */
const ASK_TIMEOUT_MS = 2000;

/** `host:port` split in two; the port is the part after the last colon, so IPv6 hosts work. */
export function splitAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const port = Number(address.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`not a host:port address: ${JSON.stringify(address)}`);
  }
  return { host: address.slice(0, colon), port };
}

/** Sends one command to the node at `address` and resolves with its decoded reply (an error reply included). */
export async function ask(address: string, args: readonly (string | Buffer)[]): Promise<Reply> {
  const { host, port } = splitAddress(address);
  const socket = net.connect(port, host);
  const timer = setTimeout(() => socket.destroy(new Error(`${address} did not answer within ${ASK_TIMEOUT_MS} ms`)), ASK_TIMEOUT_MS);
  try {
    const out = new Writer(socket);
    out.writeCommand(args);
    await out.flush();
    const reply = await new ReplyParser(socket).readReply();
    if (reply === null) throw new Error(`${address} closed the connection`);
    return reply;
  } finally {
    clearTimeout(timer);
    socket.destroy();
  }
}

/** The text of a simple, bulk or verbatim string reply; `undefined` for anything else. */
export function text(reply: Reply | undefined): string | undefined {
  if (reply === undefined) return undefined;
  if (reply.type === 'simple') return reply.value;
  if (reply.type === 'bulk' || reply.type === 'verbatim') return reply.value.toString();
  return undefined;
}

/** The value of an integer reply as a number; `undefined` for anything else. */
export function int(reply: Reply | undefined): number | undefined {
  return reply?.type === 'integer' ? Number(reply.value) : undefined;
}

/** The elements of an array or set reply; empty for anything else. */
export function list(reply: Reply | undefined): Reply[] {
  return reply?.type === 'array' || reply?.type === 'set' ? reply.value : [];
}

/** A RESP2 flat `[name, value, name, value, …]` array (or a RESP3 map) as a Map keyed by name. */
export function fields(reply: Reply | undefined): Map<string, Reply> {
  const out = new Map<string, Reply>();
  if (reply?.type === 'map') {
    for (const [k, v] of reply.value) out.set(text(k) ?? '', v);
    return out;
  }
  const items = list(reply);
  for (let i = 0; i + 1 < items.length; i += 2) out.set(text(items[i]) ?? '', items[i + 1]);
  return out;
}
