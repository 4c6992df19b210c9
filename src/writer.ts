import type { Writable } from 'node:stream';

/** Options of a {@link Writer}. */
export interface WriterOptions {
  /**
   * Bytes of replies buffered before they are handed to the stream without
   * waiting for `flush()` (as Go's `bufio.Writer` does when full). Default 64 KiB.
   */
  bufferSize?: number;
}

/** A bulk at least this long is handed to the stream as it is rather than copied. */
const ZERO_COPY_BULK = 16 * 1024;

const CRLF = 0x0a0d; // '\r\n' read as a little-endian uint16, written in one store
const CR = 0x0d, LF = 0x0a;
/** Values up to this many bytes are copied by a byte loop rather than `set()`. */
const SHORT_COPY = 32;
/** Text up to this many chars is tried on the ASCII fast path of `writeLine`. */
const SHORT_LINE = 64;
/** Below this, `Math.floor(m / 10)` is exact for every integer m, so digits can be computed in doubles. */
const DIGITS_EXACT = 1e15;
/** Room for a type byte, 15 digits and CRLF. */
const MAX_HEADER = 18;
const NULL_BULK = Buffer.from('$-1\r\n');
const NULL_ARRAY = Buffer.from('*-1\r\n');
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const RESOLVED = Promise.resolve();
const NO_BUFFER = Buffer.alloc(0);

/** A value {@link Writer.writeAny} can send. */
export type ReplyValue =
  | string
  | Uint8Array
  | number
  | bigint
  | boolean
  | null
  | undefined
  | Error
  | readonly ReplyValue[];

/**
 * Buffers RESP replies and writes them to a stream in as few `write` calls as
 * possible.
 *
 * Write methods never throw for I/O reasons and never block: they append to a
 * buffer. Bytes reach the stream at {@link Writer.flush}, or earlier once
 * `bufferSize` bytes are buffered. A failure of the stream (closed, reset) is
 * reported by the next `flush()`.
 *
 * Buffers given to {@link Writer.writeBulk} from 16 KiB up are passed to the
 * stream without a copy: do not modify them until the flush has resolved.
 */
export class Writer {
  private readonly stream: Writable;
  private readonly bufferSize: number;
  // Replies are encoded into out[0, len); out[0, start) has already been
  // handed to the stream and must not be touched again.
  private out: Buffer;
  private start = 0;
  private len = 0;
  private failure: Error | null = null;
  private draining: Promise<void> | null = null;
  private readonly onWritten = (err?: Error | null): void => {
    if (err) this.failure ??= err;
  };

  constructor(stream: Writable, options: WriterOptions = {}) {
    const size = options.bufferSize ?? 64 * 1024;
    if (!Number.isSafeInteger(size) || size < 64) {
      throw new TypeError(`redisproto: bufferSize must be an integer of at least 64, got ${String(size)}`);
    }
    this.stream = stream;
    this.bufferSize = size;
    // Allocated by the first reply (reserve), so an idle connection costs no buffer.
    this.out = NO_BUFFER;
    // Listened to for the life of the stream: a reset between flushes is then
    // kept for the next flush() instead of being an unhandled 'error' event.
    stream.on('error', this.onWritten);
  }

  /** Bytes written by the write methods and not yet handed to the stream. */
  get bufferedBytes(): number {
    return this.len - this.start;
  }

  /** `+<text>\r\n`. CR and LF in `text` become spaces, so the reply cannot break framing. */
  writeSimpleString(text: string): void {
    this.writeLine(0x2b, text);
  }

  /**
   * `-<message>\r\n`, e.g. `writeError('ERR unknown command')`. The message
   * should start with an error code (`ERR`, `WRONGTYPE`, …); CR and LF in it
   * become spaces, as Redis does.
   */
  writeError(message: string): void {
    this.writeLine(0x2d, message);
  }

  /** `:<n>\r\n` for an integer within the signed 64-bit range. */
  writeInt(n: number | bigint): void {
    if (typeof n === 'number') {
      if (!Number.isSafeInteger(n)) throw new RangeError(`redisproto: writeInt needs a safe integer, got ${n}`);
    } else if (n < INT64_MIN || n > INT64_MAX) {
      throw new RangeError(`redisproto: writeInt needs a signed 64-bit integer, got ${n}`);
    }
    this.writeHeader(0x3a, n);
  }

