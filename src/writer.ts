// Writer: an Encoder whose replies go to a Node stream in few writes.
import type { Writable } from 'node:stream';
import { Encoder, type EncoderOptions } from './encoder.js';

/** Options of a {@link Writer}: those of its {@link Encoder}. */
export type WriterOptions = EncoderOptions;

const RESOLVED = Promise.resolve();

/**
 * Buffers RESP replies and writes them to a stream in as few `write` calls as
 * possible: an {@link Encoder} whose bytes go to the stream.
 *
 * Write methods never throw for I/O reasons and never block: they append to a
 * buffer. Bytes reach the stream at {@link Writer.flush}, or earlier once
 * `bufferSize` bytes are buffered. A failure of the stream (closed, reset) is
 * reported by the next `flush()`: the Writer listens for the stream's
 * `'error'` once, for the stream's life, so a reset between flushes is never
 * an unhandled `'error'` event. The buffer is allocated at the first reply,
 * so an idle connection costs none.
 *
 * Buffers given to {@link Encoder.writeBulk} from 16 KiB up are passed to the
 * stream without a copy: do not modify them until the flush has resolved.
 */
export class Writer extends Encoder {
  private readonly stream: Writable;
  private failure: Error | null = null;
  private draining: Promise<void> | null = null;
  private readonly onWritten = (err?: Error | null): void => {
    if (err) this.failure ??= err;
  };

  constructor(stream: Writable, options: WriterOptions = {}) {
    super(options);
    this.stream = stream;
    // Listened to for the life of the stream: a reset between flushes is then
    // kept for the next flush() instead of being an unhandled 'error' event.
    stream.on('error', this.onWritten);
  }

  /**
   * Hands the buffered replies to the stream and resolves once the stream can
   * take more: at once, or after `'drain'` when the stream's buffer is full.
   * Rejects if the stream has failed or closed; the replies are then lost.
   */
  flush(): Promise<void> {
    this.spill();
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.draining !== null) return this.draining;
    if (!this.stream.writableNeedDrain) return RESOLVED;
    const draining = new Promise<void>((resolve, reject) => {
      const stream = this.stream;
      const settle = (err: Error | null): void => {
        stream.off('drain', onDrain);
        stream.off('close', onClose);
        stream.off('error', onError);
        this.draining = null;
        if (err === null) resolve();
        else reject(err);
      };
      const onDrain = (): void => settle(null);
      const onClose = (): void => settle(this.failure ?? closedError());
      const onError = (err: Error): void => {
        this.failure ??= err;
        settle(err);
      };
      stream.on('drain', onDrain);
      stream.on('close', onClose);
      stream.on('error', onError);
    });
    this.draining = draining;
    return draining;
  }

  /**
   * Hands the buffered replies to the stream now and returns, with no promise:
   * for code that drives its sockets from their own callbacks (a `'data'`
   * handler), where each awaited or caught `flush()` costs a microtask. Returns
   * what `stream.write()` returns: `false` when the stream's buffer is full and
   * the caller should wait for its `'drain'` before writing more; also `false`
   * once the stream has failed (its `'error'` or `'close'` tells, and
   * {@link Writer.flush} rejects with the failure).
   */
  flushNow(): boolean {
    this.spill();
    return this.failure === null && !this.stream.writableNeedDrain;
  }

  /** Finished bytes go to the stream, unless it has failed or closed. */
  protected override passOn(chunk: Uint8Array): void {
    const stream = this.stream;
    if (this.failure !== null) return;
    if (stream.destroyed || stream.writableEnded) {
      // Writing now would raise an 'error' event nobody may be listening to.
      this.failure = closedError();
      return;
    }
    stream.write(chunk, this.onWritten);
  }
}

function closedError(): Error {
  return Object.assign(new Error('redisproto: the stream is closed'), { code: 'ERR_STREAM_DESTROYED' });
}
