// A small key-value server on the toolkit, built like the demo but with the
// production pattern for misbehaving clients: replies are flushed when the
// burst ends or when a high-water mark of unsent bytes is passed, and each
// flush is awaited, so a client that does not read stops being read from.
//
// Used in-process by the hostile, teardown and transport tests, and run as a
// child process (`node --import tsx test/toolkit-server.ts`) where a test must
// measure the server's memory apart from its own clients.
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { type Command, Parser, type ParserOptions, ProtocolError, Writer } from '../src/index.js';
import { spawnReady } from './helpers.js';
import type { RespClient } from './resp-client.js';

export interface ServerOptions {
  /** Limits given to each connection's Parser. */
  parser?: ParserOptions;
  /** Unsent reply bytes past which the server stops to flush. Default 1 MiB. */
  highWater?: number;
  /** Closes a connection idle (nothing read, nothing written) this long; 0 never. */
  idleTimeoutMs?: number;
}

/** Counters a test can assert on; `STATS` returns them with the process's memory. */
export interface ServerStats {
  accepted: number;
  open: number;
  /** Commands executed, STATS itself not counted. */
  commands: number;
  protocolErrors: number;
  ioErrors: number;
  timeouts: number;
  /** Connections waiting in flush() for their replies to drain, so not being read from. */
  flushing: number;
  /** The client ports of the last connections closed by the idle timeout (TCP only), newest last. */
  timedOutPorts: number[];
  /** The last ProtocolError message, if any. */
  lastError: string;
}

export type Transport = { kind: 'tcp' } | { kind: 'unix'; path: string } | { kind: 'tls'; key: Buffer; cert: Buffer };

export class ToolkitServer {
  readonly store = new Map<string, Buffer>();
  readonly stats: ServerStats = { accepted: 0, open: 0, commands: 0, protocolErrors: 0, ioErrors: 0, timeouts: 0, flushing: 0, timedOutPorts: [], lastError: '' };
  private readonly highWater: number;
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly options: ServerOptions = {}) {
    this.highWater = options.highWater ?? 1024 * 1024;
  }

  /** Serves one connection until it ends; never rejects. */
  async handle(socket: net.Socket): Promise<void> {
    this.stats.accepted++;
    this.stats.open++;
    this.sockets.add(socket);
    if (this.options.idleTimeoutMs) {
      socket.setTimeout(this.options.idleTimeoutMs, () => {
        this.stats.timeouts++;
        if (socket.remotePort !== undefined) this.stats.timedOutPorts = [...this.stats.timedOutPorts.slice(-99), socket.remotePort];
        socket.destroy();
      });
    }
    const parser = new Parser(socket, this.options.parser);
    const out = new Writer(socket);
    let clean = false;
    try {
      for (;;) {
        let cmd: Command | null;
        try {
          cmd = await parser.readCommand();
        } catch (err) {
          if (!(err instanceof ProtocolError)) {
            this.stats.ioErrors++; // reset or destroyed with an error: nothing to answer
            break;
          }
          this.stats.protocolErrors++;
          this.stats.lastError = err.message;
          if (err.reply !== null) out.writeError(err.reply); // null where Redis closes without a word
          await out.flush();
          if (err.fatal) {
            clean = true; // the framing is lost: close after the reply, as Redis does
            break;
          }
          continue;
        }
        if (cmd === null) {
          clean = true;
          break;
        }
        const quit = this.execute(cmd, out);
        // The backpressure pattern: flush at the end of a burst, or as soon as
        // the unsent replies (ours and the socket's) pass the high-water mark;
        // awaiting flush() means no further command is read until they drain.
        if (quit || cmd.isLast() || out.bufferedBytes + socket.writableLength >= this.highWater) {
          this.stats.flushing++;
          try {
            await out.flush();
          } finally {
            this.stats.flushing--;
          }
        }
        if (quit) {
          clean = true;
          break;
        }
      }
    } catch {
      // flush() rejected: the peer is gone, its replies are lost.
    } finally {
      this.stats.open--;
      this.sockets.delete(socket);
      if (clean) socket.end();
      else socket.destroy();
    }
  }

  private execute(cmd: Command, out: Writer): boolean {
    const argc = cmd.argCount();
    const name = cmd.name();
    if (name !== 'stats') this.stats.commands++; // so that watching the server does not move the count
    switch (name) {
      case 'ping':
        out.writeSimpleString('PONG');
        break;
      case 'get':
        out.writeBulk(argc === 2 ? (this.store.get(cmd.getString(1, 'latin1')!) ?? null) : null);
        break;
      case 'set':
        if (argc !== 3) {
          out.writeError("ERR wrong number of arguments for 'set' command");
          break;
        }
        this.store.set(cmd.getString(1, 'latin1')!, cmd.copy(2)!); // a copy pins no input chunk
        out.writeSimpleString('OK');
        break;
      case 'stats': {
        if (cmd.getString(1) === 'gc') (globalThis as { gc?: () => void }).gc?.();
        const m = process.memoryUsage();
        let bytesRead = 0;
        for (const socket of this.sockets) bytesRead += socket.bytesRead;
        out.writeBulkString(
          JSON.stringify({ ...this.stats, bytesRead, rss: m.rss, maxRss: process.resourceUsage().maxRSS * 1024, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers }),
        );
        break;
      }
      case 'quit':
        out.writeSimpleString('OK');
        return true;
      default:
        out.writeError(`ERR unknown command '${cmd.getString(0)!.slice(0, 128)}'`);
    }
    return false;
  }

  /** Listens on a loopback TCP port, a Unix socket or TLS; resolves with how to reach it. */
  async listen(transport: Transport): Promise<Listening> {
    const onSocket = (socket: net.Socket): void => void this.handle(socket);
    const server: net.Server =
      transport.kind === 'tls'
        ? tls.createServer({ key: transport.key, cert: transport.cert }, onSocket)
        : net.createServer(onSocket);
    // A handshake that fails (a plain-text client on the TLS port) must not take the server down.
    server.on('tlsClientError', () => {});
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      if (transport.kind === 'unix') server.listen(transport.path, resolve);
      else server.listen(0, '127.0.0.1', resolve);
    });
    const address = server.address();
    const close = async (): Promise<void> => {
      for (const socket of this.sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    };
    return typeof address === 'string'
      ? { path: address, port: 0, close }
      : { path: '', port: (address as net.AddressInfo).port, close };
  }
}

