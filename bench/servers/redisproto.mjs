// The end-to-end benchmark's redisproto server: SET/GET (and PING) answered
// like the demo (examples/server.ts), on the built package, PORT from the environment.
import net from 'node:net';
import { Parser, ProtocolError, Writer } from '../../dist/index.js';

const store = new Map();

function execute(cmd, out) {
  const name = cmd.name();
  const argc = cmd.argCount();
  if (name === 'get' && argc === 2) out.writeBulk(store.get(cmd.getString(1, 'latin1')) ?? null);
  else if (name === 'set' && argc === 3) {
    store.set(cmd.getString(1, 'latin1'), cmd.copy(2)); // a copy: a view would pin the input chunk
    out.writeSimpleString('OK');
  } else if (name === 'ping') out.writeSimpleString('PONG');
  else out.writeError(`ERR unknown command '${cmd.getString(0).slice(0, 128)}'`);
}

async function serve(socket) {
  const parser = new Parser(socket);
  const out = new Writer(socket);
  for (;;) {
    let cmd;
    try {
      cmd = parser.tryReadCommand() ?? (await parser.readCommand()); // a promise only when it must wait
    } catch (err) {
      if (!(err instanceof ProtocolError)) return void socket.destroy();
      if (err.reply !== null) out.writeError(err.reply);
      await out.flush();
      if (err.fatal) return void socket.end();
      continue;
    }
    if (cmd === null) return void socket.end();
    execute(cmd, out);
    if (cmd.isLast()) await out.flush();
  }
}

const port = Number(process.env.PORT ?? 6390);
net
  .createServer({ noDelay: true }, (socket) => void serve(socket).catch(() => socket.destroy()))
  .listen(port, '127.0.0.1', () => console.log(`redisproto bench server listening on 127.0.0.1:${port}`));
