/**
 * StreamFeed: a Readable's chunks handed to a consumer as they arrive, with
 * the stream paused whenever the consumer has enough.
 */
import type { Readable } from 'node:stream';
import { asBuffer } from './input.js';

/** What a {@link StreamFeed} delivers to its consumer. */
export interface FeedHandlers {
  /** A chunk of input, never empty. */
  chunk(chunk: Buffer): void;
  /** The stream ended (or was destroyed without an error); called once, after the last chunk. */
  end(): void;
  /** The stream failed; called once, and nothing follows. */
  error(err: unknown): void;
}

/**
 * Hands a Readable's chunks to a consumer as they arrive ('data' events), and
 * stops the stream whenever the consumer says it has enough.
 *
 * Why 'data' rather than read() on 'readable': a chunk then reaches the
 * parser in the same callback the socket delivered it in, with no stream
 * buffer, no `nextTick` and no promise between them; unpipelined, that path
 * runs once per request. Backpressure is kept by pausing: a paused socket
 * stops reading from the kernel once its small buffer fills, so a consumer
 * that stops asking holds the client back.
 */
export class StreamFeed {
  private readonly stream: Readable;
  private paused = false;
  private done = false;

  constructor(stream: Readable, handlers: FeedHandlers) {
    this.stream = stream;
    const finish = (err: unknown): void => {
      if (this.done) return;
      this.done = true;
      if (err === null) handlers.end();
      else handlers.error(err);
    };
    // Listeners are attached once for the life of the stream, never per read,
    // so a long connection cannot pile them up.
    stream.on('data', (chunk: unknown) => {
      if (this.done) return;
      const buf = toBuffer(chunk);
      if (buf === null) {
        finish(new TypeError('redisproto: the stream must yield Buffers, Uint8Arrays or strings'));
        this.stream.pause();
      } else if (buf.length > 0) handlers.chunk(buf);
    });
    stream.on('end', () => finish(null));
    // A destroyed stream emits 'close' without 'end': that is an end too,
    // unless it was destroyed with an error ('error' comes first then).
    stream.on('close', () => finish(stream.errored ?? null));
    stream.on('error', (err: Error) => finish(err));
    // A stream that is already over emits nothing more.
    if (stream.errored) finish(stream.errored);
    else if (stream.readableEnded || stream.destroyed) finish(null);
  }

  /** Stops the flow of chunks until {@link StreamFeed.resume}. */
  pause(): void {
    if (this.paused || this.done) return;
    this.paused = true;
    this.stream.pause();
  }

  /** Lets chunks flow again after {@link StreamFeed.pause}. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (!this.done) this.stream.resume();
  }
}

/** The chunk as a Buffer, or null for what is not bytes (an object-mode stream). */
function toBuffer(chunk: unknown): Buffer | null {
  if (chunk instanceof Uint8Array) return asBuffer(chunk);
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  return null;
}
