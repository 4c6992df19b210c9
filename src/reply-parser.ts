import type { Readable } from 'node:stream';
import { ProtocolError, ReplyErrors } from './errors.js';
import { type ReplyLimits, type ReplyParserOptions, resolveReplyLimits } from './limits.js';
import { ChunkReader } from './reader.js';
import type { Reply } from './reply.js';

const CR = 0x0d, LF = 0x0a, MINUS = 0x2d, ZERO = 0x30, NINE = 0x39, COLON = 0x3a, QUESTION = 0x3f;
const PLUS = 0x2b, LPAREN = 0x28, DOLLAR = 0x24, EQUALS = 0x3d, SEMICOLON = 0x3b;
const STAR = 0x2a, PERCENT = 0x25, TILDE = 0x7e, PIPE = 0x7c, DOT = 0x2e;

// What each type byte introduces, looked up in one table read per reply.
const LINE = 1, BLOB = 2, AGGREGATE = 3, STREAM_PART = 4, STREAM_END = 5;
const KIND = new Uint8Array(256);
for (const c of '+-:,_#(') KIND[c.charCodeAt(0)] = LINE;
for (const c of '$!=') KIND[c.charCodeAt(0)] = BLOB;
for (const c of '*%~|>') KIND[c.charCodeAt(0)] = AGGREGATE;
KIND[SEMICOLON] = STREAM_PART;
KIND[DOT] = STREAM_END;

/**
 * Longest line other than a simple string, error or big number: an integer,
 * a length, a double (hiredis reads one into 326 bytes), a boolean or a marker.
 */
const SHORT_LINE = 512;
/** Smallest buffer allocated when a reply has to be stitched from several chunks. */
const MIN_STITCH = 16 * 1024;
/**
 * What one element of a reply is charged against maxReplyBytes besides its
 * bytes: about what its decoded object, its slot in its aggregate and a
 * value's header take on V8's heap.
 */
const ELEMENT_BYTES = 64;
/** Count of a streamed aggregate that has seen no element yet; each element takes one off. */
const STREAMED = -1;
const EMPTY = Buffer.alloc(0);
const DOUBLE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const DOUBLE_WORDS: Record<string, number> = { inf: Infinity, '-inf': -Infinity, nan: NaN, '-nan': NaN };

/**
 * Reads Redis replies from a stream, one at a time, on demand: the client side
 * of the protocol, for proxies and clients built on redisproto.
 *
 * Every RESP2 and RESP3 type is understood, streamed strings (`$?`) and
 * streamed aggregates (`*?` … `.`) included. {@link ReplyParser.readReply}
 * decodes a reply into a {@link Reply}; {@link ReplyParser.readFrame} returns
 * its raw bytes untouched, for forwarding. Both can be mixed.
 *
 * Like {@link Parser}, it pauses the stream once a chunk arrives that nobody
 * has asked for; results do not depend on how the bytes are split into chunks;
 * memory follows the bytes received, not the lengths announced; a reply
 * trickling in costs time linear in its size (scanning resumes where it
 * stopped). Malformed bytes reject with a fatal {@link ProtocolError}; every
 * later call then rejects with the same error. Nesting is bounded by
 * `maxDepth` and both scanning and decoding are iterative, so no reply can
 * overflow the stack.
 *
 * @example
 * ```ts
 * const upstream = net.connect(6379);
 * const replies = new ReplyParser(upstream);
 * const out = new Writer(upstream);
 * out.writeCommand(['GET', 'greeting']);
 * await out.flush();
 * const reply = await replies.readReply(); // { type: 'bulk', value: <Buffer …> }
 * ```
 */
export class ReplyParser implements AsyncIterable<Reply> {
  private readonly reader: ChunkReader;
  private readonly limits: ReplyLimits;

  // Unparsed input is buf[pos, end); pos is where the next reply begins. When
  // `owned`, buf was allocated here and buf[end, buf.length) is free room.
  private buf: Buffer = EMPTY;
  private pos = 0;
  private end = 0;
  private owned = false;

  // Scanning state of the reply starting at pos, kept between chunks so bytes
  // trickling in are looked at once: the next unscanned byte, how far the
  // current line is known to hold no CR, the blob data awaited at `cur` (its
  // length or -1, and its type byte), and the open aggregates (type byte and
  // elements to come; for a streamed one, STREAMED minus the elements seen).
  private cur = 0;
  private lineScan = 0;
  private dataLen = -1;
  private dataType = 0;
  private inStreamedString = false;
  private streamedLength = 0;
  private kinds: number[] = [];
  private counts: number[] = [];
  /** End of the complete reply at pos, once scanned; -1 before. */
  private frameEnd = -1;
  /** Elements of the reply at pos scanned so far, each charged {@link ELEMENT_BYTES} against maxReplyBytes. */
  private elements = 0;

