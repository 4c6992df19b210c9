// The hash slot a command goes to: its keys found by CommandKeys, each hashed (hash tags included)
// by the toolkit's keySlot; all keys must share one slot. Not the cluster-key-slot package the
// issue suggested: its 1.1.2 hashes `a{}b}` to slot 3300 where Redis says 14284 (an empty tag followed
// by a `}`), a bug ioredis and node-redis each fixed in copies of their own; keySlot is checked against
// a real redis-server's CLUSTER KEYSLOT in test/cluster-node-slot.test.ts.
import { type Command, keySlot as calculateSlot } from 'redisproto';
import { ask, list } from './ask.js';
import { ASK_GETKEYS, CROSSSLOT, type CommandKeys, LET_NODE_SAY, NO_KEYS } from './command-keys.js';

export { ASK_GETKEYS, CROSSSLOT, LET_NODE_SAY, NO_KEYS };

/**
 * The slot of `cmd` (0…16383), or one of the codes {@link NO_KEYS},
 * {@link CROSSSLOT}, {@link LET_NODE_SAY} (unknown command, wrong arity,
 * malformed key count: sent anywhere, the node answers as Redis does) and
 * {@link ASK_GETKEYS} (call {@link slotFromNode}).
 */
export function route(keys: CommandKeys, cmd: Command, args: readonly Buffer[]): number {
  const info = keys.lookup(cmd);
  if (info === undefined) return LET_NODE_SAY;
  // The shape of most traffic (GET k, SET k v, INCR k, …): one key at a fixed place.
  const only = info.onlyKey;
  if (only > 0 && info.subcommands === null) {
    const argc = cmd.argCount();
    if (info.arity > 0 ? argc === info.arity : argc >= -info.arity) return calculateSlot(args[only]);
  }
  const positions = keys.keyPositions(info, cmd);
  if (typeof positions === 'number') return positions;
  const slot = calculateSlot(args[positions[0]]);
  for (let i = 1; i < positions.length; i++) {
    if (calculateSlot(args[positions[i]]) !== slot) return CROSSSLOT;
  }
  return slot;
}

/** The slot of a command whose keys only a node can find, by `COMMAND GETKEYS` on the node at `address`. */
export async function slotFromNode(address: string, args: readonly Buffer[]): Promise<number> {
  const reply = await ask(address, ['COMMAND', 'GETKEYS', ...args]);
  // An error ('Invalid arguments', 'The command has no key arguments') is for the node to give in context.
  if (reply.type === 'error') return reply.value.includes('no key arguments') ? NO_KEYS : LET_NODE_SAY;
  const found = list(reply);
  if (found.length === 0) return NO_KEYS;
  let slot = -1;
  for (const key of found) {
    if (key.type !== 'bulk') return LET_NODE_SAY;
    const s = calculateSlot(key.value);
    if (slot >= 0 && s !== slot) return CROSSSLOT;
    slot = s;
  }
  return slot;
}