  /** `$<len>\r\n<bytes>\r\n`, or the null bulk `$-1\r\n` for `null`. */
  writeBulk(bytes: Uint8Array | null): void {
    if (bytes === null) return this.writeRaw(NULL_BULK);
    const n = bytes.length;
    this.writeHeader(0x24, n);
    if (n >= ZERO_COPY_BULK) {
      this.spill();
      this.handOver(bytes);
    } else {
      this.reserve(n + 2);
      const out = this.out;
      const at = this.len;
      // A byte loop for short values: out.set() is a native call that costs
      // more than copying a key-sized value by hand.
      if (n <= SHORT_COPY) for (let i = 0; i < n; i++) out[at + i] = bytes[i];
      else out.set(bytes, at);
      this.len = at + n;
    }
    this.crlf();
  }

  /** A string as a bulk string, UTF-8 encoded; `null` is the null bulk. */
  writeBulkString(text: string | null): void {
    if (text === null) return this.writeRaw(NULL_BULK);
    const n = Buffer.byteLength(text, 'utf8');
    this.writeHeader(0x24, n);
    this.reserve(n + 2);
    this.len += this.out.write(text, this.len, n, 'utf8');
    this.crlf();
  }

  /** The null reply of RESP2: `$-1\r\n`. */
  writeNull(): void {
    this.writeRaw(NULL_BULK);
  }

