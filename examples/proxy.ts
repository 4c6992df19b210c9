// A Redis proxy in a page: `UPSTREAM=127.0.0.1:6379 npm run proxy`, then `redis-cli -p 6381`.
// Each client gets its own upstream connection, so MULTI, SELECT and blocking commands
// behave as they do on Redis. Commands go up as the bytes they arrived in, a pipelined run
// of them as one view with no object per command (inline ones are re-encoded as multibulk);
// replies come back as raw bytes, checked but never decoded. A pipelined burst goes up in one
// write, and its replies come back in as few writes as they arrive in.
//
// It owns its I/O: the synchronous decoders run inside the sockets' 'data' handlers, so each
// burst is forwarded in the callback that delivered it, with no promise or await in between.
// That is what brings its cost near a blind relay's (bench/proxy.ts: 1.0×–1.5× its CPU per request, run to run).
//
// Backpressure runs end to end: a client that does not read its replies makes the proxy
// stop reading the upstream and stop forwarding that client's commands, so neither the
// proxy nor the upstream Redis holds more than a bounded amount for it. Any upstream
// failure (an error, a close, bytes that are not RESP, a silent upstream) destroys the
// upstream connection and answers every waiting command with an error.
import net from 'node:net';
import { ProtocolError, ReplyDecoder, RequestDecoder, Writer } from 'redisproto';

const [upstreamHost, upstreamPort] = (process.env.UPSTREAM ?? '127.0.0.1:6379').split(':');
const port = Number(process.env.PORT ?? 6381);
/**
 * An upstream that owes replies and sends nothing for this long is given up (0: never).
 * A blocking command (BLPOP with a longer timeout) must fit within it.
 */
const UPSTREAM_TIMEOUT_MS = Number(process.env.UPSTREAM_TIMEOUT_MS ?? 30_000);
/** A client that takes none of the replies waiting for it for this long is dropped (0: never). */
const STALL_TIMEOUT_MS = Number(process.env.STALL_TIMEOUT_MS ?? 60_000);
/** Reply bytes waiting for a client past which the proxy stops reading the upstream and forwarding commands. */
const HIGH_WATER = 1024 * 1024;
/** Most commands sent up whose replies have not come back, however small their replies. */
const MAX_IN_FLIGHT = Number(process.env.MAX_IN_FLIGHT ?? 1024);
/**
 * Largest reply passed on. Each reply is gathered whole before it is forwarded, so
 * this bounds what one reply costs the proxy; one that passes it (a reply that never
 * ends, say) fails the upstream. Raise it to proxy values larger than 64 MiB.
 */
const MAX_REPLY_BYTES = Number(process.env.MAX_REPLY_BYTES ?? 64 * 1024 * 1024);
/** The reply size assumed before any reply is seen: a new connection's first commands go up 16 at a time. */
const FIRST_REPLY_GUESS = 64 * 1024;

