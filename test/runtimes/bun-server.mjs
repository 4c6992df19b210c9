// A Redis server on Bun's own sockets (Bun.listen): RequestDecoder fed from the socket's `data`
// callback, replies through a Writer over a Writable that hands them to socket.write(). Prints
// `listening on <port>`. Run by test/runtimes.test.ts: `bun test/runtimes/bun-server.mjs`.
import { Writable } from 'node:stream';
import { RequestDecoder, Writer } from '../../dist/index.mjs';
import { answer } from './commands.mjs';

const server = Bun.listen({
  hostname: '127.0.0.1',
  port: 0,
  socket: {
    open(socket) {
      // Bun's write() takes what the kernel accepts now and returns how much: the rest is
      // written again on `drain`, which then completes the Writable's write.
      const pending = [];
      const sink = new Writable({
        write(chunk, _encoding, done) {
          const n = socket.write(chunk);
          if (n === chunk.length) return done();
          pending.push({ rest: chunk.subarray(Math.max(n, 0)), done });
        },
      });
      socket.data = { decoder: new RequestDecoder(), out: new Writer(sink), pending, closing: false };
    },
    drain(socket) {
      const { pending } = socket.data;
      while (pending.length > 0) {
        const head = pending[0];
        const n = socket.write(head.rest);
        if (n < head.rest.length) {
          head.rest = head.rest.subarray(Math.max(n, 0));
          return;
        }
        pending.shift();
        head.done();
      }
      if (socket.data.closing) socket.end();
    },
    data(socket, chunk) {
      const { decoder, out } = socket.data;
      decoder.push(chunk);
      const close = answer(decoder, out);
      out.flushNow();
      if (!close) return;
      // The last replies first: what the kernel did not take yet goes on `drain`.
      if (socket.data.pending.length === 0) socket.end();
      else socket.data.closing = true;
    },
    end(socket) {
      socket.end();
    },
  },
});
console.log(`listening on ${server.port}`);
