// Shared plumbing for tests that talk to real peers: binaries, free ports, the demo.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import net from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Parser, Writer, type Command, type ParserOptions, type WriterOptions } from '../src/index.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

/**
 * Whether an executable is on the PATH. A missing one skips its tests loudly
 * when run by hand, and fails them in CI, where `.ci/run` must have installed it.
 */
export function requireBinary(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    if (IN_CI) throw new Error(`${name} is not installed, and CI must run every test (see .ci/run)`);
    console.warn(`\n*** SKIPPING tests that need ${name}: it is not installed ***\n`);
    return false;
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Started {
  port: number;
  process: ChildProcess;
  /** Everything the process printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/** A command (an npm script, a runtime) running in its own process group, and what it printed. */
export interface Spawned {
  process: ChildProcess;
  /** Everything the process printed so far. */
  output(): string;
  /** Ends the command and every process it started (one process group). */
  stop(): Promise<void>;
  /** The match of `ready` in the output that said the command was up. */
  ready: RegExpExecArray;
}

/**
 * Runs `npm run <script>` (`npm start` for 'start') with `env`, and resolves
 * once its output matches `ready`; rejects if it exits first or says nothing
 * matching within `timeoutMs`.
 */
export function spawnScript(script: string, env: Record<string, string>, ready: RegExp, timeoutMs = 30_000): Promise<Spawned> {
  return spawnReady('npm', ['--silent', ...(script === 'start' ? ['start'] : ['run', script])], env, ready, timeoutMs);
}

/**
 * Runs `command` from the repository's root with `env` added, in a process
 * group of its own, and resolves once its standard output matches `ready`;
 * rejects if it exits first or says nothing matching within `timeoutMs`.
 */
export async function spawnReady(command: string, args: string[], env: Record<string, string>, ready: RegExp, timeoutMs = 30_000): Promise<Spawned> {
  const label = [command, ...args].join(' ');
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so stop() ends it and all it started (npm, tsx, node) together
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      return;
    }
    await exited;
  };
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label} did not start:\n${output}`)), timeoutMs);
    const check = (): void => {
      const m = ready.exec(output);
      if (m === null) return;
      clearTimeout(timer);
      resolve(m);
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited with ${code}:\n${output}`));
    });
  });
  return { process: child, output: () => output, stop, ready: match };
}

/**
 * Starts an npm script the way the README's table of examples says (`npm start`, `npm run proxy`, …)
 * with `PORT` set, and resolves once it prints that it is listening.
 */
export async function startScript(script: string, env: Record<string, string> = {}): Promise<Started> {
  const port = await freePort();
  const { process: child, output, stop } = await spawnScript(script, { ...env, PORT: String(port) }, /listening/i);
  return { port, process: child, output, stop };
}

/** Sends `bytes` on a new connection and returns everything received until the peer closes. */
export function exchange(port: number, bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(received)));
    socket.write(bytes);
  });
}

/** A redis-server on a free loopback port, with no persistence. */
export async function startRedisServer(extra: string[] = []): Promise<Started> {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extra];
  const server = await spawnReady('redis-server', args, {}, /Ready to accept connections/, 20_000);
  return { port, process: server.process, output: server.output, stop: server.stop };
}

/** What parsing a byte stream yields: the commands' arguments, then an error or the end. */
export interface Parsed {
  commands: string[][];
  error: { message: string; fatal: boolean } | null;
}

/**
 * Feeds `chunks` to a Parser one read at a time (an object-mode stream keeps
 * the boundaries, where a byte stream would merge what is buffered) and
 * collects everything it yields.
 */
export async function parseChunks(chunks: Uint8Array[], options?: ParserOptions): Promise<Parsed> {
  const parser = new Parser(Readable.from(chunks), options);
  const commands: string[][] = [];
  for (;;) {
    let cmd: Command | null;
    try {
      cmd = await parser.readCommand();
    } catch (err) {
      const e = err as { message: string; fatal: boolean };
      if (e.fatal === false) {
        commands.push([`<recoverable: ${e.message}>`]);
        continue;
      }
      return { commands, error: { message: e.message, fatal: e.fatal } };
    }
    if (cmd === null) return { commands, error: null };
    commands.push(cmd.args().map((a) => a.toString('latin1')));
  }
}

/** Parses `bytes` delivered in one chunk. */
export function parseWhole(bytes: string | Uint8Array, options?: ParserOptions): Promise<Parsed> {
  return parseChunks([typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes], options);
}

/** A Writer over a PassThrough, and what it has sent once flushed. */
export function captureWriter(options?: WriterOptions): { writer: Writer; sent(): Promise<Buffer> } {
  const stream = new PassThrough();
  const writer = new Writer(stream, options);
  const received: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => received.push(chunk));
  return {
    writer,
    async sent() {
      await writer.flush();
      await new Promise((resolve) => setImmediate(resolve));
      return Buffer.concat(received);
    },
  };
}
