// What the runtime client fixtures send to a real redis-server, and how they print the replies
// they decode: a RESP3 session whose replies cover a map, a simple string, bulks, nulls, an
// integer, an array, a double, a set and an error.

/** `*<n>\r\n$<len>\r\n<arg>\r\n…`, the form clients send. */
function command(...args) {
  let out = `*${args.length}\r\n`;
  for (const arg of args) out += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
  return out;
}

export const SESSION = Buffer.from(
  [
    command('HELLO', '3'),
    command('DEL', 'rt:k', 'rt:list', 'rt:z', 'rt:set'),
    command('SET', 'rt:k', 'héllo'),
    command('GET', 'rt:k'),
    command('GET', 'rt:missing'),
    command('RPUSH', 'rt:list', 'a', 'b', 'c'),
    command('LRANGE', 'rt:list', '0', '-1'),
    command('ZADD', 'rt:z', '1.5', 'm'),
    command('ZSCORE', 'rt:z', 'm'),
    command('SADD', 'rt:set', 'x'),
    command('SMEMBERS', 'rt:set'),
    command('GET', 'rt:list'),
  ].join(''),
);
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
