// A client on Bun's own sockets (Bun.connect): sends client-session.mjs's requests to the
// redis-server on the port given, reads the replies with a ReplyDecoder in the `data`
// callback, and prints them as one JSON line. Run by test/runtimes.test.ts.
import { ReplyDecoder } from '../../dist/index.mjs';
import { REPLIES, SESSION, show } from './client-session.mjs';

const decoder = new ReplyDecoder();
const replies = [];
await Bun.connect({
  hostname: '127.0.0.1',
  port: Number(process.argv[2]),
  socket: {
    open(socket) {
      socket.write(SESSION); // a few hundred bytes: the kernel takes them at once
    },
    data(socket, chunk) {
      decoder.push(chunk);
      for (let r; (r = decoder.next()) !== undefined; ) replies.push(show(r));
      if (replies.length < REPLIES) return;
      console.log(JSON.stringify(replies));
      socket.end();
    },
  },
});
