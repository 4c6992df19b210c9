// A Redis proxy in a page: `UPSTREAM=127.0.0.1:6379 npm run proxy`, then `redis-cli -p 6381`.
// Each client gets its own upstream connection, so MULTI, SELECT and blocking commands
// behave as they do on Redis. Commands go up as the bytes they arrived in (inline ones are
// re-encoded as multibulk); replies come back as raw bytes, checked but never decoded. A
// pipelined burst goes up in one write, and its replies come back in as few writes as they
// arrive in.
//
// Backpressure runs end to end: a client that does not read its replies makes the proxy
// stop reading the upstream and stop forwarding that client's commands, so neither the
// proxy nor the upstream Redis holds more than a bounded amount for it. Any upstream
// failure (an error, a close, bytes that are not RESP, a silent upstream) destroys the
// upstream connection and answers every waiting command with an error.
import net from 'node:net';
import { type Command, Parser, ProtocolError, ReplyParser, Writer } from 'redisproto';

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

/** A client's command as it goes up: a multibulk request as the bytes it arrived in, an inline one re-encoded. */
function forward(cmd: Command, toUpstream: Writer): void {
  const raw = cmd.raw();
  if (raw !== null) toUpstream.writeRaw(raw);
  else toUpstream.writeCommand(cmd.args());
}

async function serve(client: net.Socket): Promise<void> {
  client.setNoDelay(true);
  const parser = new Parser(client);
  const toClient = new Writer(client);
  const upstream = net.connect(Number(upstreamPort), upstreamHost).setNoDelay(true);
  const toUpstream = new Writer(upstream);
  const replies = new ReplyParser(upstream, { maxReplyBytes: MAX_REPLY_BYTES });
  let pending = 0; // commands sent up whose reply has not come back
  // The upstream's timeout runs while it owes replies (socket activity restarts it): armed
  // and cleared only as that changes, since each setTimeout() call makes a new timer.
  const owe = (n: number): void => {
    const before = pending;
    pending += n;
    if (before === 0 && pending > 0) upstream.setTimeout(UPSTREAM_TIMEOUT_MS);
    else if (before > 0 && pending === 0) upstream.setTimeout(0);
  };
  // The upstream holds the replies of the commands in flight for a client that does not
  // read, so they are limited to about HIGH_WATER bytes of replies, judged by the replies
  // seen: 1024 GETs of small values, 4 of 256 KiB. A larger reply shrinks the window at
  // once; smaller ones widen it gradually (a moving average).
  let replySize = FIRST_REPLY_GUESS;
  const window = (): number => Math.min(MAX_IN_FLIGHT, Math.max(1, Math.floor(HIGH_WATER / replySize)));
  let lost: string | null = null; // why the upstream is gone
  /** Gives the upstream up: destroyed at once, since a paused socket would never see its own close. */
  const giveUp = (why: string): void => {
    lost ??= why;
    upstream.destroy();
  };
  upstream.on('timeout', () => giveUp(`upstream timed out: no reply within ${UPSTREAM_TIMEOUT_MS} ms`));
  client.on('timeout', () => client.destroy());
  const backlog = (): number => toClient.bufferedBytes + client.writableLength;
  // Wakes the client loop when it waits for room to forward, or for its replies.
  let wake: (() => void) | null = null;
  const changed = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  const nextChange = (): Promise<void> => new Promise((resolve) => (wake = resolve));
  // The last reply written, the client is destroyed, not just ended: one that never sends its FIN would hold it for ever.
  const closeClient = (): void => void toClient.flush().then(() => client.destroySoon(), () => client.destroy());
  await new Promise<void>((resolve) => {
    upstream.once('connect', resolve).once('error', (err) => {
      lost ??= `upstream failed: ${err.message}`;
      resolve();
    });
  });

  // Upstream to client: the replies as their raw bytes, each burst in one piece, flushed when no
  // further reply is buffered or once the high-water mark is passed; while a flush waits for the
  // client, the upstream is not read.
  const pump = async (): Promise<void> => {
    try {
      for (;;) {
        const frames = replies.tryReadFrames() ?? (await replies.readFrames());
        if (frames === null) break;
        toClient.writeRaw(frames.bytes);
        // As if each reply of the burst (taken at their average size) moved the average by 1/8.
        const size = frames.bytes.length / frames.count;
        replySize = size > replySize ? size : replySize + (size - replySize) * (1 - 0.875 ** frames.count);
        owe(-Math.min(frames.count, pending)); // pub/sub messages answer no command
        if (!replies.hasBufferedReply() || backlog() >= HIGH_WATER) {
          const flushed = toClient.flush();
          if (client.writableNeedDrain) {
            // Waiting for the client, not the upstream: only the client's stall counts.
            client.setTimeout(STALL_TIMEOUT_MS);
            upstream.setTimeout(0);
            await flushed;
            client.setTimeout(0);
            if (pending > 0) upstream.setTimeout(UPSTREAM_TIMEOUT_MS);
          } else await flushed;
        }
        changed();
      }
      giveUp('upstream closed the connection');
    } catch (err) {
      giveUp(`upstream failed: ${(err as Error).message}`);
    }
    // Every command still waiting gets an error in its place, then the client is let go.
    for (; pending > 0; pending--) toClient.writeError(`ERR ${lost}`);
    changed();
    closeClient();
  };
  const pumping = lost === null ? pump() : null;

  // Client to upstream: each command forwarded, the burst flushed when the client's burst ends.
  let clientGone = false;
  for (;;) {
    let cmd: Command | null;
    try {
      cmd = parser.tryReadCommand() ?? (await parser.readCommand());
    } catch (err) {
      if (!(err instanceof ProtocolError)) {
        clientGone = true; // the client's socket failed: nobody to answer
        break;
      }
      // Redis's reply comes after the replies of the commands before it; then
      // the client is let go, as Redis does (unbalanced quotes included).
      await toUpstream.flush().catch(() => {});
      while (pending > 0 && lost === null) await nextChange();
      if (err.reply !== null) toClient.writeError(err.reply);
      break;
    }
    if (cmd === null) break;
    // Backpressure: no more commands go up while the window of commands in
    // flight is full or the client has not taken the replies already here.
    while (lost === null && (pending >= window() || backlog() >= HIGH_WATER)) {
      if (toUpstream.bufferedBytes > 0) await toUpstream.flush().catch(() => {}); // their replies free the window
      else await nextChange();
    }
    if (lost !== null) {
      // No upstream: this burst is answered with the reason, then the client is let go.
      toClient.writeError(`ERR ${lost}`);
      if (cmd.isLast()) break;
      continue;
    }
    forward(cmd, toUpstream);
    owe(1);
    if (cmd.isLast()) await toUpstream.flush().catch(() => {}); // a failure shows up in the pump
  }
  // The replies still in flight go to the client, unless it is gone; then both sides close.
  if (!clientGone) {
    await toUpstream.flush().catch(() => {});
    while (pending > 0 && lost === null) await nextChange();
  }
  giveUp('the client left');
  await pumping;
  closeClient();
}

net
  .createServer((client) => void serve(client).catch(() => client.destroy()))
  .on('error', (err) => {
    console.error(`redisproto proxy: cannot listen on 127.0.0.1:${port}: ${err.message}`);
    process.exit(1);
  })
  .listen(port, '127.0.0.1', () =>
    console.log(`redisproto proxy listening on 127.0.0.1:${port}, upstream ${upstreamHost}:${upstreamPort}`),
  );
