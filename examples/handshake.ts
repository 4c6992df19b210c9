// What a client asks a Redis-speaking server before its first real command, shared by the RESP3
// demo and the cluster demo: HELLO (switching the connection between RESP2 and RESP3) and
// CONFIG GET (a map in RESP3, a flat array in RESP2), answered in Redis 7's words and order.
import type { Command, Writer } from 'redisproto';
import { globMatch } from './glob.js';

/** HELLO [protover [AUTH user pass] [SETNAME name]]: checked in Redis's order; switches `out` on success. */
export function hello(cmd: Command, out: Writer, id: number, mode: 'standalone' | 'cluster'): void {
  const argc = cmd.argCount();
  const v = argc > 1 ? cmd.getString(1)! : String(out.protocol);
  if (!/^(0|-?[1-9]\d*)$/.test(v) || BigInt.asIntN(64, BigInt(v)) !== BigInt(v)) return out.writeError('ERR Protocol version is not an integer or out of range');
  if (v !== '2' && v !== '3') return out.writeError('NOPROTO unsupported protocol version');
  for (let i = 2; i < argc; i++) {
    const opt = cmd.getString(i)!, more = argc - 1 - i;
    if (/^auth$/i.test(opt) && more >= 2) {
      // No password is set: user 'default' takes any.
      if (cmd.getString(i + 1, 'latin1') !== 'default') return out.writeError('WRONGPASS invalid username-password pair or user is disabled.');
      i += 2;
    } else if (/^setname$/i.test(opt) && more >= 1) {
      if (!/^[!-~]*$/.test(cmd.getString(++i, 'latin1')!)) return out.writeError('ERR Client names cannot contain spaces, newlines or special characters.');
    } else {
      return out.writeError(`ERR Syntax error in HELLO option '${opt}'`);
    }
  }
  out.protocol = v === '3' ? 3 : 2; // this connection's replies are RESP3 (or RESP2) from here on
  out.writeAny({ server: 'redis', version: '7.0.15', proto: out.protocol, id, mode, role: 'master', modules: [] });
}

/** CONFIG GET pattern…, over the names and values in `config`; any other CONFIG subcommand is refused as Redis does. */
export function configGet(cmd: Command, out: Writer, config: Record<string, string>): void {
  const argc = cmd.argCount();
  if (argc < 2) return out.writeError("ERR wrong number of arguments for 'config' command");
  const sub = cmd.getString(1)!;
  if (sub.toLowerCase() !== 'get') return out.writeError(`ERR unknown subcommand '${sub.slice(0, 128)}'. Try CONFIG HELP.`);
  if (argc < 3) return out.writeError("ERR wrong number of arguments for 'config|get' command");
  const found: Record<string, string> = {};
  for (let i = 2; i < argc; i++) {
    const p = cmd.getString(i)!;
    if (!/[[*?]/.test(p)) {
      if (Object.hasOwn(config, p.toLowerCase())) found[p] ??= config[p.toLowerCase()]; // Redis 7.0 echoes an exact name as written
    } else {
      for (const k in config) if (globMatch(p, k, true)) found[k] ??= config[k]; // Redis's glob: `[` alone is no error
    }
  }
  out.writeAny(found);
}
