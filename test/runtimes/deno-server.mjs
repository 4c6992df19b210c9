// A Redis server on Deno's own sockets (Deno.listen): RequestDecoder fed from conn.read(),
// replies encoded by an Encoder and taken for conn.write(), with no Node stream. Prints
// `listening on <port>`. Run by test/runtimes.test.ts:
// `deno run --allow-net --allow-read --allow-env test/runtimes/deno-server.mjs`.
import { Encoder, RequestDecoder } from '../../dist/index.mjs';
import { answer } from './commands.mjs';

async function serve(conn) {
  const decoder = new RequestDecoder();
  const out = new Encoder();
  try {
    for (;;) {
      // A new buffer per read: commands are views of the bytes pushed.
      const chunk = new Uint8Array(64 * 1024);
      const n = await conn.read(chunk);
      if (n === null) break;
      decoder.push(chunk.subarray(0, n));
      const close = answer(decoder, out);
      await writeAll(conn, out.take());
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
