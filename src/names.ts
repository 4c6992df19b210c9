/**
 * Command names common enough to be recognised without decoding: for these,
 * `Command#name()` compares a few bytes instead of building a string and
 * lower-casing it, which is most of a simple command's dispatch cost.
 */
const COMMON = [
  'get', 'set', 'del', 'ttl', 'ping', 'echo', 'incr', 'decr', 'mget', 'mset', 'hget', 'hset', 'hdel', 'llen',
  'lpop', 'rpop', 'sadd', 'srem', 'keys', 'type', 'scan', 'auth', 'info', 'quit', 'exec', 'zadd', 'lpush', 'rpush',
  'setex', 'multi', 'hello', 'incrby', 'decrby', 'exists', 'expire', 'select', 'append', 'strlen', 'lrange', 'zrange',
  'unlink', 'dbsize', 'config', 'client', 'hgetall', 'command', 'publish', 'flushdb', 'flushall', 'smembers', 'subscribe',
];

/** COMMON grouped by length, so a lookup compares against a handful of names at most. */
const BY_LENGTH: string[][] = [];
for (const name of COMMON) (BY_LENGTH[name.length] ??= []).push(name);

/**
 * The lower-case name spelled by buf[start, end) in any case, if it is one of
 * the common names; `undefined` otherwise. Exact: `b | 0x20` equals a
 * lower-case letter only when b is that letter in either case.
 */
export function commonName(buf: Uint8Array, start: number, end: number): string | undefined {
  const candidates = BY_LENGTH[end - start];
  if (candidates === undefined) return undefined;
  next: for (let n = 0; n < candidates.length; n++) {
    const name = candidates[n];
    for (let i = 0; i < name.length; i++) {
      if ((buf[start + i] | 0x20) !== name.charCodeAt(i)) continue next;
    }
    return name;
  }
  return undefined;
}
