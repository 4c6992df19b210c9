// What the runtime client fixtures send to a real redis-server, and how they print the replies
// they decode: a RESP3 session whose replies cover a map, a simple string, bulks, nulls, an
// integer, an array, a double, a set and an error.
import { Encoder } from '../../dist/index.mjs';

const commands = new Encoder();
for (const args of [
  ['HELLO', '3'],
  ['DEL', 'rt:k', 'rt:list', 'rt:z', 'rt:set'],
  ['SET', 'rt:k', 'héllo'],
  ['GET', 'rt:k'],
  ['GET', 'rt:missing'],
  ['RPUSH', 'rt:list', 'a', 'b', 'c'],
  ['LRANGE', 'rt:list', '0', '-1'],
  ['ZADD', 'rt:z', '1.5', 'm'],
  ['ZSCORE', 'rt:z', 'm'],
  ['SADD', 'rt:set', 'x'],
  ['SMEMBERS', 'rt:set'],
  ['GET', 'rt:list'],
]) {
  commands.writeCommand(args);
}
/** The session's commands as clients send them (`*<n>\r\n$<len>\r\n<arg>\r\n…`). */
export const SESSION = commands.take();
export const REPLIES = 12;

/** A decoded Reply as JSON: bulks as UTF-8 text, maps as [key, value] pairs. */
export function show(reply) {
  switch (reply.type) {
    case 'bulk':
      return { bulk: reply.value.toString('utf8') };
    case 'array':
    case 'set':
      return { [reply.type]: reply.value.map(show) };
    case 'map':
      return { map: reply.value.map(([k, v]) => [show(k), show(v)]) };
    case 'null':
      return { null: reply.origin };
    default:
      return { [reply.type]: reply.value };
  }
}