/** What `STATS` answers: the counters, the bytes the open sockets have read, and the process's memory. */
export interface StatsReply extends ServerStats {
  bytesRead: number;
  rss: number;
  /** The process's peak resident memory so far. */
  maxRss: number;
  heapUsed: number;
  arrayBuffers: number;
}

/** Asks a server for its {@link StatsReply}, after a full garbage collection if `gc` (child servers only). */
export async function readStats(client: RespClient, gc = false): Promise<StatsReply> {
  const reply = await client.call(...(gc ? ['STATS', 'gc'] : ['STATS']));
  if (typeof reply !== 'string') throw new Error(`STATS answered ${String(reply)}`);
  return JSON.parse(reply) as StatsReply;
}

export interface Listening {
  /** The TCP port, or 0 for a Unix socket. */
  port: number;
  /** The Unix socket's path, or '' for TCP. */
  path: string;
  close(): Promise<void>;
}

/** A ToolkitServer in its own process, so its memory can be measured apart from the test's clients. */
export interface ChildServer {
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

const SELF = fileURLToPath(import.meta.url);

/** Starts this file as a TCP server in a child process with `--expose-gc`; options travel as JSON. */
export async function startChildServer(options: ServerOptions = {}): Promise<ChildServer> {
  const env = { TOOLKIT_SERVER_OPTIONS: JSON.stringify(options) };
  const child = await spawnReady(process.execPath, ['--expose-gc', '--import', 'tsx', SELF], env, /listening on 127\.0\.0\.1:(\d+)/);
  return { port: Number(child.ready[1]), process: child.process, stop: child.stop };
}

if (process.argv[1] === SELF) {
  const options = JSON.parse(process.env.TOOLKIT_SERVER_OPTIONS ?? '{}') as ServerOptions;
  const listening = await new ToolkitServer(options).listen({ kind: 'tcp' });
  console.log(`toolkit server listening on 127.0.0.1:${listening.port}`);
}

/** Connects a plain socket to a server started by {@link ToolkitServer.listen} or {@link startChildServer}. */
export function connect(where: { port: number; path?: string }): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = where.path ? net.connect(where.path) : net.connect(where.port, '127.0.0.1');
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/**
 * Polls `check` every `everyMs` until it returns a value other than
 * `undefined`; rejects with `what` after `timeoutMs`. The timeout is a bound
 * against hanging, never the measure of a test.
 */
export async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
