// One client request on its way through the proxy, and the one place where a request is put on
// the wire to a node.
import type { Writer } from 'redisproto';

/** A request and, once known, the reply frame to send back in its place in the client's order. */
export interface Request {
  /** The arguments, name first; views of the client's bytes, kept until the reply is in, for a redirect. */
  args: Buffer[];
  /** Its hash slot, or -1 when it has no keys. */
  slot: number;
  /** The reply as raw bytes, once known. */
  reply: Buffer | null;
  /** MOVED, ASK and TRYAGAIN followed so far: bounded, so that a confused cluster cannot loop us. */
  redirects: number;
  /** Part of a transaction: a redirect is the client's answer (the node has flagged the transaction), not ours to follow. */
  inTransaction: boolean;
  /** Sent by the proxy itself (MULTI, ASKING, DISCARD): its reply is dropped. */
  silent: boolean;
}

export function request(args: Buffer[], slot: number, inTransaction = false): Request {
  return { args, slot, reply: null, redirects: 0, inTransaction, silent: false };
}

export function silentRequest(...args: string[]): Request {
  return { args: args.map((a) => Buffer.from(a)), slot: -1, reply: null, redirects: 0, inTransaction: false, silent: true };
}

/**
 * Puts a request on the wire to a node. Re-encoded from its arguments for
 * now; the single place to change when requests are forwarded as the raw
 * bytes the client sent.
 */
export function writeRequest(out: Writer, req: Request): void {
  out.writeCommand(req.args);
}

const MINUS = Buffer.from('-');
const CRLF = Buffer.from('\r\n');

/** An error reply frame, `-<message>\r\n`; bytes are kept as they are (a ProtocolError's reply). */
export function errorFrame(message: string | Uint8Array): Buffer {
  if (typeof message !== 'string') return Buffer.concat([MINUS, message, CRLF]);
  return Buffer.from(`-${message}\r\n`);
}

/** Redis Cluster's own wording for the errors the proxy gives in its stead. */
export const Replies = {
  ok: Buffer.from('+OK\r\n'),
  crossSlot: errorFrame("CROSSSLOT Keys in request don't hash to the same slot"),
  slotNotServed: errorFrame('CLUSTERDOWN Hash slot not served'),
  execAbort: errorFrame('EXECABORT Transaction discarded because of previous errors.'),
  nestedMulti: errorFrame('ERR MULTI calls can not be nested'),
};
