import type { Readable } from 'node:stream';

/**
 * Pulls chunks from a Readable in paused mode: bytes leave the stream only
 * when the parser asks, so an unasked stream fills up and applies its own
 * backpressure (a socket stops reading from the kernel).
 */
export class ChunkReader {
  private readonly stream: Readable;
  private ended = false;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;

  constructor(stream: Readable) {
    this.stream = stream;
    // Listeners are attached once for the life of the stream, never per read,
    // so a long connection cannot pile them up.
    const wake = (): void => {
      const w = this.wake;
      if (w !== null) {
        this.wake = null;
        w();
      }
    };
    stream.on('readable', wake);
    stream.on('end', () => {
      this.ended = true;
      wake();
    });
    // A destroyed stream emits 'close' without 'end': that is an end too.
    stream.on('close', () => {
      this.ended = true;
      wake();
    });
    stream.on('error', (err: Error) => {
      this.failure ??= err;
      wake();
    });
  }

  /** The next chunk, `null` at the end of the stream; rejects with the stream's error. */
  async next(): Promise<Buffer | null> {
    for (;;) {
      const chunk: unknown = this.stream.read();
      if (chunk !== null) return toBuffer(chunk);
      const failure = this.failure ?? this.stream.errored;
      if (failure) throw failure;
      if (this.ended || this.stream.readableEnded || this.stream.destroyed) return null;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  throw new TypeError('redisproto: the stream must yield Buffers, Uint8Arrays or strings');
}