  private failure: unknown = null;
  private busy: Promise<unknown> | null = null;

  constructor(stream: Readable, options?: ReplyParserOptions) {
    this.limits = resolveReplyLimits(options);
    this.reader = new ChunkReader(stream);
  }

  /**
   * The next reply, decoded; `null` at a clean end of the stream. Rejects with
   * a fatal {@link ProtocolError} for malformed bytes or a reply cut off by the
   * end of the stream, or with the stream's own error. An error reply from the
   * server is a value (`type: 'error'`), not a rejection.
   */
  readReply(): Promise<Reply | null> {
    return this.next(decode);
  }

  /**
   * The raw bytes of exactly the next complete reply (an attribute together
   * with the reply it annotates), without decoding them; `null` at a clean end
   * of the stream. A reply that arrived within one chunk is a zero-copy view
   * of it; one spread over chunks is stitched once. Rejects as
   * {@link ReplyParser.readReply} does.
   */
  readFrame(): Promise<Buffer | null> {
    return this.next(frame);
  }

  /**
   * The next reply, decoded, if it is already buffered; `undefined` when it
   * is not (then call {@link ReplyParser.readReply}, which also reports the
   * end of the stream). Throws what `readReply()` would reject with. As with
   * `Parser#tryReadCommand`, a burst of buffered replies then costs no
   * promise each.
   */
  tryReadReply(): Reply | undefined {
    return this.tryNext(decode);
  }

  /** {@link ReplyParser.readFrame} for a reply already buffered; `undefined` otherwise (see {@link ReplyParser.tryReadReply}). */
  tryReadFrame(): Buffer | undefined {
    return this.tryNext(frame);
  }

  /**
   * Whether a complete reply is already buffered, so that the next read
   * resolves without waiting for the stream: when false, a proxy has
   * forwarded everything that arrived and should flush.
   */
  hasBufferedReply(): boolean {
    if (this.failure !== null) return true;
    try {
      return this.scan();
    } catch (err) {
      this.fail(err);
      return true; // the next read rejects at once
    }
  }

  /** Iterates decoded replies until the end of the stream. */
  async *[Symbol.asyncIterator](): AsyncIterator<Reply> {
    for (;;) {
      const reply = await this.readReply();
      if (reply === null) return;
      yield reply;
    }
  }

  private tryNext<T>(produce: (buf: Buffer, start: number, end: number) => T): T | undefined {
    if (this.busy !== null) return undefined; // earlier calls are answered first
    if (this.failure !== null) throw this.failure;
    try {
      return this.scan() ? this.take(produce) : undefined;
    } catch (err) {
      throw this.fail(err);
    }
  }

  private next<T>(produce: (buf: Buffer, start: number, end: number) => T): Promise<T | null> {
    if (this.busy !== null) {
      // Calls overlap only if a caller does not await; serve them in order.
      const queued = this.busy.then(
        () => this.next(produce),
        () => this.next(produce),
      );
      this.busy = queued;
      return queued;
    }
    if (this.failure !== null) return Promise.reject(this.failure);
    try {
      // Fast path: a buffered reply costs no stream read and no async frame.
      if (this.scan()) return Promise.resolve(this.take(produce));
    } catch (err) {
      return Promise.reject(this.fail(err));
    }
    const reading = this.readMore(produce);
    this.busy = reading;
    return reading.finally(() => {
      if (this.busy === reading) this.busy = null;
    });
  }

  private async readMore<T>(produce: (buf: Buffer, start: number, end: number) => T): Promise<T | null> {
    try {
      for (;;) {
        const chunk = await this.reader.next();
        if (chunk === null) {
          if (this.end > this.pos) throw ReplyErrors.truncated();
          return null;
        }
        if (chunk.length === 0) continue;
        this.append(chunk);
        if (this.scan()) return this.take(produce);
      }
    } catch (err) {
      throw this.fail(err);
    }
  }

  /** Hands out the scanned reply and starts scanning after it. */
  private take<T>(produce: (buf: Buffer, start: number, end: number) => T): T {
    const start = this.pos, end = this.frameEnd;
    this.pos = this.cur = this.lineScan = end;
    this.frameEnd = -1;
    this.elements = 0;
    return produce(this.buf, start, end);
  }

