// A Redis proxy in a page: `UPSTREAM=127.0.0.1:6379 npm run proxy`, then `redis-cli -p 6381`.
// Each client gets its own upstream connection, so MULTI, SELECT and blocking commands
// behave as they do on Redis. Commands go up re-encoded (inline ones become multibulk);
// replies come back as raw frames, never decoded. A pipelined burst goes up in one write,
// and its replies come back in as few writes as they arrive in.
import { once } from 'node:events';
import net from 'node:net';
import { type Command, Parser, ProtocolError, ReplyParser, Writer } from 'redisproto';

const [upstreamHost, upstreamPort] = (process.env.UPSTREAM ?? '127.0.0.1:6379').split(':');
const port = Number(process.env.PORT ?? 6381);

async function serve(client: net.Socket): Promise<void> {
  client.setNoDelay(true);
  const parser = new Parser(client);
  const toClient = new Writer(client);
  const upstream = net.connect(Number(upstreamPort), upstreamHost).setNoDelay(true);
  const toUpstream = new Writer(upstream);
  const replies = new ReplyParser(upstream);
  let pending = 0; // commands sent up whose reply has not come back
  let lost: string | null = null; // why the upstream is gone
  let settled = (): void => {}; // wakes the client loop when pending reaches 0
  try {
    await once(upstream, 'connect');
  } catch (err) {
    lost = `upstream failed: ${(err as Error).message}`;
  }

  // Upstream to client: each reply as its raw bytes, flushed when no further reply is buffered.
  const pump = async (): Promise<void> => {
    try {
      for (;;) {
        const frame = replies.tryReadFrame() ?? (await replies.readFrame());
        if (frame === null) break;
        toClient.writeRaw(frame);
        if (pending > 0 && --pending === 0) settled();
        // A client that went away ends the upstream connection, which ends this loop.
        if (!replies.hasBufferedReply()) await toClient.flush().catch(() => upstream.destroy());
      }
      lost = 'upstream closed the connection';
    } catch (err) {
      lost = `upstream failed: ${(err as Error).message}`;
    }
    // Every command still waiting gets an error in its place, then the client is let go.
    for (; pending > 0; pending--) toClient.writeError(`ERR ${lost}`);
    settled();
    await toClient.flush().catch(() => {});
    client.end();
  };
  const pumping = lost === null ? pump() : null;

  // Client to upstream: each command re-encoded, the burst flushed when the client's burst ends.
  for (;;) {
    let cmd: Command | null;
    try {
      cmd = parser.tryReadCommand() ?? (await parser.readCommand());
    } catch (err) {
      if (!(err instanceof ProtocolError)) break; // the client's socket failed
      // Redis's own error, after the replies of the commands before it.
      await toUpstream.flush().catch(() => {});
      if (pending > 0 && lost === null) await new Promise<void>((resolve) => (settled = resolve));
      toClient.writeError('ERR ' + err.message);
      await toClient.flush().catch(() => {});
      if (err.fatal) break;
      continue;
    }
    if (cmd === null) break;
    if (lost !== null) {
      // No upstream: this burst is answered with the reason, then the client is let go.
      toClient.writeError(`ERR ${lost}`);
      if (!cmd.isLast()) continue;
      await toClient.flush().catch(() => {});
      break;
    }
    toUpstream.writeCommand(cmd.args());
    pending++;
    if (cmd.isLast()) await toUpstream.flush().catch(() => {}); // a failure shows up in the pump
  }
  // The client is done (or its framing is lost): wait for the replies in flight, then close both sides.
  upstream.end();
  await pumping;
  client.end();
}

net
  .createServer((client) => void serve(client).catch(() => client.destroy()))
  .listen(port, '127.0.0.1', () =>
    console.log(`redisproto proxy listening on 127.0.0.1:${port}, upstream ${upstreamHost}:${upstreamPort}`),
  );
