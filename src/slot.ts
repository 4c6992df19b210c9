// A key's Redis Cluster hash slot: CRC16 (XMODEM) of the key, or of its {hash tag}, modulo 16384.
//
// Written here rather than taken from the `cluster-key-slot` package so that
// the library keeps no runtime dependencies: it is twenty lines, and
// test/cluster-node-slot.test.ts checks it against a real redis-server's
// CLUSTER KEYSLOT and against cluster-key-slot for many keys.

/** How many hash slots a Redis Cluster has. */
export const SLOTS = 16384;

// CRC16-CCITT as Redis uses it (XMODEM: polynomial 0x1021, initial value 0,
// no reflection), one table entry per byte value.
const TABLE = new Uint16Array(256);
for (let n = 0; n < 256; n++) {
  let crc = n << 8;
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1;
  TABLE[n] = crc & 0xffff;
}

/**
 * The slot of the key held in `bytes[start, end)`, without making a view of
 * it: the form a server uses on the bytes a command arrived in.
 *
 * As in Redis, when the key holds a `{`, a later `}`, and at least one byte
 * between them, only the bytes between the first `{` and the first `}` after
 * it are hashed, so `{user1}.name` and `{user1}.mail` share a slot.
 */
export function slotOfRange(bytes: Uint8Array, start: number, end: number): number {
  let from = start;
  let to = end;
  for (let i = start; i < end; i++) {
    if (bytes[i] !== 0x7b) continue; // '{'
    for (let j = i + 1; j < end; j++) {
      if (bytes[j] !== 0x7d) continue; // '}'
      if (j > i + 1) {
        from = i + 1;
        to = j;
      }
      break;
    }
    break;
  }
  let crc = 0;
  // Table-driven CRC over byte offsets: this runs once per key of every request.
  for (let i = from; i < to; i++) crc = ((crc << 8) & 0xff00) ^ TABLE[((crc >> 8) ^ bytes[i]) & 0xff];
  return crc & (SLOTS - 1);
}

/**
 * The hash slot (0 to 16383) of a key, as `CLUSTER KEYSLOT` gives it. A string
 * key is hashed as its UTF-8 bytes, as clients send it.
 */
export function keySlot(key: string | Uint8Array): number {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  return slotOfRange(bytes, 0, bytes.length);
}