  private fail(err: unknown): unknown {
    if (this.failure === null) {
      this.failure = err;
      this.buf = EMPTY; // release the input: nothing more will be parsed
      this.pos = this.end = this.cur = this.lineScan = 0;
      this.kinds = [];
      this.counts = [];
    }
    return this.failure;
  }

  /** Adds a chunk to the unparsed input, copying only what a split reply needs. */
  private append(chunk: Buffer): void {
    const keep = this.pos;
    const pending = this.end - keep;
    if (pending === 0) {
      // Nothing carried over (so nothing scanned either): parse in place, zero-copy.
      this.buf = chunk;
      this.pos = this.cur = this.lineScan = 0;
      this.end = chunk.length;
      this.owned = false;
      return;
    }
    if (this.owned && this.buf.length - this.end >= chunk.length) {
      // Appending never touches bytes of frames already handed out.
      chunk.copy(this.buf, this.end);
      this.end += chunk.length;
      return;
    }
    const need = pending + chunk.length;
    // Grow geometrically so a reply trickling in is copied a bounded number of
    // times (linear cost), but inside blob data of known length no further
    // than that data, so memory follows the bytes received, not the length announced.
    let cap = Math.max(need * 2, MIN_STITCH);
    if (this.dataLen >= 0) cap = Math.max(need, Math.min(cap, this.cur + this.dataLen + 2 - keep));
    const next = cap > MIN_STITCH ? Buffer.allocUnsafeSlow(cap) : Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, keep, this.end);
    chunk.copy(next, pending);
    this.buf = next;
    this.pos = 0;
    this.cur -= keep;
    this.lineScan -= keep;
    this.end = need;
    this.owned = true;
  }

  /**
   * Scans the buffered input for the end of the reply at `pos`, resuming where
   * the last call stopped; returns whether the reply is complete (its end is
   * then `frameEnd`). Validates everything as it goes and throws a
   * ProtocolError, so decoding a scanned frame cannot fail. The hot path of a
   * proxy: it works on byte offsets and keeps no per-element objects.
   */
  private scan(): boolean {
    if (this.frameEnd >= 0) return true;
    const buf = this.buf, end = this.end, limits = this.limits;
    const kinds = this.kinds, counts = this.counts;
    let cur = this.cur;
    for (;;) {
      let done = false; // whether an element (or the whole reply) ended at cur
      if (this.dataLen >= 0) {
        const len = this.dataLen;
        if (end - cur < len + 2) break;
        const dataEnd = cur + len;
        if (buf[dataEnd] !== CR || buf[dataEnd + 1] !== LF) throw ReplyErrors.missingCrlf();
        if (this.dataType === EQUALS && (len < 4 || buf[cur + 3] !== COLON)) throw ReplyErrors.badVerbatim();
        cur = this.lineScan = dataEnd + 2;
        this.dataLen = -1;
        done = this.dataType !== SEMICOLON; // a part of a streamed string is not an element
      } else {
        if (cur >= end) break;
        const type = buf[cur];
        const kind = KIND[type];
        // Judged on its first byte, so garbage fails at once rather than after a line.
        if (this.inStreamedString) {
          if (type !== SEMICOLON) throw ReplyErrors.badStreamedChunk();
        } else if (kind === 0 || kind === STREAM_PART) {
          throw ReplyErrors.badTypeByte(type);
        } else if (kind === STREAM_END && (counts.length === 0 || counts[counts.length - 1] >= 0)) {
          throw ReplyErrors.badTypeByte(type);
        }
        const cr = findCR(buf, Math.max(cur + 1, this.lineScan), end);
        const lineEnd = cr < 0 ? end : cr;
        // Judged the same whether the line is complete or not, so that the
        // error does not depend on where the chunks were cut.
        const long = type === PLUS || type === MINUS || type === LPAREN;
        if (lineEnd - cur - 1 > (long ? limits.maxBulkLength : SHORT_LINE)) throw lineTooLong(type);
        if (cr < 0 || cr + 1 >= end) {
          this.lineScan = lineEnd;
          break;
        }
        if (buf[cr + 1] !== LF) throw badLine(type); // a lone CR would be part of the line
        const from = cur + 1;
        switch (kind) {
          case LINE:
            checkLine(buf, type, from, cr);
            done = true;
            break;
          case BLOB: {
            if (type === DOLLAR && cr === from + 1 && buf[from] === QUESTION) {
              this.inStreamedString = true;
              this.streamedLength = 0;
              break;
            }
            const len = parseInteger(buf, from, cr);
            if (len === null) throw ReplyErrors.badBulkLength();
            if (len === -1 && type === DOLLAR) {
              done = true; // the null bulk
              break;
            }
            if (len < 0 || len > limits.maxBulkLength) throw ReplyErrors.bulkLengthOutOfRange();
            this.dataLen = len;
            this.dataType = type;
            break;
          }
          case STREAM_PART: {
            const len = parseInteger(buf, from, cr);
            if (len === null) throw ReplyErrors.badBulkLength();
            if (len < 0 || (this.streamedLength += len) > limits.maxBulkLength) {
              throw ReplyErrors.bulkLengthOutOfRange();
            }
            if (len === 0) {
              this.inStreamedString = false; // ';0' ends the string
              done = true;
            } else {
              this.dataLen = len;
              this.dataType = SEMICOLON;
            }
            break;
          }
          case AGGREGATE: {
            // As hiredis, before the count: even an empty or null aggregate is one level deeper.
            if (kinds.length >= limits.maxDepth) throw ReplyErrors.maxDepth();
            let count: number;
            if (cr === from + 1 && buf[from] === QUESTION && (type === STAR || type === PERCENT || type === TILDE)) {
              count = STREAMED;
            } else {
              const n = parseInteger(buf, from, cr);
              if (n === null) throw ReplyErrors.badMultiBulkLength();
              if (n === -1 && type === STAR) {
                done = true; // the null array
                break;
              }
              if (n < 0 || n > limits.maxAggregateLength) throw ReplyErrors.multiBulkLengthOutOfRange();
              // Maps and attributes hold pairs; an attribute is followed by the reply it annotates.
              count = type === PERCENT || type === PIPE ? 2 * n : n;
              if (type === PIPE) count++;
              if (count === 0) {
                done = true;
                break;
              }
            }
            kinds.push(type);
            counts.push(count);
            this.elements++; // the aggregate itself; its elements count as they end
            break;
          }
          default: {
            // STREAM_END: the top aggregate is streamed (checked above).
            const top = counts.length - 1;
            if (cr !== from || (kinds[top] === PERCENT && (STREAMED - counts[top]) % 2 !== 0)) {
              throw ReplyErrors.badStreamEnd();
            }
            kinds.pop();
            counts.pop();
            done = true;
          }
        }
        cur = this.lineScan = cr + 2;
      }
      if (!done) continue;
      this.elements++;
      // An element ended: count it in its aggregate, and every aggregate it completes in theirs.
      let complete = true;
      for (let top = counts.length - 1; top >= 0; top--) {
        const c = counts[top];
        if (c < 0) {
          // A streamed aggregate has no count to check against the limit: check what it holds.
          const most = kinds[top] === PERCENT ? 2 * limits.maxAggregateLength : limits.maxAggregateLength;
          if (STREAMED - c >= most) throw ReplyErrors.multiBulkLengthOutOfRange();
        }
        if (c < 0 || c > 1) {
          counts[top] = c - 1;
          complete = false;
          break;
        }
        kinds.pop();
        counts.pop();
      }
      if (complete) {
        this.checkSize(cur, 0);
        this.cur = this.frameEnd = cur;
        return true;
      }
    }
    // Judged again once complete, with the same rule: whether a reply is
    // refused does not depend on how its chunks were cut.
    this.checkSize(cur, this.dataLen >= 0 ? this.dataLen + 2 : 0);
    this.cur = cur;
    return false;
  }

  /**
   * Refuses the reply at pos once what it is known to hold passes
   * maxReplyBytes: its bytes up to `cur`, the `announced` bytes of a blob
   * being read, and {@link ELEMENT_BYTES} per element, roughly what decoding
   * one costs, so that no reply of tiny elements can be decoded into more
   * memory than the limit.
   */
  private checkSize(cur: number, announced: number): void {
    if (cur - this.pos + announced + this.elements * ELEMENT_BYTES > this.limits.maxReplyBytes) throw ReplyErrors.replyTooBig();
  }
}

