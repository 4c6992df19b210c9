// The proxy benchmark's floor: a blind TCP relay. Each client connection gets
// its own upstream connection and bytes are piped both ways, never looked at:
// what any Node proxy pays for sockets and copies, with no parsing at all.
// UPSTREAM (host:port) and PORT from the environment.
import net from 'node:net';

const [upstreamHost, upstreamPort] = (process.env.UPSTREAM ?? '127.0.0.1:6379').split(':');
const port = Number(process.env.PORT ?? 6382);

function relay(client) {
  client.setNoDelay(true);
  const upstream = net.connect(Number(upstreamPort), upstreamHost).setNoDelay(true);
  client.pipe(upstream);
  upstream.pipe(client);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close).on('close', close);
  upstream.on('error', close).on('close', close);
}

net.createServer(relay).listen(port, '127.0.0.1', () => console.log(`blind relay listening on 127.0.0.1:${port}`));
