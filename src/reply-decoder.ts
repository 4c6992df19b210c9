/**
 * ReplyDecoder: Redis replies from bytes, synchronously. The client side of
 * the protocol for callers that own their I/O, and the engine inside
 * {@link ReplyParser}.
 */
import { ProtocolError, ReplyErrors } from './errors.js';
import { Input, asBuffer, type Progress, findCR, hasLF, inputView } from './input.js';
import { string2ll } from './int64.js';
import { type ReplyLimits, type ReplyParserOptions, resolveReplyLimits } from './limits.js';
import type { Frames, Reply } from './reply.js';
import { Byte, KIND, Kind } from './resp.js';
import { cachedText, decode, parseDouble } from './reply-values.js';
import { view } from './view.js';

/**
 * Longest line other than a simple string, error or big number: an integer,
 * a length, a double (hiredis reads one into 326 bytes), a boolean or a marker.
 */
const SHORT_LINE = 512;
/**
 * What one element of a reply is charged against maxReplyBytes besides its
 * bytes: about what its decoded object, its slot in its aggregate and a
 * value's header take on V8's heap.
 */
const ELEMENT_BYTES = 64;
/** Count of a streamed aggregate that has seen no element yet; each element takes one off. */
const STREAMED = -1;

/**
 * Turns bytes into Redis replies, synchronously: push chunks in as they
 * arrive, take replies out, decoded ({@link ReplyDecoder.next}) or as their
 * raw bytes ({@link ReplyDecoder.nextFrame}), mixed as you like.
 *
 * Every RESP2 and RESP3 type is understood, streamed strings (`$?`) and
 * streamed aggregates (`*?` … `.`) included. Results do not depend on how
 * the bytes are split into chunks; memory follows the bytes received, not
 * the lengths announced; a reply trickling in costs time linear in its size.
 * Malformed bytes throw a fatal {@link ProtocolError}, and every later call
 * throws the same error. Nesting is bounded by `maxDepth`, and scanning and
 * decoding are iterative, so no reply can overflow the stack.
 *
 * For code that owns its I/O; over a Node stream, {@link ReplyParser} does
 * this for you, with backpressure.
 *
 * @example
 * ```ts
 * const decoder = new ReplyDecoder();
 * decoder.push(Buffer.from('+OK\r\n:42\r\n'));
 * decoder.next(); // { type: 'simple', value: 'OK' }
 * decoder.nextFrame(); // <Buffer 3a 34 32 0d 0a>, the bytes of `:42\r\n`
 * decoder.next(); // undefined: more input is needed
 * ```
 */
export class ReplyDecoder {
  private readonly limits: ReplyLimits;
  private readonly input = new Input();
  /** What copy calls are told about the reply in progress; one object, refilled before each. */
  private readonly progress: Progress = { keep: 0, want: -1, more: false, room: 0 };

  // Unparsed input is input.buf[pos, input.end); pos is where the next reply
  // begins. Scanning state of that reply, kept between chunks so bytes
  // trickling in are looked at once: the next unscanned byte, how far the
  // current line is known to hold no CR, the blob data awaited at `cur` (its
  // length or -1, and its type byte), and the open aggregates (type byte and
  // elements to come; for a streamed one, STREAMED minus the elements seen).
  private pos = 0;
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

  private failure: ProtocolError | null = null;
  private ended = false;

  constructor(options?: ReplyParserOptions) {
    this.limits = resolveReplyLimits(options);
  }

  /**
   * Adds a chunk of input. Ignored once a fatal error was thrown. Do not
   * change the chunk's bytes afterwards: replies and frames may be views of it.
   */
  push(chunk: Uint8Array): void {
    if (this.failure !== null || chunk.length === 0) return;
    this.moved(this.input.append(asBuffer(chunk), this.where()));
  }

  /**
   * The next complete reply, decoded, or `undefined` when more input is
   * needed. An error reply from the server is a value (`type: 'error'`), not
   * a throw. Throws a fatal {@link ProtocolError} for malformed bytes, or
   * after {@link ReplyDecoder.end} for a reply cut off by the end of input.
   */
  next(): Reply | undefined {
    if (this.fresh()) {
      const reply = this.quick(true);
      if (reply !== undefined) return reply as Reply;
    }
    return this.ready() ? decode(this.input, this.take()) : undefined;
  }