/** buf.indexOf bounded by `end`: past it, an owned buffer holds stale bytes. */
function indexOf(buf: Buffer, byte: number, from: number, end: number): number {
  const i = buf.indexOf(byte, from);
  return i < end ? i : -1;
}

/** Bytes searched in JS before handing a line to the native indexOf. */
const SHORT_SCAN = 24;

/**
 * The first CR in buf[from, end), or -1. Most reply lines (`:1`, `$3`, `+OK`)
 * are a few bytes long, where a JS loop beats the native call's fixed cost;
 * long lines go to `indexOf`.
 */
function findCR(buf: Buffer, from: number, end: number): number {
  const stop = Math.min(end, from + SHORT_SCAN);
  for (let i = from; i < stop; i++) if (buf[i] === CR) return i;
  return stop < end ? indexOf(buf, CR, stop, end) : -1;
}

/** Checks a complete line of a simple type, as hiredis's processLineItem does. */
function checkLine(buf: Buffer, type: number, start: number, end: number): void {
  switch (type) {
    case PLUS:
    case MINUS:
      if (indexOf(buf, LF, start, end) >= 0) throw ReplyErrors.badSimpleString();
      return;
    case COLON:
      if (parseInteger(buf, start, end) === null) throw ReplyErrors.badInteger();
      return;
    case 0x2c: // ','
      if (end - start >= 326) throw ReplyErrors.doubleTooLarge();
      if (parseDouble(buf, start, end) === null) throw ReplyErrors.badDouble();
      return;
    case 0x5f: // '_'
      if (end !== start) throw ReplyErrors.badNil();
      return;
    case 0x23: // '#'
      if (end - start !== 1 || (buf[start] !== 0x74 && buf[start] !== 0x66)) throw ReplyErrors.badBool();
      return;
    default: // '('
      if (!/^-?\d+$/.test(buf.toString('latin1', start, end))) throw ReplyErrors.badBignum();
  }
}

