// Encoder: RESP2/RESP3 replies and commands encoded into memory, synchronously;
// the Writer (writer.ts) passes what it encodes on to a stream.
import { formatDouble } from './double.js';
import { asBuffer } from './input.js';
import { Byte } from './resp.js';
import { skipValues } from './skip-values.js';
import type { Writer } from './writer.js';

/** Options of an {@link Encoder} and of a {@link Writer}. */
export interface EncoderOptions {
  /**
   * Size of the buffers replies are encoded into; a Writer hands a full one to
   * its stream without waiting for `flush()` (as Go's `bufio.Writer` does).
   * Default 64 KiB.
   */
  bufferSize?: number;
  /** The protocol replies are written in, 2 (RESP2, the default) or 3 (RESP3); see {@link Encoder.protocol}. */
  protocol?: 2 | 3;
}

/** A bulk at least this long is passed on as it is rather than copied. */
const ZERO_COPY_BULK = 16 * 1024;

const CRLF = 0x0a0d; // '\r\n' read as a little-endian uint16, written in one store
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
const NULL_RESP3 = Buffer.from('_\r\n');
const TRUE_RESP3 = Buffer.from('#t\r\n');
const FALSE_RESP3 = Buffer.from('#f\r\n');
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const NO_BYTES = Buffer.alloc(0);

/** A value {@link Encoder.writeAny} can send. */
export type ReplyValue =
  | string
  | Uint8Array
  | number
  | bigint
  | boolean
  | null
  | undefined
  | Error
  | readonly ReplyValue[]
  | ReadonlyMap<ReplyValue, ReplyValue>
  | ReadonlySet<ReplyValue>
  | { readonly [key: string]: ReplyValue };

/**
 * Encodes RESP replies (and commands, for the client side) into memory,
 * synchronously: the encoders beside the stream. {@link Encoder.take} hands
 * out everything encoded since the last take as one Buffer, for code that
 * owns its I/O (Bun's or Deno's sockets, WebSocket messages, a file); a
 * {@link Writer} is an Encoder that passes its bytes on to a Node stream.
 *
 * Write methods append; they throw only for a value they cannot encode (a
 * RangeError or TypeError naming it). A standalone Encoder holds what it
 * encoded until it is taken, however much that is. The first buffer is
 * allocated at the first reply. Buffers given to {@link Encoder.writeBulk} or
 * {@link Encoder.writeRaw} from 16 KiB up are kept as they are, not copied,
 * until passed on: do not modify them before.
 *
 * @example
 * ```ts
 * const replies = new Encoder();
 * replies.writeSimpleString('OK');
 * replies.writeBulk(Buffer.from('value'));
 * socket.write(replies.take()); // +OK\r\n$5\r\nvalue\r\n
 * ```
 */
export class Encoder {
  private readonly bufferSize: number;
  // Replies are encoded into out[0, len); out[0, start) has already been
  // passed on (taken, or handed to a stream) and must not be touched again.
  private out: Buffer;
  private start = 0;
  private len = 0;
  private resp: 2 | 3 = 2;
  // RESP2 attributes written header first (writeAttribute(n)): each is where its
  // pairs start in `out` and how many values to cut from there (see settleDrops).
  // Null when none is open, the usual case.
  private drops: Drop[] | null = null;
  // What a standalone Encoder passed on before take(): full buffers and large bulks.
  private passed: Uint8Array[] | null = null;
  private passedBytes = 0;

  constructor(options: EncoderOptions = {}) {
    const size = options.bufferSize ?? 64 * 1024;
    if (!Number.isSafeInteger(size) || size < 64) {
      throw new TypeError(`redisproto: bufferSize must be an integer of at least 64, got ${String(size)}`);
    }
    this.bufferSize = size;
    this.protocol = options.protocol ?? 2;
    // Allocated by the first reply (reserve), so an idle connection costs no buffer.
    this.out = NO_BYTES;
  }

