// The end-to-end benchmark's peer: the same SET/GET server on redis-parser,
// replies built by hand, one write per chunk of input. PORT from the environment.
import net from 'node:net';
import { RedisParser } from '../common.mjs';
import { HandReplies } from '../hand-replies.mjs';

const store = new Map();

function serve(socket) {
  const out = new HandReplies(socket);
  const parser = new RedisParser({
    returnBuffers: true,
    returnReply(args) {
      const name = args[0].toString('latin1').toLowerCase();
      if (name === 'get' && args.length === 2) out.bulk(store.get(args[1].toString('latin1')) ?? null);
      else if (name === 'set' && args.length === 3) {
        store.set(args[1].toString('latin1'), Buffer.from(args[2])); // a copy, as the toolkit server makes
        out.simple('OK');
      } else if (name === 'ping') out.simple('PONG');
      else out.error(`ERR unknown command '${args[0].toString().slice(0, 128)}'`);
    },
    returnError(err) {
      out.error('ERR ' + err.message);
      out.flush();
      socket.end();
    },
  });
  socket.on('data', (chunk) => {
    parser.execute(chunk);
    out.flush();
  });
  socket.on('error', () => socket.destroy());
}

const port = Number(process.env.PORT ?? 6391);
net
  .createServer({ noDelay: true }, serve)
  .listen(port, '127.0.0.1', () => console.log(`redis-parser bench server listening on 127.0.0.1:${port}`));
