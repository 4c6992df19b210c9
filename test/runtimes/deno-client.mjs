// A client on Deno's own sockets (Deno.connect): sends client-session.mjs's requests to the
// redis-server on the port given, reads the replies with a ReplyDecoder from conn.read(), and
// prints them as one JSON line. Run by test/runtimes.test.ts.
import { ReplyDecoder } from '../../dist/index.mjs';
import { REPLIES, SESSION, show } from './client-session.mjs';

const conn = await Deno.connect({ hostname: '127.0.0.1', port: Number(Deno.args[0]) });
for (let off = 0; off < SESSION.length; ) off += await conn.write(SESSION.subarray(off));
const decoder = new ReplyDecoder();
const replies = [];
while (replies.length < REPLIES) {
  const chunk = new Uint8Array(64 * 1024); // a new buffer per read: replies are views of it
  const n = await conn.read(chunk);
  if (n === null) throw new Error('redis-server closed the connection');
  decoder.push(chunk.subarray(0, n));
  for (let r; (r = decoder.next()) !== undefined; ) replies.push(show(r));
}
console.log(JSON.stringify(replies));
conn.close();