function serve(client: net.Socket): void {
  client.setNoDelay(true);
  const upstream = net.connect(Number(upstreamPort), upstreamHost).setNoDelay(true);
  const requests = new RequestDecoder();
  const replies = new ReplyDecoder({ maxReplyBytes: MAX_REPLY_BYTES });
  const toClient = new Writer(client);
  const toUpstream = new Writer(upstream);
  let connected = false;
  let pending = 0; // commands sent up whose reply has not come back
  let lost: string | null = null; // why the upstream is gone
  // Set once the client has sent its last command (it ended, or broke the framing): what to
  // answer after the replies still owed (Redis's protocol error, or nothing), then the close.
  let last: { reply: Buffer | null } | null = null;
  let closing = false;
  // The upstream holds the replies of the commands in flight for a client that does not
  // read, so they are limited to about HIGH_WATER bytes of replies, judged by the replies
  // seen: 1024 GETs of small values, 4 of 256 KiB. A larger reply shrinks the window at
  // once; smaller ones widen it gradually (a moving average).
  let replySize = FIRST_REPLY_GUESS;
  const window = (): number => Math.min(MAX_IN_FLIGHT, Math.max(1, Math.floor(HIGH_WATER / replySize)));
  const backlog = (): number => toClient.bufferedBytes + client.writableLength;
  const ignore = (): void => {};

  /** The last reply written, the client is destroyed, not just ended: one that never sends its FIN would hold it for ever. */
  const closeClient = (): void => {
    if (closing) return;
    closing = true;
    upstream.destroy();
    void toClient.flush().then(() => client.destroySoon(), () => client.destroy());
  };

  // The upstream's timeout runs while it owes replies (socket activity restarts it): armed
  // and cleared only as that changes, since each setTimeout() call makes a new timer.
  const owe = (n: number): void => {
    const before = pending;
    pending += n;
    if (before === 0 && pending > 0) upstream.setTimeout(UPSTREAM_TIMEOUT_MS);
    else if (before > 0 && pending === 0) upstream.setTimeout(0);
  };

  /** Once nothing is owed to a client that has sent its last command: its refusal, if any, then the close. */
  const settle = (): void => {
    if (last === null || pending > 0) return;
    if (last.reply !== null) toClient.writeError(last.reply);
    closeClient();
  };

  /**
   * Client to upstream: the commands buffered, forwarded while the window of commands in
   * flight has room and the client takes its replies; the burst goes up in one write. The
   * client is read again only once every command it sent has been taken.
   */
  const forward = (): void => {
    if (last !== null) return;
    for (;;) {
      const room = window() - pending;
      if (lost === null && (room <= 0 || backlog() >= HIGH_WATER)) {
        client.pause(); // the replies coming back open the window again
        break;
      }
      let cmd;
      try {
        // Multibulk requests go up as the bytes they came in, a run of them in one piece
        // and no Command each; next() gives the rest (inline requests, errors, the wait).
        const frames = lost === null ? requests.nextFrames(room) : undefined;
        if (frames !== undefined) {
          toUpstream.writeRaw(frames.bytes);
          owe(frames.count);
          continue;
        }
        cmd = requests.next();
      } catch (err) {
        // Redis's reply comes after the replies of the commands before it; then the
        // client is let go, as Redis does (unbalanced quotes included).
        last = { reply: err instanceof ProtocolError ? err.reply : null };
        client.pause();
        break;
      }
      if (cmd === undefined) {
        if (!closing) client.resume();
        break;
      }
      if (lost !== null) {
        // No upstream: the burst is answered with the reason, then the client is let go.
        toClient.writeError(`ERR ${lost}`);
        if (cmd.isLast()) last = { reply: null };
        continue;
      }
      const raw = cmd.raw();
      if (raw !== null) toUpstream.writeRaw(raw);
      else toUpstream.writeCommand(cmd.args()); // inline: no RESP form to forward
      owe(1);
    }
    toUpstream.flushNow(); // a failure shows up as the upstream's error or close
    settle();
  };

  /** Gives the upstream up: every command waiting gets the reason in its place. */
  const giveUp = (why: string): void => {
    if (lost !== null) return;
    lost = why;
    upstream.destroy();
    const answered = pending;
    for (; pending > 0; pending--) toClient.writeError(`ERR ${why}`);
    // The client is let go once it has had an answer; one whose upstream never came up and
    // that has sent nothing yet gets its first burst answered with the reason first.
    if (connected || answered > 0 || last !== null) closeClient();
    else forward();
  };

  client.on('data', (chunk: Buffer) => {
    requests.push(chunk);
    forward();
  });
  client.on('end', () => {
    if (last !== null) return;
    try {
      requests.end();
      last = { reply: null };
    } catch (err) {
      last = { reply: err instanceof ProtocolError ? err.reply : null };
    }
    settle();
  });
  client.on('drain', () => {
    // The client took its replies: the upstream is read again, and only its silence counts.
    client.setTimeout(0);
    if (pending > 0) upstream.setTimeout(UPSTREAM_TIMEOUT_MS);
    upstream.resume();
    forward();
  });
  client.on('timeout', () => client.destroy());
  client.on('close', () => {
    closing = true;
    upstream.destroy();
  });
  client.on('error', ignore); // 'close' follows

  // Upstream to client: the replies as their raw bytes, each burst in one piece; while the
  // client does not take them, the upstream is not read.
  upstream.on('connect', () => (connected = true));
  upstream.on('data', (chunk: Buffer) => {
    replies.push(chunk);
    try {
      for (let frames; (frames = replies.nextFrames()) !== undefined; ) {
        toClient.writeRaw(frames.bytes);
        // As if each reply of the burst (taken at their average size) moved the average by 1/8.
        const size = frames.bytes.length / frames.count;
        replySize = size > replySize ? size : replySize + (size - replySize) * (1 - 0.875 ** frames.count);
        owe(-Math.min(frames.count, pending)); // pub/sub messages answer no command
      }
    } catch (err) {
      giveUp(`upstream failed: ${(err as Error).message}`);
      return;
    }
    if (!toClient.flushNow() && !client.destroyed) {
      // Waiting for the client, not the upstream: only the client's stall counts.
      upstream.pause();
      upstream.setTimeout(0);
      client.setTimeout(STALL_TIMEOUT_MS);
    }
    forward(); // the window may have room again
    settle();
  });
  upstream.on('timeout', () => giveUp(`upstream timed out: no reply within ${UPSTREAM_TIMEOUT_MS} ms`));
  upstream.on('error', (err) => giveUp(`upstream failed: ${err.message}`));
  upstream.on('close', () => giveUp('upstream closed the connection'));
}

// Half-open: a client that sends its FIN right after its commands still gets their replies.
net
  .createServer({ allowHalfOpen: true }, serve)
  .on('error', (err) => {
    console.error(`redisproto proxy: cannot listen on 127.0.0.1:${port}: ${err.message}`);
    process.exit(1);
  })
  .listen(port, '127.0.0.1', () =>
    console.log(`redisproto proxy listening on 127.0.0.1:${port}, upstream ${upstreamHost}:${upstreamPort}`),
  );
