// A Redis server on Bun's own sockets (Bun.listen): RequestDecoder fed from the socket's `data`
// callback, replies encoded by an Encoder and taken for socket.write(), with no Node stream.
// Prints `listening on <port>`. Run by test/runtimes.test.ts: `bun test/runtimes/bun-server.mjs`.
import { Encoder, RequestDecoder } from '../../dist/index.mjs';
import { answer } from './commands.mjs';

/**
 * Bun's write() takes what the kernel accepts now and returns how much: the rest waits, with
 * anything written after it, for `drain`.
 */
function send(socket, bytes) {
  const state = socket.data;
  if (state.pending.length > 0) return void state.pending.push(bytes);
  const n = socket.write(bytes);
  if (n < bytes.length) state.pending.push(bytes.subarray(Math.max(n, 0)));
}

const server = Bun.listen({
  hostname: '127.0.0.1',
  port: 0,
  socket: {
    open(socket) {
      socket.data = { decoder: new RequestDecoder(), out: new Encoder(), pending: [], closing: false };
    },
    drain(socket) {
      const state = socket.data;
      const waiting = state.pending;
      state.pending = [];
      for (const bytes of waiting) send(socket, bytes);
      if (state.pending.length === 0 && state.closing) socket.end();
    },
    data(socket, chunk) {
      const state = socket.data;
      state.decoder.push(chunk);
      const close = answer(state.decoder, state.out);
      send(socket, state.out.take());
      if (!close) return;
      // The last replies first: what the kernel did not take yet goes on `drain`.
      if (state.pending.length === 0) socket.end();
      else state.closing = true;
    },
    end(socket) {
      socket.end();
    },
  },
});
console.log(`listening on ${server.port}`);
