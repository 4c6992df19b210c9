// What the runtime fixtures answer, shared by the Bun and the Deno server: PING, ECHO, SET and
// GET (binary-safe), QUIT, Redis's error for anything else, and Redis's protocol errors.
import { ProtocolError } from '../../dist/index.mjs';

const store = new Map();

/**
 * Answers every command the decoder holds into `out` (an Encoder), and a protocol error as Redis
 * does; returns whether the connection is to be closed once what `out` holds is sent.
 */
export function answer(decoder, out) {
  for (;;) {
    let cmd;
    try {
      cmd = decoder.next();
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      if (err.reply !== null) out.writeError(err.reply);
      if (err.fatal) return true;
      continue;
    }
    if (cmd === undefined) return false;
    if (execute(cmd, out)) return true;
  }
}

/** Answers one command; returns whether the client asked to close. */
function execute(cmd, out) {
  const name = cmd.name();
  const argc = cmd.argCount();
  if (name === 'ping' && argc <= 2) argc === 2 ? out.writeBulk(cmd.get(1)) : out.writeSimpleString('PONG');
  else if (name === 'echo' && argc === 2) out.writeBulk(cmd.get(1));
  else if (name === 'set' && argc === 3) {
    store.set(cmd.getString(1, 'latin1'), cmd.copy(2)); // a copy: the view is of the input chunk
    out.writeSimpleString('OK');
  } else if (name === 'get' && argc === 2) out.writeBulk(store.get(cmd.getString(1, 'latin1')) ?? null);
  else if (name === 'quit') {
    out.writeSimpleString('OK');
    return true;
  } else {
    const args = [];
    for (let i = 1; i < argc && i < 4; i++) args.push(`'${cmd.getString(i).slice(0, 128)}' `);
    out.writeError(`ERR unknown command '${cmd.getString(0).slice(0, 128)}', with args beginning with: ${args.join('')}`);
  }
  return false;
}