  /**
   * The raw bytes of exactly the next complete reply (an attribute together
   * with the reply it annotates), without decoding them, or `undefined` when
   * more input is needed. A reply that arrived within one chunk is a
   * zero-copy view of it; one spread over chunks is stitched once. Throws as
   * {@link ReplyDecoder.next} does.
   */
  nextFrame(): Buffer | undefined {
    if (this.fresh()) {
      // A simple reply without quick()'s call and branches: for a small one
      // they cost about as much as reading it.
      const start = this.pos, end = simpleEnd(this.input, start, this.limits);
      if (end >= 0) {
        this.pos = this.cur = this.lineScan = end;
        return inputView(this.input, start, end);
      }
      if (this.quick(false) !== undefined) return inputView(this.input, start, this.pos);
    }
    if (!this.ready()) return undefined;
    const start = this.take();
    return inputView(this.input, start, this.pos);
  }

  /**
   * The raw bytes of the complete replies buffered, at most `max` of them,
   * as one zero-copy view, and how many replies it holds; `undefined` when
   * no complete reply is buffered. What {@link ReplyDecoder.nextFrame} gives
   * one by one, in one piece, with nothing allocated per reply: a proxy
   * forwards a burst of replies with one `writeRaw` and counts them.
   *
   * Every reply is checked as `nextFrame()` checks it. Replies that arrived
   * split over chunks may come in more than one view.
   * Throws as {@link ReplyDecoder.next} does; a malformed reply behind
   * complete ones throws at the following call, so those are passed on first.
   */
  nextFrames(max = Infinity): Frames | undefined {
    if (!(max >= 1)) throw new RangeError(`redisproto: nextFrames needs max >= 1, got ${max}`);
    let first = this.pos;
    if (!(this.fresh() && this.quick(false) !== undefined)) {
      if (!this.ready()) return undefined;
      first = this.take(); // ready() may have moved the input
    }
    // Past the first reply nothing may be copied (the batch's view would be
    // cut off): go on only while no tail chunk is held, where scanning reads
    // buf as it is. The batch's bytes are kept aside, as a failure releases them.
    const input = this.input, bytes = input.bytes, offset = input.offset;
    const buf = input.buf, end = input.end, maxBulk = this.limits.maxBulkLength;
    const room = this.limits.maxReplyBytes - ELEMENT_BYTES;
    let count = 1;
    let stop = this.pos;
    while (count < max && input.tail === null) {
      // A taken reply leaves nothing carried (fresh() holds), so simple
      // replies are read straight from their bytes as simpleEnd() reads them,
      // with no state write per reply: a batch then costs little more than
      // its bytes. (Written out: V8 inlines frameEnd() here, not simpleEnd().)
      for (; count < max && stop < end; count++) {
        const next = frameEnd(buf, stop, end, maxBulk);
        if (next < 0 || next - stop > room) break;
        stop = next;
      }
      this.pos = this.cur = this.lineScan = stop;
      if (count >= max) break;
      if (!(this.fresh() && this.quick(false) !== undefined)) {
        try {
          if (!this.ready()) break;
        } catch {
          break; // kept as the failure: the next call throws it
        }
        this.take();
      }
      count++;
      stop = this.pos;
    }
    return { bytes: view(bytes, offset + first, stop - first), count };
  }

  /**
   * Whether a complete reply is buffered, so that the next call returns it:
   * when false, a proxy has forwarded everything that arrived and should
   * flush. Throws as {@link ReplyDecoder.next} does.
   */
  hasReply(): boolean {
    return this.ready();
  }

  /**
   * Says that no more input will come. Throws the fatal "connection closed in
   * the middle of a reply" {@link ProtocolError} if the input ends inside a
   * reply and no complete reply is left to take; otherwise the replies still
   * buffered are taken first, and the call after the last of them throws it.
   */
  end(): void {
    this.ended = true;
    this.ready();
  }

