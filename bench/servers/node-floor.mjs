// The end-to-end benchmark's floor: the least a Node server can do and still
// answer redis-benchmark's SET and GET. It parses nothing: a connection's
// first bytes say which of the two fixed-size requests it sends, the rest is
// counted by length and answered with canned replies, one write per chunk.
// What any Node server pays (sockets, events, writes) and nothing more.
// PORT from the environment.
import net from 'node:net';

// Exactly what `redis-benchmark -t set,get` sends (default key and -d 3); the
// SET value's bytes vary, its length does not.
const SET = Buffer.from('*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\n', 'latin1');
const SET_SIZE = SET.length + 5;
const GET = Buffer.from('*2\r\n$3\r\nGET\r\n$16\r\nkey:__rand_int__\r\n', 'latin1');

/** How many replies a canned run holds. */
const RUN = 4096;

/** `reply` repeated, so n replies are one subarray of it. */
function canned(reply) {
  return Buffer.from(reply.repeat(RUN), 'latin1');
}
const OK = canned('+OK\r\n');
const VALUE = canned('$3\r\nxxx\r\n');
const ERR = canned('-ERR unknown command\r\n'); // anything else: the CONFIG GETs redis-benchmark starts with

function startsWith(chunk, prefix) {
  return chunk.length >= prefix.length && chunk.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
}

/** Writes n replies of `one` bytes each from the canned run `replies`, in as few writes as it takes (one, normally). */
function answer(socket, replies, one, n) {
  const most = replies.length / one;
  for (; n > most; n -= most) socket.write(replies);
  if (n > 0) socket.write(replies.subarray(0, n * one));
}

function serve(socket) {
  let size = 0; // request size once known; 0 until the first chunk says
  let replies = ERR;
  let one = ERR.length / RUN;
  let carry = 0; // bytes of a request cut by the end of the last chunk
  socket.on('data', (chunk) => {
    if (size === 0) {
      if (startsWith(chunk, SET)) [size, replies] = [SET_SIZE, OK];
      else if (startsWith(chunk, GET)) [size, replies] = [GET.length, VALUE];
      if (size !== 0) one = replies.length / RUN;
    }
    if (size === 0) {
      // Not a SET/GET connection (yet): one error per '*', good enough for CONFIG GET.
      let n = 0;
      for (let i = chunk.indexOf(0x2a); i >= 0; i = chunk.indexOf(0x2a, i + 1)) n++;
      return answer(socket, ERR, one, n);
    }
    const total = carry + chunk.length;
    carry = total % size;
    answer(socket, replies, one, (total - carry) / size);
  });
  socket.on('error', () => socket.destroy());
}

const port = Number(process.env.PORT ?? 6392);
net
  .createServer({ noDelay: true }, serve)
  .listen(port, '127.0.0.1', () => console.log(`node floor bench server listening on 127.0.0.1:${port}`));