/** The error for a line of this type that is not complete within its limit. */
function lineTooLong(type: number): ProtocolError {
  if (type === PLUS || type === MINUS) return ReplyErrors.simpleStringTooLong();
  if (type === 0x2c) return ReplyErrors.doubleTooLarge();
  return badLine(type);
}

/** The error hiredis gives for a malformed line of this type. */
function badLine(type: number): ProtocolError {
  switch (KIND[type]) {
    case BLOB:
    case STREAM_PART:
      return ReplyErrors.badBulkLength();
    case AGGREGATE:
      return ReplyErrors.badMultiBulkLength();
    case STREAM_END:
      return ReplyErrors.badStreamEnd();
  }
  switch (type) {
    case COLON: return ReplyErrors.badInteger();
    case 0x2c: return ReplyErrors.badDouble();
    case 0x5f: return ReplyErrors.badNil();
    case 0x23: return ReplyErrors.badBool();
    case LPAREN: return ReplyErrors.badBignum();
    default: return ReplyErrors.badSimpleString();
  }
}

/**
 * Reads buf[start, end) as Redis's `string2ll` does: an optional `-`, then
 * digits with no leading zero (a lone `0` is fine), nothing else, within the
 * signed 64-bit range; null otherwise. Values past 2^53 come back rounded:
 * exact enough for every limit, and {@link integerAt} re-reads them exactly.
 */
function parseInteger(buf: Buffer, start: number, end: number): number | null {
  let p = start;
  const negative = p < end && buf[p] === MINUS;
  if (negative) p++;
  const digits = end - p;
  if (digits <= 0 || digits > 19) return null;
  if (buf[p] === ZERO) return digits === 1 && !negative ? 0 : null;
  let value = 0;
  for (; p < end; p++) {
    const c = buf[p];
    if (c < ZERO || c > NINE) return null;
    value = value * 10 + (c - ZERO);
  }
  if (digits === 19) {
    const limit = negative ? 9223372036854775808n : 9223372036854775807n;
    if (BigInt(buf.toString('latin1', end - 19, end)) > limit) return null;
  }
  return negative ? -value : value;
}

/** An integer reply's value: a number when exact, a bigint beyond ±2^53-1. */
function integerAt(buf: Buffer, start: number, end: number): number | bigint {
  const n = parseInteger(buf, start, end) as number;
  return Number.isSafeInteger(n) ? n : BigInt(buf.toString('latin1', start, end));
}

/** A RESP3 double: a decimal number, or inf, -inf, nan (any case, as hiredis). */
function parseDouble(buf: Buffer, start: number, end: number): number | null {
  const text = buf.toString('latin1', start, end);
  const word = DOUBLE_WORDS[text.toLowerCase()];
  if (word !== undefined) return word;
  return DOUBLE.test(text) ? Number(text) : null;
}