  /** @internal Whether input is buffered that nobody has taken yet. */
  holding(): boolean {
    return this.input.end > this.pos || this.input.tail !== null;
  }

  /** @internal Whether a fatal error ended decoding. */
  failed(): boolean {
    return this.failure !== null;
  }

  /**
   * Whether a complete reply is at pos (its end is then `frameEnd`): scans
   * what is buffered, copying more of a held tail chunk while the reply is
   * incomplete. Throws the decoder's failure.
   */
  private ready(): boolean {
    if (this.failure !== null) throw this.failure;
    if (this.frameEnd >= 0) return true;
    const input = this.input;
    try {
      for (;;) {
        // The split reply is behind us: go on in the chunk itself.
        if (input.tail !== null && this.pos >= input.tailFrom) this.moved(input.enterTail());
        if (this.scan()) return true;
        if (input.tail === null) break;
        const shift = input.stitchMore(this.where());
        if (shift < 0) break; // all of it copied: buf holds everything
        this.moved(shift);
      }
      if (this.ended && input.end > this.pos) throw ReplyErrors.truncated();
      return false;
    } catch (err) {
      throw this.fail(err as ProtocolError);
    }
  }

  /**
   * Whether nothing of the reply at pos has been looked at yet and no state
   * is carried: then {@link ReplyDecoder.quick} may try it. A reply that was
   * seen incomplete once is left to scan(), which resumes where it stopped,
   * so a reply trickling in is never re-read from its start.
   */
  private fresh(): boolean {
    return this.lineScan === this.pos && this.frameEnd < 0 && this.dataLen < 0 && this.counts.length === 0 &&
      !this.inStreamedString && this.input.tail === null && this.failure === null;
  }

  /**
   * The common replies in one pass: a simple string, an error, an integer, a
   * bulk string or a null bulk, or a flat array of those, complete in the
   * buffer, read straight from their bytes with every check scan() makes
   * (decoded when `build`, or `null` then). Anything else, incomplete or
   * malformed gives `undefined` with nothing changed, for the general path to
   * read or refuse in its own words. On success the reply is taken.
   */
  private quick(build: boolean): Reply | null | undefined {
    const buf = this.input.buf, end = this.input.end, start = this.pos;
    if (start >= end) return undefined;
    let value: Reply | null | undefined;
    let elements = 1;
    if (buf[start] !== Byte.STAR) {
      value = item(this.input, start, end, build, this.limits.maxBulkLength);
      if (value === undefined) return undefined;
    } else {
      // Read as scan() would: the depth check comes before the count.
      if (this.limits.maxDepth < 1) return undefined;
      const cr = findCR(buf, start + 1, end);
      if (cr < 0 || cr - start - 1 > SHORT_LINE || cr + 1 >= end || buf[cr + 1] !== Byte.LF) return undefined;
      const n = string2ll(buf, start + 1, cr);
      at = cr + 2;
      if (n === -1) {
        value = build ? { type: 'null', origin: '*' } : null;
      } else {
        if (!(n >= 0 && n <= this.limits.maxAggregateLength)) return undefined; // NaN too
        // Every element takes 3 bytes at least (`+\r\n`): when they cannot all be
        // buffered, the reply is incomplete; otherwise the array is allocated
        // once, at its size, bounded by the input.
        if (n * 3 > end - at) return undefined;
        const items: Reply[] | null = build ? new Array<Reply>(n) : null;
        for (let i = 0; i < n; i++) {
          const element = item(this.input, at, end, build, this.limits.maxBulkLength);
          if (element === undefined) return undefined;
          if (items !== null) items[i] = element as Reply;
        }
        elements += n;
        value = items !== null ? { type: 'array', value: items } : null;
      }
    }
    if (at - start + elements * ELEMENT_BYTES > this.limits.maxReplyBytes) return undefined;
    this.pos = this.cur = this.lineScan = at;
    return value;
  }

  /** Starts scanning after the reply scanned at pos; returns where it began. */
  private take(): number {
    const start = this.pos;
    this.pos = this.cur = this.lineScan = this.frameEnd;
    this.frameEnd = -1;
    this.elements = 0;
    return start;
  }