  /**
   * Everything encoded since the last take, as one Buffer (empty if nothing
   * was); from then on those bytes are the caller's and the Encoder never
   * touches them again. Zero-copy when they lie in one buffer; a Writer's
   * bytes go to its stream instead, so on a Writer this gives only what the
   * stream has not been handed yet. The values of an open RESP2 attribute
   * (`writeAttribute(n)`) stay until all of them are written.
   */
  take(): Buffer {
    const last = this.settled();
    const parts = this.passed;
    if (parts === null) return last ?? NO_BYTES;
    this.passed = null;
    this.passedBytes = 0;
    if (last !== null) parts.push(last);
    return parts.length === 1 ? asBuffer(parts[0]) : Buffer.concat(parts);
  }

  /** Bytes written by the write methods and not yet taken (or handed to a Writer's stream). */
  get bufferedBytes(): number {
    return this.len - this.start + this.passedBytes;
  }

  /**
   * `+<text>\r\n`. A string is sent UTF-8 encoded, bytes as they are. CR and
   * LF become spaces either way, so the reply cannot break framing.
   */
  writeSimpleString(text: string | Uint8Array): void {
    if (typeof text === 'string') this.writeLine(Byte.PLUS, text);
    else this.writeLineBytes(Byte.PLUS, text);
  }

  /**
   * `-<message>\r\n`, e.g. `writeError('ERR unknown command')`. The message
   * should start with an error code (`ERR`, `WRONGTYPE`, …). A string is sent
   * UTF-8 encoded, bytes as they are: Redis echoes a client's raw bytes in some
   * errors, and only bytes can carry a byte of 0x80 or more unchanged (a
   * {@link ProtocolError}'s `reply` is bytes for that reason). CR and LF
   * become spaces either way, as Redis does.
   */
  writeError(message: string | Uint8Array): void {
    if (typeof message === 'string') this.writeLine(Byte.ERROR, message);
    else this.writeLineBytes(Byte.ERROR, message);
  }

  /** `:<n>\r\n` for an integer within the signed 64-bit range. */
  writeInt(n: number | bigint): void {
    if (typeof n === 'number') {
      if (!Number.isSafeInteger(n)) throw new RangeError(`redisproto: writeInt needs a safe integer, got ${n}`);
    } else if (n < INT64_MIN || n > INT64_MAX) {
      throw new RangeError(`redisproto: writeInt needs a signed 64-bit integer, got ${n}`);
    }
    this.writeHeader(Byte.COLON, n);
  }

  /** `$<len>\r\n<bytes>\r\n`, or for `null` the null ({@link Encoder.writeNull}). */
  writeBulk(bytes: Uint8Array | null): void {
    if (bytes === null) return this.writeNull();
    const n = bytes.length;
    if (n <= SHORT_COPY) {
      // The usual small value (GET of a short string) in one go: one room
      // check, its two-digit length and bytes stored inline.
      this.reserve(n + 9);
      const out = this.out;
      let at = this.len;
      out[at++] = Byte.DOLLAR;
      if (n >= 10) {
        const tens = (n / 10) | 0;
        out[at++] = Byte.ZERO + tens;
        out[at++] = Byte.ZERO + n - tens * 10;
      } else out[at++] = Byte.ZERO + n;
      out[at++] = Byte.CR;
      out[at++] = Byte.LF;
      for (let i = 0; i < n; i++) out[at + i] = bytes[i];
      at += n;
      out[at] = Byte.CR;
      out[at + 1] = Byte.LF;
      this.len = at + 2;
      return;
    }
    this.writeHeader(Byte.DOLLAR, n);
    // While a RESP2 attribute is open its bytes may still be cut, so they are copied.
    if (n >= ZERO_COPY_BULK && this.drops === null) {
      this.spill();
      this.passOn(bytes);
    } else {
      this.reserve(n + 2);
      const out = this.out;
      const at = this.len;
      out.set(bytes, at);
      this.len = at + n;
    }
    this.crlf();
  }

  /** A string as a bulk string, UTF-8 encoded; `null` is the null ({@link Encoder.writeNull}). */
  writeBulkString(text: string | null): void {
    if (text === null) return this.writeNull();
    const n = Buffer.byteLength(text, 'utf8');
    this.writeHeader(Byte.DOLLAR, n);
    this.reserve(n + 2);
    this.len += this.out.write(text, this.len, n, 'utf8');
    this.crlf();
  }