function frame(buf: Buffer, start: number, end: number): Buffer {
  return buf.subarray(start, end);
}

/** An aggregate being decoded: its type byte, its elements so far, and how many are still to come (-1: streamed). */
interface Open {
  type: number;
  items: Reply[];
  left: number;
}

/**
 * Decodes one complete reply that {@link ReplyParser} has scanned (and so
 * validated). Iterative over an explicit stack of open aggregates, so depth
 * costs heap, not call stack.
 */
function decode(buf: Buffer, start: number): Reply {
  const open: Open[] = [];
  let parts: Buffer[] | null = null; // a streamed string being read
  let p = start;
  for (;;) {
    const type = buf[p];
    const cr = findCR(buf, p + 1, buf.length); // the frame is validated: a line end is there
    const next = cr + 2;
    let value: Reply | null = null;
    switch (type) {
      case PLUS: value = { type: 'simple', value: buf.toString('utf8', p + 1, cr) }; p = next; break;
      case MINUS: value = { type: 'error', value: buf.toString('utf8', p + 1, cr) }; p = next; break;
      case COLON: value = { type: 'integer', value: integerAt(buf, p + 1, cr) }; p = next; break;
      case 0x2c: value = { type: 'double', value: parseDouble(buf, p + 1, cr) as number }; p = next; break;
      case 0x5f: value = { type: 'null', origin: '_' }; p = next; break;
      case 0x23: value = { type: 'boolean', value: buf[p + 1] === 0x74 }; p = next; break;
      case LPAREN: value = { type: 'bigNumber', value: BigInt(buf.toString('latin1', p + 1, cr)) }; p = next; break;
      case DOLLAR:
      case 0x21: // '!'
      case EQUALS: {
        if (buf[p + 1] === QUESTION) {
          parts = [];
          p = next;
          break;
        }
        const len = parseInteger(buf, p + 1, cr) as number;
        if (len < 0) {
          value = { type: 'null', origin: '$' };
          p = next;
          break;
        }
        const data = buf.subarray(next, next + len);
        if (type === DOLLAR) value = { type: 'bulk', value: data };
        else if (type === EQUALS) value = { type: 'verbatim', format: data.toString('latin1', 0, 3), value: data.subarray(4) };
        else value = { type: 'bulkError', value: data.toString('utf8') };
        p = next + len + 2;
        break;
      }
      case SEMICOLON: {
        const len = parseInteger(buf, p + 1, cr) as number;
        const got = parts as Buffer[];
        if (len === 0) {
          value = { type: 'bulk', value: got.length === 1 ? got[0] : Buffer.concat(got) };
          parts = null;
        } else {
          got.push(buf.subarray(next, next + len));
        }
        p = len === 0 ? next : next + len + 2;
        break;
      }
      case DOT:
        value = close(open.pop() as Open);
        p = next;
        break;
      default: {
        // An aggregate header.
        const from = p + 1;
        p = next;
        if (cr === from + 1 && buf[from] === QUESTION) {
          open.push({ type, items: [], left: -1 });
          break;
        }
        const n = parseInteger(buf, from, cr) as number;
        if (n < 0) {
          value = { type: 'null', origin: '*' };
          break;
        }
        const left = (type === PERCENT || type === PIPE ? 2 * n : n) + (type === PIPE ? 1 : 0);
        if (left === 0) value = close({ type, items: [], left });
        else open.push({ type, items: [], left });
      }
    }
    // Attach the finished value to the aggregates it completes.
    while (value !== null) {
      const top = open.length - 1;
      if (top < 0) return value;
      const agg = open[top];
      agg.items.push(value);
      if (agg.left > 0 && --agg.left === 0) {
        open.pop();
        value = close(agg);
      } else {
        value = null;
      }
    }
  }
}

/** The reply an aggregate becomes once all its elements are read. */
function close(agg: Open): Reply {
  const items = agg.items;
  switch (agg.type) {
    case STAR: return { type: 'array', value: items };
    case TILDE: return { type: 'set', value: items };
    case 0x3e: return { type: 'push', value: items };
    case PERCENT: return { type: 'map', value: pairs(items, items.length) };
    default: return { type: 'attribute', value: pairs(items, items.length - 1), reply: items[items.length - 1] };
  }
}

function pairs(items: Reply[], n: number): [Reply, Reply][] {
  const out: [Reply, Reply][] = [];
  for (let i = 0; i < n; i += 2) out.push([items[i], items[i + 1]]);
  return out;
}
