// A Redis server on Deno's own sockets (Deno.listen): RequestDecoder fed from conn.read(),
// replies through a Writer over a Writable that hands them to conn.write(). Prints
// `listening on <port>`. Run by test/runtimes.test.ts:
// `deno run --allow-net --allow-read --allow-env test/runtimes/deno-server.mjs`.
import { Writable } from 'node:stream';
import { RequestDecoder, Writer } from '../../dist/index.mjs';
import { answer } from './commands.mjs';

async function serve(conn) {
  const decoder = new RequestDecoder();
  const out = new Writer(
    new Writable({
      write(chunk, _encoding, done) {
        writeAll(conn, chunk).then(() => done(), done);
      },
    }),
  );
  try {
    for (;;) {
      // A new buffer per read: commands are views of the bytes pushed.
      const chunk = new Uint8Array(64 * 1024);
      const n = await conn.read(chunk);
      if (n === null) break;
      decoder.push(chunk.subarray(0, n));
      const close = answer(decoder, out);
      await out.flush();
      if (close) return;
    }
  } catch {
    // the peer went away
  } finally {
    conn.close();
  }
}

/** conn.write() may take part of the bytes: the rest is written until none is left. */
async function writeAll(conn, bytes) {
  for (let off = 0; off < bytes.length; ) off += await conn.write(bytes.subarray(off));
}

const listener = Deno.listen({ hostname: '127.0.0.1', port: 0 });
console.log(`listening on ${listener.addr.port}`);
for await (const conn of listener) void serve(conn);