  /** An array header `*<n>\r\n`; the `n` elements follow. `-1` writes the null array. */
  writeArray(n: number): void {
    if (n === -1) return this.writeRaw(NULL_ARRAY);
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`redisproto: writeArray needs a count >= -1, got ${n}`);
    this.writeHeader(0x2a, n);
  }

  /** An array of bulks; `null` elements are null bulks. */
  writeBulks(list: readonly (Uint8Array | null)[]): void {
    this.writeHeader(0x2a, list.length);
    for (let i = 0; i < list.length; i++) this.writeBulk(list[i]);
  }

  /** An array of bulk strings; `null` elements are null bulks. */
  writeBulkStrings(list: readonly (string | null)[]): void {
    this.writeHeader(0x2a, list.length);
    for (let i = 0; i < list.length; i++) this.writeBulkString(list[i]);
  }

  /**
   * A command as a client sends it, for the upstream side of a proxy or a
   * client: `writeCommand(['SET', 'k', value])` is `*3\r\n$3\r\nSET\r\n…`.
   * Strings are UTF-8; byte arrays go as they are (from 16 KiB without a copy).
   */
  writeCommand(args: readonly (string | Uint8Array)[]): void {
    this.writeHeader(0x2a, args.length);
    for (let i = 0; i < args.length; i++) {
      const arg = args[i];
      if (typeof arg === 'string') this.writeBulkString(arg);
      else this.writeBulk(arg);
    }
  }

  /**
   * Any JS value as the reply it naturally maps to: strings and byte arrays
   * are bulks, integers are integers (other numbers are sent as bulk text),
   * bigints integers, booleans `:1`/`:0`, `null` and `undefined` the null
   * bulk, an `Error` an error reply (its message, prefixed with `ERR ` unless
   * it starts with an upper-case error code), and arrays nest.
   */
  writeAny(value: ReplyValue): void {
    if (typeof value === 'string') return this.writeBulkString(value);
    if (value instanceof Uint8Array) return this.writeBulk(value);
    if (typeof value === 'number') {
      return Number.isSafeInteger(value) ? this.writeInt(value) : this.writeBulkString(String(value));
    }
    if (typeof value === 'bigint') return this.writeInt(value);
    if (typeof value === 'boolean') return this.writeInt(value ? 1 : 0);
    if (value === null || value === undefined) return this.writeNull();
    if (value instanceof Error) {
      const msg = value.message;
      return this.writeError(/^[A-Z][A-Z0-9_]* /.test(msg) ? msg : `ERR ${msg}`);
    }
    if (Array.isArray(value)) {
      this.writeHeader(0x2a, value.length);
      for (const item of value) this.writeAny(item);
      return;
    }
    throw new TypeError(`redisproto: writeAny cannot send ${Object.prototype.toString.call(value)}`);
  }

  /** Bytes exactly as given: for replies you have already encoded. */
  writeRaw(bytes: Uint8Array): void {
    const n = bytes.length;
    if (n >= ZERO_COPY_BULK) {
      this.spill();
      this.handOver(bytes);
      return;
    }
    this.reserve(n);
    this.out.set(bytes, this.len);
    this.len += n;
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

  /** Writes buffered bytes to the stream (without waiting for it). */
  private spill(): void {
    if (this.len === this.start) return;
    const chunk = this.out.subarray(this.start, this.len);
    this.start = this.len;
    this.handOver(chunk);
  }

  private handOver(chunk: Uint8Array): void {
    const stream = this.stream;
    if (this.failure !== null) return;
    if (stream.destroyed || stream.writableEnded) {
      // Writing now would raise an 'error' event nobody may be listening to.
      this.failure = closedError();
      return;
    }
    stream.write(chunk, this.onWritten);
  }

  /** Makes room for n more bytes in `out`, spilling or starting a new buffer. */
  private reserve(n: number): void {
    if (this.len + n <= this.out.length) return;
    this.spill();
    // The old buffer now belongs to the stream until written: never reuse it.
    this.out = Buffer.allocUnsafe(Math.max(this.bufferSize, n));
    this.start = this.len = 0;
  }

  private crlf(): void {
    this.reserve(2);
    const out = this.out;
    const at = this.len;
    out[at] = CR;
    out[at + 1] = LF;
    this.len = at + 2;
  }

  /** `<type><integer>\r\n`: the header of bulks and arrays, and integer replies. */
  private writeHeader(type: number, n: number | bigint): void {
    if (typeof n === 'number' && n >= 0 && n < DIGITS_EXACT) {
      // The common case (lengths, counts, small integers): digits written
      // straight into the buffer, no number-to-string conversion.
      this.reserve(MAX_HEADER);
      const out = this.out;
      let at = this.len;
      out[at++] = type;
      let digits = 1;
      for (let m = n; m >= 10; m = Math.floor(m / 10)) digits++;
      for (let i = at + digits - 1, m = n; i >= at; i--) {
        const q = Math.floor(m / 10);
        out[i] = 0x30 + m - q * 10;
        m = q;
      }
      at += digits;
      out[at] = CR;
      out[at + 1] = LF;
      this.len = at + 2;
      return;
    }
    const text = typeof n === 'number' ? '' + n : n.toString();
    this.reserve(text.length + 3);
    const out = this.out;
    out[this.len++] = type;
    this.len += out.write(text, this.len, 'latin1');
    out.writeUInt16LE(CRLF, this.len);
    this.len += 2;
  }

  private writeLine(type: number, text: string): void {
    const chars = text.length;
    if (chars <= SHORT_LINE) {
      // Short ASCII text without CR/LF (OK, PONG, most errors): one pass that
      // checks and copies at once. Bytes are committed (len moved) only if the
      // whole line qualified; otherwise the general path below rewrites them.
      this.reserve(chars + 3);
      const out = this.out;
      const at = this.len + 1;
      let i = 0;
      for (; i < chars; i++) {
        const c = text.charCodeAt(i);
        if (c >= 0x80 || c === CR || c === LF) break;
        out[at + i] = c;
      }
      if (i === chars) {
        out[at - 1] = type;
        out[at + chars] = CR;
        out[at + chars + 1] = LF;
        this.len = at + chars + 2;
        return;
      }
    }
    const line = /[\r\n]/.test(text) ? text.replace(/[\r\n]/g, ' ') : text;
    const n = Buffer.byteLength(line, 'utf8');
    this.reserve(n + 3);
    this.out[this.len++] = type;
    this.len += this.out.write(line, this.len, n, 'utf8');
    this.crlf();
  }
}

function closedError(): Error {
  return Object.assign(new Error('redisproto: the stream is closed'), { code: 'ERR_STREAM_DESTROYED' });
}
