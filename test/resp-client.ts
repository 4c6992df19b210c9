// The client side of the socket tests: encodes requests, and decodes replies
// with redis-parser (a peer implementation, so the server is not judged by
// its own code).
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';

interface RedisParserLike {
  execute(chunk: Buffer): void;
}
type RedisParserClass = new (options: {
  returnReply: (reply: unknown) => void;
  returnError: (err: Error) => void;
  returnFatalError?: (err: Error) => void;
  returnBuffers?: boolean;
}) => RedisParserLike;
const RedisParser = createRequire(import.meta.url)('redis-parser') as RedisParserClass;

/** `*<n>\r\n$<len>\r\n<arg>\r\n…` for the given arguments. */
export function encode(...args: (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = typeof arg === 'string' ? Buffer.from(arg, 'latin1') : arg;
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** A reply that is an error reply: its message. */
export class ErrorReply {
  constructor(readonly message: string) {}
}

/**
 * Reads every reply a socket receives, in order. Simple strings, bulks and
 * integers come as strings/numbers (see `buffers`), error replies as {@link ErrorReply}.
 */
export class RespClient {
  private readonly replies: unknown[] = [];
  private waiter: (() => void) | null = null;
  private ended = false;
  /** How many replies have arrived in all. */
  received = 0;
  /** Resolves when the socket has closed. */
  readonly closed: Promise<void>;

  /** With `buffers`, simple strings and bulks come as Buffers (binary-safe) instead of strings. */
  constructor(
    readonly socket: Duplex,
    options: { buffers?: boolean } = {},
  ) {
    const push = (reply: unknown): void => {
      this.received++;
      this.replies.push(reply);
      this.wake();
    };
    const parser = new RedisParser({
      returnReply: push,
      returnError: (err) => push(new ErrorReply(err.message)),
      returnFatalError: (err) => push(err),
      returnBuffers: options.buffers ?? false,
    });
    socket.on('data', (chunk: Buffer) => parser.execute(chunk));
    socket.on('error', () => {}); // a reset shows as the close below
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.ended = true;
        this.wake();
        resolve();
      }),
    );
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  /** Sends one request. */
  send(...args: (string | Buffer)[]): void {
    this.socket.write(encode(...args));
  }

  /** The next reply; rejects if the connection closes first. */
  async next(): Promise<unknown> {
    while (this.replies.length === 0) {
      if (this.ended) throw new Error('the connection closed before the reply');
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
    return this.replies.shift();
  }

  /** Sends one request and waits for its reply. */
  async call(...args: (string | Buffer)[]): Promise<unknown> {
    this.send(...args);
    return this.next();
  }

  /** Every reply left once the connection has closed. */
  async rest(): Promise<unknown[]> {
    await this.closed;
    return this.replies.splice(0);
  }
}