  /**
   * The null: `_\r\n` in RESP3, the null bulk `$-1\r\n` in RESP2. Redis 7
   * sends `_` for every null to a RESP3 client (a missing key, a timed-out
   * BLPOP), so the null bulk and the null array are `_` in RESP3 too.
   */
  writeNull(): void {
    this.writeRaw(this.resp === 3 ? NULL_RESP3 : NULL_BULK);
  }

  /**
   * An array header `*<n>\r\n`; the `n` elements follow. `-1` writes the null
   * array: `*-1\r\n` in RESP2, `_\r\n` in RESP3 (as Redis 7 does).
   */
  writeArray(n: number): void {
    if (n === -1) return this.writeRaw(this.resp === 3 ? NULL_RESP3 : NULL_ARRAY);
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`redisproto: writeArray needs a count >= -1, got ${n}`);
    this.writeHeader(Byte.STAR, n);
  }

  /** An array of bulks; `null` elements are null bulks. */
  writeBulks(list: readonly (Uint8Array | null)[]): void {
    this.writeHeader(Byte.STAR, list.length);
    for (let i = 0; i < list.length; i++) this.writeBulk(list[i]);
  }

  /** An array of bulk strings; `null` elements are null bulks. */
  writeBulkStrings(list: readonly (string | null)[]): void {
    this.writeHeader(Byte.STAR, list.length);
    for (let i = 0; i < list.length; i++) this.writeBulkString(list[i]);
  }

  /**
   * A command as a client sends it, for the upstream side of a proxy or a
   * client: `writeCommand(['SET', 'k', value])` is `*3\r\n$3\r\nSET\r\n…`.
   * Strings are UTF-8; byte arrays go as they are (from 16 KiB without a copy).
   */
  writeCommand(args: readonly (string | Uint8Array)[]): void {
    this.writeHeader(Byte.STAR, args.length);
    for (let i = 0; i < args.length; i++) {
      const arg = args[i];
      if (typeof arg === 'string') this.writeBulkString(arg);
      else this.writeBulk(arg);
    }
  }

  /**
   * Any JS value as the reply it naturally maps to: strings and byte arrays
   * are bulks, safe integers are integers, other numbers doubles
   * ({@link Encoder.writeDouble}), bigints integers (big numbers beyond 64
   * bits), booleans booleans, `null` and `undefined` the null, an `Error` an
   * error reply (its message, prefixed with `ERR ` unless it starts with an
   * upper-case error code), arrays arrays, a `Map` a map, a `Set` a set, and a
   * plain object a map of its own enumerable string keys; containers nest.
   * Each type degrades in RESP2 as its `write…` method does.
   */
  writeAny(value: ReplyValue): void {
    if (typeof value === 'string') return this.writeBulkString(value);
    if (value instanceof Uint8Array) return this.writeBulk(value);
    if (typeof value === 'number') {
      return Number.isSafeInteger(value) ? this.writeInt(value) : this.writeDouble(value);
    }
    if (typeof value === 'bigint') {
      return value >= INT64_MIN && value <= INT64_MAX ? this.writeInt(value) : this.writeBigNumber(value);
    }
    if (typeof value === 'boolean') return this.writeBoolean(value);
    if (value === null || value === undefined) return this.writeNull();
    if (value instanceof Error) {
      const msg = value.message;
      return this.writeError(/^[A-Z][A-Z0-9_]* /.test(msg) ? msg : `ERR ${msg}`);
    }
    if (Array.isArray(value)) {
      this.writeHeader(Byte.STAR, value.length);
      for (const item of value) this.writeAny(item);
      return;
    }
    if (value instanceof Map) {
      this.writeMap(value.size);
      for (const [k, v] of value) {
        this.writeAny(k);
        this.writeAny(v);
      }
      return;
    }
    if (value instanceof Set) {
      this.writeSet(value.size);
      for (const item of value) this.writeAny(item);
      return;
    }
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) {
      const record = value as { readonly [key: string]: ReplyValue };
      const keys = Object.keys(record);
      this.writeMap(keys.length);
      for (const k of keys) {
        this.writeBulkString(k);
        this.writeAny(record[k]);
      }
      return;
    }
    throw new TypeError(`redisproto: writeAny cannot send ${Object.prototype.toString.call(value)}`);
  }

  // ---- RESP3 ------------------------------------------------------------
  // Each RESP3 call below writes its RESP3 type when `protocol` is 3, and
  // otherwise degrades the way Redis 7 degrades it for a RESP2 client.

  /**
   * The protocol of this connection's replies: 2 (RESP2, the default) or 3
   * (RESP3). Set it when the client negotiates with `HELLO 3` (and back with
   * `HELLO 2`); it applies to every reply written from then on.
   */
  get protocol(): 2 | 3 {
    return this.resp;
  }

  set protocol(version: 2 | 3) {
    if (version !== 2 && version !== 3) throw new RangeError(`redisproto: protocol must be 2 or 3, got ${String(version)}`);
    this.resp = version;
  }

  /**
   * A map header `%<n>\r\n`; `n` key/value pairs (2n values) follow.
   * RESP2: the flat array `*<2n>\r\n`.
   */
  writeMap(n: number): void {
    checkCount('writeMap', n);
    if (this.resp === 3) this.writeHeader(Byte.PERCENT, n);
    else this.writeHeader(Byte.STAR, 2 * n);
  }

  /** A set header `~<n>\r\n`; the `n` members follow. RESP2: the array `*<n>\r\n`. */
  writeSet(n: number): void {
    checkCount('writeSet', n);
    this.writeHeader(this.resp === 3 ? Byte.TILDE : Byte.STAR, n);
  }

  /**
   * A push header `><n>\r\n` (out-of-band data: pub/sub messages,
   * invalidations); the `n` elements follow, the first naming the kind of push.
   * RESP2: the array `*<n>\r\n`, as Redis sends pub/sub messages to RESP2 clients.
   */
  writePush(n: number): void {
    checkCount('writePush', n);
    this.writeHeader(this.resp === 3 ? Byte.GREATER : Byte.STAR, n);
  }

  /**
   * An attribute: key/value pairs of metadata about the reply written next.
   *
   * - `writeAttribute(map)` writes the whole attribute in one call, from a
   *   `Map` or a plain object (keys and values as {@link Encoder.writeAny}
   *   writes them): `|<n>\r\n` and the pairs. Then write the reply.
   * - `writeAttribute(n)` writes only the header `|<n>\r\n`; write the `n`
   *   keys and values next, then the reply.
   *
   * RESP2 has no attributes, and Redis sends none to a RESP2 client, so the
   * reply reaches a RESP2 client alone. `writeAttribute(map)` writes nothing.
   * After `writeAttribute(n)` the 2n values written next are cut out of the
   * buffer before they are passed on; a value is one complete RESP reply
   * (an aggregate with its elements, so `writeBulkStrings([...])` or
   * `writeAny({...})` is one value; a nested attribute is cut with its pairs).
   * Until all 2n values are written, the bytes from the attribute on are held
   * back, even by `take()` and a Writer's `flush()`, and buffers given to `writeBulk`/`writeRaw` are
   * copied. Prefer `writeAttribute(map)`: it never holds anything back.
   */
  writeAttribute(attributes: number | ReadonlyMap<ReplyValue, ReplyValue> | { readonly [key: string]: ReplyValue }): void {
    if (typeof attributes === 'number') {
      checkCount('writeAttribute', attributes);
      if (this.resp === 3) this.writeHeader(Byte.PIPE, attributes);
      else if (attributes > 0) (this.drops ??= []).push({ from: this.len, values: 2 * attributes });
      return;
    }
    if (this.resp === 2) return;
    if (attributes instanceof Map) {
      this.writeHeader(Byte.PIPE, attributes.size);
      for (const [k, v] of attributes) {
        this.writeAny(k);
        this.writeAny(v);
      }
      return;
    }
    const record = attributes as { readonly [key: string]: ReplyValue };
    const keys = Object.keys(record);
    this.writeHeader(Byte.PIPE, keys.length);
    for (const k of keys) {
      this.writeBulkString(k);
      this.writeAny(record[k]);
    }
  }

  /**
   * A double `,<x>\r\n`, printed as Redis prints doubles: `inf`, `-inf`,
   * `nan`, `-0`, integral values up to ±2^62 in full, anything else with the
   * fewest significant digits that read back to the same double (`0.1`,
   * `1.5e-7`, `1e+20`). RESP2: the same text as a bulk string.
   */
  writeDouble(x: number): void {
    if (typeof x !== 'number') throw new TypeError(`redisproto: writeDouble needs a number, got ${typeof x}`);
    const text = formatDouble(x);
    if (this.resp === 3) this.writeLine(Byte.COMMA, text);
    else this.writeBulkString(text);
  }

  /** `#t\r\n` or `#f\r\n`. RESP2: the integer `:1\r\n` or `:0\r\n`. */
  writeBoolean(b: boolean): void {
    if (this.resp === 3) this.writeRaw(b ? TRUE_RESP3 : FALSE_RESP3);
    else this.writeHeader(Byte.COLON, b ? 1 : 0);
  }

  /**
   * A big number `(<digits>\r\n`: an integer of any size, as a bigint or as
   * decimal text (`-?[0-9]+`). RESP2: the digits as a bulk string.
   */
  writeBigNumber(n: bigint | string): void {
    const text = typeof n === 'bigint' ? n.toString() : n;
    if (typeof text !== 'string' || !/^-?[0-9]+$/.test(text)) {
      throw new TypeError(`redisproto: writeBigNumber needs a bigint or decimal digits, got ${String(n)}`);
    }
    if (this.resp === 3) this.writeLine(Byte.LPAREN, text);
    else this.writeBulkString(text);
  }

  /**
   * A verbatim string `=<len>\r\n<format>:<text>\r\n`, where `format` is three
   * characters: `txt` for plain text, `mkd` for markdown (Redis sends INFO
   * and LATENCY DOCTOR this way). RESP2: `text` as a bulk string.
   */
  writeVerbatim(text: string | Uint8Array, format = 'txt'): void {
    if (!/^[\x21-\x39\x3b-\x7e]{3}$/.test(format)) {
      throw new RangeError(`redisproto: writeVerbatim needs a format of three printable ASCII characters, got '${format}'`);
    }
    if (this.resp === 2) return typeof text === 'string' ? this.writeBulkString(text) : this.writeBulk(text);
    const n = typeof text === 'string' ? Buffer.byteLength(text, 'utf8') : text.length;
    this.writeHeader(Byte.EQUALS, n + 4);
    this.reserve(4);
    this.len += this.out.write(format, this.len, 3, 'latin1');
    this.out[this.len++] = Byte.COLON;
    this.writeBody(text, n);
  }

  /**
   * A bulk error `!<len>\r\n<message>\r\n`: an error whose message may hold
   * any bytes, CR and LF included; start it with an error code as
   * {@link Encoder.writeError}. RESP2: the simple error `-<message>\r\n`, CR and
   * LF turned into spaces.
   */
  writeBulkError(message: string | Uint8Array): void {
    if (this.resp === 2) return this.writeError(message);
    const n = typeof message === 'string' ? Buffer.byteLength(message, 'utf8') : message.length;
    this.writeHeader(Byte.BANG, n);
    this.writeBody(message, n);
  }

  /** `n` bytes of `body` (UTF-8 if a string) and CRLF, after a length header. */
  private writeBody(body: string | Uint8Array, n: number): void {
    this.reserve(n + 2);
    if (typeof body === 'string') this.out.write(body, this.len, n, 'utf8');
    else this.out.set(body, this.len);
    this.len += n;
    this.crlf();
  }

  /** Bytes exactly as given: for replies you have already encoded. */
  writeRaw(bytes: Uint8Array): void {
    const n = bytes.length;
    if (n >= ZERO_COPY_BULK && this.drops === null) {
      this.spill();
      this.passOn(bytes);
      return;
    }
    this.reserve(n);
    this.out.set(bytes, this.len);
    this.len += n;
  }

  /** Passes the buffered bytes on, all but those an open RESP2 attribute holds. */
  protected spill(): void {
    const chunk = this.settled();
    if (chunk !== null) this.passOn(chunk);
  }

  /** The buffered bytes that may leave (all but those an open RESP2 attribute holds), now no longer buffered; null if none. */
  private settled(): Buffer | null {
    const end = this.drops === null ? this.len : this.settleDrops();
    if (end === this.start) return null;
    const chunk = this.out.subarray(this.start, end);
    this.start = end;
    return chunk;
  }

  /**
   * Where finished bytes go, in order: kept for {@link Encoder.take} here; a
   * {@link Writer} writes them to its stream. They are never touched again.
   */
  protected passOn(chunk: Uint8Array): void {
    (this.passed ??= []).push(chunk);
    this.passedBytes += chunk.length;
  }

  /**
   * Cuts the values of RESP2 attributes out of `out[start, len)`, the latest
   * attribute first (a later one is either nested in an earlier one's values,
   * which must be counted without it, or after them). Returns where the bytes
   * that may be sent end: `len`, or where the earliest attribute still waiting
   * for its values starts.
   */
  private settleDrops(): number {
    const drops = this.drops!;
    while (drops.length > 0) {
      const drop = drops[drops.length - 1];
      const end = skipValues(this.out, drop.from, this.len, drop.values);
      if (end < 0) return drops[0].from;
      this.out.copyWithin(drop.from, end, this.len);
      this.len -= end - drop.from;
      drops.pop();
    }
    this.drops = null;
    return this.len;
  }

  /** Makes room for n more bytes in `out`, spilling or starting a new buffer. */
  private reserve(n: number): void {
    if (this.len + n <= this.out.length) return;
    this.spill();
    // The old buffer's bytes are passed on (to a stream, until written): never reuse it.
    if (this.drops === null) {
      this.out = Buffer.allocUnsafe(Math.max(this.bufferSize, n));
      this.start = this.len = 0;
      return;
    }
    // An open RESP2 attribute holds bytes back: they move to the new buffer,
    // which grows by doubling so a long-held attribute costs linear copying.
    const held = this.len - this.start;
    const out = Buffer.allocUnsafe(Math.max(this.bufferSize, 2 * (held + n)));
    this.out.copy(out, 0, this.start, this.len);
    for (const drop of this.drops) drop.from -= this.start;
    this.out = out;
    this.start = 0;
    this.len = held;
  }

  private crlf(): void {
    this.reserve(2);
    const out = this.out;
    const at = this.len;
    out[at] = Byte.CR;
    out[at + 1] = Byte.LF;
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
        out[i] = Byte.ZERO + m - q * 10;
        m = q;
      }
      at += digits;
      out[at] = Byte.CR;
      out[at + 1] = Byte.LF;
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
        if (c >= 0x80 || c === Byte.CR || c === Byte.LF) break;
        out[at + i] = c;
      }
      if (i === chars) {
        out[at - 1] = type;
        out[at + chars] = Byte.CR;
        out[at + chars + 1] = Byte.LF;
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

  /** `<type><bytes>\r\n`, the bytes as they are but CR and LF, which become spaces as in {@link Encoder.writeLine}. */
  private writeLineBytes(type: number, bytes: Uint8Array): void {
    const n = bytes.length;
    this.reserve(n + 3);
    const out = this.out;
    let at = this.len;
    out[at++] = type;
    for (let i = 0; i < n; i++) {
      const c = bytes[i];
      out[at + i] = c === Byte.CR || c === Byte.LF ? 0x20 : c;
    }
    at += n;
    out[at] = Byte.CR;
    out[at + 1] = Byte.LF;
    this.len = at + 2;
  }
}

/** A RESP2 attribute written header first: its pairs start at `from` in the buffer, `values` long. */
interface Drop {
  from: number;
  values: number;
}

function checkCount(method: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`redisproto: ${method} needs a count >= 0, got ${n}`);
}