  /** The reply in progress, as the input's copy policy needs it. */
  private where(): Progress {
    const p = this.progress;
    p.keep = this.pos;
    p.want = this.dataLen >= 0 ? this.cur + this.dataLen + 2 : -1;
    p.more = this.counts.length > 0;
    p.room = this.limits.maxReplyBytes;
    return p;
  }

  /** Moves every position back by `shift` after the input moved its bytes. */
  private moved(shift: number): void {
    if (shift === 0) return;
    this.pos -= shift;
    this.cur -= shift;
    this.lineScan -= shift;
    if (this.frameEnd >= 0) this.frameEnd -= shift;
  }

  private fail(err: ProtocolError): ProtocolError {
    if (this.failure === null) {
      this.failure = err;
      this.input.release(); // nothing more will be parsed
      this.pos = this.cur = this.lineScan = 0;
      this.frameEnd = -1;
      this.kinds = [];
      this.counts = [];
    }
    return this.failure;
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
    const buf = this.input.buf, end = this.input.end, limits = this.limits;
    const kinds = this.kinds, counts = this.counts;
    let cur = this.cur;
    for (;;) {
      // Judged after every line and blob, so that the reply is refused at the same
      // byte whether it arrived whole or cut anywhere: a chunk's end then finds
      // the state this check has already passed.
      this.checkSize(cur, this.dataLen >= 0 ? this.dataLen + 2 : 0);
      let done = false; // whether an element (or the whole reply) ended at cur
      if (this.dataLen >= 0) {
        const len = this.dataLen;
        if (end - cur < len + 2) break;
        const dataEnd = cur + len;
        if (buf[dataEnd] !== Byte.CR || buf[dataEnd + 1] !== Byte.LF) throw ReplyErrors.missingCrlf();
        if (this.dataType === Byte.EQUALS && (len < 4 || buf[cur + 3] !== Byte.COLON)) throw ReplyErrors.badVerbatim();
        cur = this.lineScan = dataEnd + 2;
        this.dataLen = -1;
        done = this.dataType !== Byte.SEMICOLON; // a part of a streamed string is not an element
      } else {
        if (cur >= end) break;
        const type = buf[cur];
        const kind = KIND[type];
        // Judged on its first byte, so garbage fails at once rather than after a line.
        if (this.inStreamedString) {
          if (type !== Byte.SEMICOLON) throw ReplyErrors.badStreamedChunk();
        } else if (kind === 0 || kind === Kind.STREAM_PART) {
          throw ReplyErrors.badTypeByte(type);
        } else if (kind === Kind.STREAM_END && (counts.length === 0 || counts[counts.length - 1] >= 0)) {
          throw ReplyErrors.badTypeByte(type);
        }
        const cr = findCR(buf, Math.max(cur + 1, this.lineScan), end);
        const lineEnd = cr < 0 ? end : cr;
        // Judged the same whether the line is complete or not, so that the
        // error does not depend on where the chunks were cut.
        const long = type === Byte.PLUS || type === Byte.MINUS || type === Byte.LPAREN;
        if (lineEnd - cur - 1 > (long ? limits.maxBulkLength : SHORT_LINE)) throw lineTooLong(type);
        if (cr < 0 || cr + 1 >= end) {
          this.lineScan = lineEnd;
          break;
        }
        if (buf[cr + 1] !== Byte.LF) throw badLine(type); // a lone CR would be part of the line
        const from = cur + 1;
        switch (kind) {
          case Kind.LINE:
            checkLine(buf, type, from, cr);
            done = true;
            break;
          case Kind.BLOB: {
            if (type === Byte.DOLLAR && cr === from + 1 && buf[from] === Byte.QUESTION) {
              this.inStreamedString = true;
              this.streamedLength = 0;
              break;
            }
            const len = string2ll(buf, from, cr);
            if (len !== len) throw ReplyErrors.badBulkLength();
            if (len === -1 && type === Byte.DOLLAR) {
              done = true; // the null bulk
              break;
            }
            if (len < 0 || len > limits.maxBulkLength) throw ReplyErrors.bulkLengthOutOfRange();
            this.dataLen = len;
            this.dataType = type;
            break;
          }
          case Kind.STREAM_PART: {
            const len = string2ll(buf, from, cr);
            if (len !== len) throw ReplyErrors.badBulkLength();
            if (len < 0 || (this.streamedLength += len) > limits.maxBulkLength) {
              throw ReplyErrors.bulkLengthOutOfRange();
            }
            if (len === 0) {
              this.inStreamedString = false; // ';0' ends the string
              done = true;
            } else {
              this.dataLen = len;
              this.dataType = Byte.SEMICOLON;
            }
            break;
          }
          case Kind.AGGREGATE: {
            // As hiredis, before the count: even an empty or null aggregate is one level deeper.
            if (kinds.length >= limits.maxDepth) throw ReplyErrors.maxDepth();
            let count: number;
            if (cr === from + 1 && buf[from] === Byte.QUESTION && (type === Byte.STAR || type === Byte.PERCENT || type === Byte.TILDE)) {
              count = STREAMED;
            } else {
              const n = string2ll(buf, from, cr);
              if (n !== n) throw ReplyErrors.badMultiBulkLength();
              if (n === -1 && type === Byte.STAR) {
                done = true; // the null array
                break;
              }
              if (n < 0 || n > limits.maxAggregateLength) throw ReplyErrors.multiBulkLengthOutOfRange();
              // Maps and attributes hold pairs; an attribute is followed by the reply it annotates.
              count = type === Byte.PERCENT || type === Byte.PIPE ? 2 * n : n;
              if (type === Byte.PIPE) count++;
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
            if (cr !== from || (kinds[top] === Byte.PERCENT && (STREAMED - counts[top]) % 2 !== 0)) {
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
          const most = kinds[top] === Byte.PERCENT ? 2 * limits.maxAggregateLength : limits.maxAggregateLength;
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

/**
 * The end of the simple reply (no aggregate) at `start`, complete and within
 * the limits, checked as quick() checks it; -1 for anything else, which
 * quick() or scan() then read or refuse.
 */
function simpleEnd(input: Input, start: number, limits: ReplyLimits): number {
  const end = frameEnd(input.buf, start, input.end, limits.maxBulkLength);
  return end >= 0 && end - start + ELEMENT_BYTES <= limits.maxReplyBytes ? end : -1;
}

/**
 * Where the simple string, error, integer, bulk string or null bulk at p
 * ends, checked as {@link item} checks it, or -1 (an aggregate too). The
 * frame readers return the end rather than leave it in {@link at}, a module
 * variable whose every use is checked for its temporal dead zone: a frame
 * needs nothing else.
 */
function frameEnd(buf: Buffer, p: number, end: number, maxBulk: number): number {
  if (p >= end) return -1;
  const type = buf[p];
  if (type === Byte.DOLLAR) return bulkEnd(buf, p + 1, end, maxBulk);
  if (type === Byte.COLON) return integerEnd(buf, p + 1, end);
  if (type === Byte.PLUS || type === Byte.MINUS) return lineEnd(buf, p + 1, end, maxBulk);
  return -1;
}

/** Where the last value {@link item} read ends: a module variable rather than a result object, as it runs once per value. */
let at = 0;

/**
 * The simple string, error, integer, bulk string or null bulk at p, complete
 * before `end` and well formed by scan()'s rules, decoded when `build` (else
 * `null`, read as a frame by {@link frameEnd}); sets {@link at} to its end.
 * `undefined` for anything else.
 *
 * A dispatch to one small function per type, so that V8 inlines, within the
 * bytecode budget it gives each caller, only the readers of the types that
 * come there: one function of all three (444 bytes) left nextFrame() too
 * little of its 920 to inline lineInt(), which then cost a call per bulk.
 */
function item(input: Input, p: number, end: number, build: boolean, maxBulk: number): Reply | null | undefined {
  // Never a read at or past `end` here, in the readers below or in lineInt():
  // one read past a buffer's end leaves these loads typed as possibly
  // undefined for good.
  if (!build) {
    const next = frameEnd(input.buf, p, end, maxBulk);
    if (next < 0) return undefined;
    at = next;
    return null;
  }
  if (p >= end) return undefined;
  const type = input.buf[p];
  if (type === Byte.DOLLAR) return bulkItem(input, p, end, maxBulk);
  if (type === Byte.COLON) return integerItem(input.buf, p, end);
  if (type === Byte.PLUS || type === Byte.MINUS) return simpleItem(input.buf, p, end, maxBulk);
  return undefined;
}

/** The bulk string or null bulk at p, decoded as {@link item} reads it. */
function bulkItem(input: Input, p: number, end: number, maxBulk: number): Reply | undefined {
  const buf = input.buf;
  const len = lineInt(buf, p + 1, end);
  if (len === -1) return { type: 'null', origin: '$' };
  if (!(len >= 0 && len <= maxBulk)) return undefined; // NaN and `$?` too
  const data = at, dataEnd = data + len;
  if (dataEnd + 2 > end || buf[dataEnd] !== Byte.CR || buf[dataEnd + 1] !== Byte.LF) return undefined;
  at = dataEnd + 2;
  return { type: 'bulk', value: inputView(input, data, dataEnd) };
}

/**
 * Where the bulk string or null bulk whose length line is at p ends, checked
 * as {@link bulkItem} checks it, or -1. Its own pass over the digits rather
 * than lineInt() and {@link at}: 9% fewer instructions a bulk frame
 * (callgrind, a million 10-byte bulks through nextFrame()).
 */
function bulkEnd(buf: Buffer, p: number, end: number, maxBulk: number): number {
  if (p >= end) return -1;
  if (buf[p] === Byte.MINUS) {
    // Only `$-1`, the null bulk.
    return p + 3 < end && buf[p + 1] === Byte.ZERO + 1 && buf[p + 2] === Byte.CR && buf[p + 3] === Byte.LF ? p + 4 : -1;
  }
  const stop = Math.min(end, p + SHORT_INT + 1);
  let len = 0;
  let i = p;
  for (; i < stop; i++) {
    const c = buf[i];
    if (c < Byte.ZERO || c > Byte.NINE) break;
    len = len * 10 + (c - Byte.ZERO);
  }
  if (!intLineOk(buf, p, i, end, false) || len > maxBulk) return -1;
  const dataEnd = i + 2 + len;
  return dataEnd + 2 <= end && buf[dataEnd] === Byte.CR && buf[dataEnd + 1] === Byte.LF ? dataEnd + 2 : -1;
}

/** The integer at p, decoded as {@link item} reads it. */
function integerItem(buf: Buffer, p: number, end: number): Reply | undefined {
  const n = lineInt(buf, p + 1, end);
  return n !== n ? undefined : { type: 'integer', value: n };
}

/** The simple string or error at p, decoded as {@link item} reads it. */
function simpleItem(buf: Buffer, p: number, end: number, maxBulk: number): Reply | undefined {
  const next = lineEnd(buf, p + 1, end, maxBulk);
  if (next < 0) return undefined;
  at = next;
  const value = cachedText(buf, p + 1, next - 2);
  return buf[p] === Byte.PLUS ? { type: 'simple', value } : { type: 'error', value };
}

/** Where the line of a simple string or error whose text starts at p ends (past its CRLF), or -1: no LF inside, at most `maxBulk` bytes. */
function lineEnd(buf: Buffer, p: number, end: number, maxBulk: number): number {
  const cr = findCR(buf, p, end);
  if (cr < 0 || cr + 1 >= end || buf[cr + 1] !== Byte.LF || cr - p > maxBulk) return -1;
  return hasLF(buf, p, cr) ? -1 : cr + 2;
}

/** Most digits {@link lineInt} reads: any such integer is exact in a double. */
const SHORT_INT = 15;

/**
 * The integer line at p (after its type byte), complete with its CRLF before
 * `end`, read as string2ll would read it; sets {@link at} past the CRLF.
 * Returns its value, or NaN for anything else, longer integers included (the
 * general path reads those).
 */
function lineInt(buf: Buffer, p: number, end: number): number {
  if (p >= end) return NaN;
  const negative = buf[p] === Byte.MINUS;
  const first = negative ? p + 1 : p;
  const stop = Math.min(end, first + SHORT_INT + 1);
  let n = 0;
  let i = first;
  for (; i < stop; i++) {
    const c = buf[i];
    if (c < Byte.ZERO || c > Byte.NINE) break;
    n = n * 10 + (c - Byte.ZERO);
  }
  if (!intLineOk(buf, first, i, end, negative)) return NaN;
  at = i + 2;
  return negative ? -n : n;
}

/**
 * Where the integer line at p ends (past its CRLF), checked as {@link lineInt}
 * checks it, or -1. Only counts the digits: summing a large value runs in
 * doubles, whose multiply-add chain is most of the time of reading one; and
 * the end is returned rather than left in {@link at}, a module variable whose
 * every use is checked for its temporal dead zone (a batch of integers
 * frames 0.90× the time, bench/ab.mjs).
 */
function integerEnd(buf: Buffer, p: number, end: number): number {
  if (p >= end) return -1;
  const negative = buf[p] === Byte.MINUS;
  const first = negative ? p + 1 : p;
  const stop = Math.min(end, first + SHORT_INT + 1);
  let i = first;
  while (i < stop && (buf[i] - Byte.ZERO) >>> 0 <= 9) i++; // one unsigned compare per digit rather than two
  return intLineOk(buf, first, i, end, negative) ? i + 2 : -1;
}

/** Whether the digits [first, i) make an integer line by string2ll's rules, ended by CRLF before `end`. */
function intLineOk(buf: Buffer, first: number, i: number, end: number, negative: boolean): boolean {
  const digits = i - first;
  if (digits === 0 || digits > SHORT_INT || i + 1 >= end || buf[i] !== Byte.CR || buf[i + 1] !== Byte.LF) return false;
  return !(buf[first] === Byte.ZERO && (digits > 1 || negative)); // no leading zero, no -0
}

/** Checks a complete line of a simple type, as hiredis's processLineItem does. */
function checkLine(buf: Buffer, type: number, start: number, end: number): void {
  switch (type) {
    case Byte.PLUS:
    case Byte.MINUS:
      if (hasLF(buf, start, end)) throw ReplyErrors.badSimpleString();
      return;
    case Byte.COLON:
      if (Number.isNaN(string2ll(buf, start, end))) throw ReplyErrors.badInteger();
      return;
    case Byte.COMMA: // ','
      if (end - start >= 326) throw ReplyErrors.doubleTooLarge();
      if (parseDouble(buf, start, end) === null) throw ReplyErrors.badDouble();
      return;
    case Byte.UNDERSCORE: // '_'
      if (end !== start) throw ReplyErrors.badNil();
      return;
    case Byte.HASH: // '#'
      if (end - start !== 1 || (buf[start] !== 0x74 && buf[start] !== 0x66)) throw ReplyErrors.badBool();
      return;
    default: // '('
      if (!/^-?\d+$/.test(buf.toString('latin1', start, end))) throw ReplyErrors.badBignum();
  }
}

/** The error for a line of this type that is not complete within its limit. */
function lineTooLong(type: number): ProtocolError {
  if (type === Byte.PLUS || type === Byte.MINUS) return ReplyErrors.simpleStringTooLong();
  if (type === Byte.COMMA) return ReplyErrors.doubleTooLarge();
  return badLine(type);
}

/** The error hiredis gives for a malformed line of this type. */
function badLine(type: number): ProtocolError {
  switch (KIND[type]) {
    case Kind.BLOB:
    case Kind.STREAM_PART:
      return ReplyErrors.badBulkLength();
    case Kind.AGGREGATE:
      return ReplyErrors.badMultiBulkLength();
    case Kind.STREAM_END:
      return ReplyErrors.badStreamEnd();
  }
  switch (type) {
    case Byte.COLON: return ReplyErrors.badInteger();
    case Byte.COMMA: return ReplyErrors.badDouble();
    case Byte.UNDERSCORE: return ReplyErrors.badNil();
    case Byte.HASH: return ReplyErrors.badBool();
    case Byte.LPAREN: return ReplyErrors.badBignum();
    default: return ReplyErrors.badSimpleString();
  }
}
