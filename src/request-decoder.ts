/**
 * RequestDecoder: Redis requests from bytes, synchronously. The server side
 * of the protocol for callers that own their I/O, and the engine inside
 * {@link Parser}.
 */
import { Command, type Offsets } from './command.js';
import { Errors, ProtocolError } from './errors.js';
import { splitInline } from './inline.js';
import { Input, asBuffer, type Progress, indexOf } from './input.js';
import { string2ll } from './int64.js';
import { type Limits, type ParserOptions, resolveLimits } from './limits.js';
import type { Frames } from './reply.js';
import { Byte } from './resp.js';
import { view } from './view.js';

/**
 * Turns bytes into Redis requests, synchronously: push chunks in as they
 * arrive, take commands out. Both request forms are understood, mixed and
 * pipelined: multibulk (`*<n>\r\n$<len>\r\n<bytes>\r\n…`, what clients send)
 * and inline (a line of words, what a person types into telnet). Results do
 * not depend on how the bytes are split into chunks.
 *
 * For code that owns its I/O: a `'data'` handler, Bun's or Deno's socket
 * callbacks, WebSocket messages, a capture file. Over a Node stream,
 * {@link Parser} does this for you, with backpressure.
 *
 * @example
 * ```ts
 * const decoder = new RequestDecoder();
 * socket.on('data', (chunk) => {
 *   decoder.push(chunk);
 *   for (let cmd; (cmd = decoder.next()) !== undefined; ) {
 *     // … answer cmd; flush when cmd.isLast()
 *   }
 * });
 * socket.on('end', () => decoder.end()); // throws if a request was cut off
 * ```
 *
 * A chunk is read in place where it can be: commands are views of it, so
 * do not reuse a pushed chunk's memory while its commands are in use.
 */
export class RequestDecoder {
  private readonly limits: Limits;
  /** Whether {@link quickRequest}'s lines are always within maxInlineLength. */
  private readonly quickOk: boolean;
  private readonly input = new Input();
  /** What copy calls are told about the request in progress; one object, refilled before each. */
  private readonly progress: Progress = { keep: 0, want: -1, more: false, room: 0 };

  // The unparsed input is input.buf[pos, input.end). Everything before `scan`
  // is known to hold no line terminator, so a line trickling in is searched
  // once, not once per chunk.
  private pos = 0;
  private scan = 0;

  // A multibulk request in progress: where it began, how many arguments are
  // still to come, the length of the next one once its header is read, and the
  // offsets of those already read.
  private reqStart = 0;
  private argsLeft = 0;
  private bulkLen = -1;
  private offsets: Offsets = NO_OFFSETS;
  // How many entries of `offsets` are written: a small request's array is
  // allocated at its final size up front, so its length says nothing.
  private filled = 0;
  // The buffer commands were last cut from, with its memory and offset in it
  // (see Command: views are built from these).
  private viewed: Buffer = EMPTY;
  private memory: ArrayBuffer = EMPTY.buffer as ArrayBuffer;
  private base = 0;

  private ahead: Command | null = null;
  private pendingError: ProtocolError | null = null;
  // A fatal error: every later call throws it.
  private failure: ProtocolError | null = null;
  private ended = false;

  constructor(options?: ParserOptions) {
    this.limits = resolveLimits(options);
    this.quickOk = this.limits.maxInlineLength >= QUICK_LINE;
  }

  /**
   * Adds a chunk of input. Ignored once a fatal error was thrown (nothing
   * more will be read). Do not change the chunk's bytes afterwards: commands
   * may be views of it.
   */
  push(chunk: Uint8Array): void {
    if (this.failure !== null || chunk.length === 0) return;
    this.moved(this.input.append(asBuffer(chunk), this.where()));
  }

  /**
   * The next complete command, or `undefined` when more input is needed.
   *
   * Throws a {@link ProtocolError} for malformed input. After a fatal one
   * every later call throws the same error; after a recoverable one
   * (`fatal: false`, the offending inline request skipped) the next call
   * goes on. A request that outgrows `maxQueryBuffer` before it is complete
   * is refused as soon as the chunk that makes it so is pushed and `next()`
   * is called.
   */
  next(): Command | undefined {
    const cmd = this.ahead;
    if (cmd !== null && this.argsLeft === 0 && this.quickOk && this.input.tail === null) {
      // The hot path. A command parsed ahead is given out, and most often the
      // one behind it is whole in the buffer and plain: it is read in one pass
      // with no state kept, and every other case (split, unusual, malformed)
      // goes to the general path from its start.
      const buf = this.input.buf;
      const pos = this.pos;
      const offsets = quickRequest(buf, pos, this.input.end, this.limits, true);
      if (offsets !== null) {
        this.pos = quickEnd;
        this.ahead = this.command(buf, offsets, pos, quickEnd);
        cmd.last = false;
        return cmd;
      }
    }
    if (this.failure !== null) throw this.failure;
    try {
      const cmd = this.take();
      if (cmd !== null) return cmd;
      // Everything still buffered belongs to one unfinished request: bound it
      // as soon as it is read, as Redis's client-query-buffer-limit does, with
      // its per-argument bookkeeping counted too.
      if (this.held() > this.limits.maxQueryBuffer) throw Errors.queryBufferLimit();
      if (this.ended && this.held() > 0) throw Errors.truncated();
      return undefined;
    } catch (err) {
      throw this.fail(err as ProtocolError);
    }
  }

  /**
   * The complete multibulk requests at the front of the input, at most `max`
   * of them, as one zero-copy view of the bytes they arrived in, and how many
   * they are: what a proxy forwards upstream in one write, with no
   * {@link Command} made per request.
   *
   * `undefined` when the next request is not a complete multibulk one: call
   * {@link RequestDecoder.next} then, which gives an inline request (it has no
   * RESP form to forward), says `undefined` while the request is incomplete,
   * or throws its error. Requests are checked as `next()` checks them; those
   * that arrived split over chunks come one per view.
   */
  nextFrames(max = Infinity): Frames | undefined {
    if (!(max >= 1)) throw new RangeError(`redisproto: nextFrames needs max >= 1, got ${max}`);
    if (this.failure !== null) throw this.failure;
    let first = this.ahead;
    if (first === null) {
      if (this.pendingError !== null) return undefined; // next() throws it
      try {
        first = this.parseNext();
      } catch (err) {
        this.pendingError = err as ProtocolError; // as a lookahead does: next() throws it
        return undefined;
      }
      if (first === null) return undefined;
      this.ahead = first;
    }
    // An inline request has no RESP form to forward: next() gives it. (A
    // multibulk one is the latest command made, so `viewed` is its buffer and
    // memory and base below are its own; the second test only guards that.)
    if (first.rawStart < 0 || first.buf !== this.viewed) return undefined;
    // The requests right behind it in the same buffer, read in one pass and
    // checked as the one-pass reader checks them; anything else ends the batch.
    const input = this.input;
    const buf = input.buf;
    const end = input.end;
    let stop = first.rawEnd;
    let count = 1;
    if (buf === first.buf && this.pos === stop && input.tail === null && this.argsLeft === 0 && this.quickOk) {
      while (count < max && quickRequest(buf, stop, end, this.limits, false) !== null) {
        stop = quickEnd;
        count++;
      }
      this.pos = stop;
    }
    this.ahead = null;
    return { bytes: view(this.memory, this.base + first.rawStart, stop - first.rawStart), count };
  }

  /**
   * Says that no more input will come. Throws the fatal "connection closed in
   * the middle of a request" {@link ProtocolError} if the input ends inside a
   * request and no complete command is left to take; otherwise the commands
   * still buffered are taken with {@link RequestDecoder.next}, and the call
   * after the last of them throws it.
   */
  end(): void {
    this.ended = true;
    if (this.failure !== null) throw this.failure;
    if (this.ahead !== null || this.pendingError !== null) return;
    // Complete commands pushed but not taken yet come first.
    try {
      this.ahead = this.parseNext();
    } catch (err) {
      this.pendingError = err as ProtocolError;
      return;
    }
    if (this.ahead === null && this.held() > 0) throw this.fail(Errors.truncated());
  }

  /** @internal Whether input or a result is buffered that nobody has taken yet. */
  holding(): boolean {
    return this.ahead !== null || this.pendingError !== null || this.input.end > this.pos || this.argsLeft > 0 || this.input.tail !== null;
  }

  /** @internal Whether a fatal error ended decoding. */
  failed(): boolean {
    return this.failure !== null;
  }

  /** Bytes held for the request in progress (input and bookkeeping), or all unparsed input between requests. */
  private held(): number {
    return this.argsLeft > 0 ? this.input.end - this.reqStart + bookkeeping(this.offsets) : this.input.end - this.pos;
  }

  /** The request in progress, as the input's copy policy needs it. */
  private where(): Progress {
    const p = this.progress;
    const inRequest = this.argsLeft > 0;
    p.keep = inRequest ? this.reqStart : this.pos;
    // Inside bulk data of known length: where it ends.
    p.want = inRequest && this.bulkLen >= 0 ? this.pos + this.bulkLen + 2 : -1;
    p.more = this.argsLeft > 1;
    // The buffer and the request's offsets together stay within maxQueryBuffer.
    p.room = this.limits.maxQueryBuffer - (inRequest ? bookkeeping(this.offsets) : 0);
    return p;
  }

  /** Moves every position back by `shift` after the input moved its bytes. */
  private moved(shift: number): void {
    if (shift === 0) return;
    const offsets = this.offsets;
    for (let i = 0; i < this.filled; i++) offsets[i] -= shift;
    this.pos -= shift;
    this.scan = Math.max(0, this.scan - shift);
    this.reqStart -= shift;
  }

  private fail(err: ProtocolError): ProtocolError {
    if (!(err instanceof ProtocolError) || err.fatal) {
      this.failure = err;
      this.input.release(); // nothing more will be parsed
      this.pos = this.scan = this.reqStart = 0;
      this.offsets = NO_OFFSETS;
      this.filled = this.argsLeft = 0;
      this.ahead = null;
    }
    return err;
  }

  /** The next buffered command, or null if none is complete; throws a ProtocolError. */
  private take(): Command | null {
    let cmd = this.ahead;
    if (cmd !== null) {
      this.ahead = null;
    } else {
      const err = this.pendingError;
      if (err !== null) {
        this.pendingError = null;
        throw err;
      }
      cmd = this.parseNext();
      if (cmd === null) return null;
    }
    // Parse one command ahead so that isLast() can tell whether another is
    // buffered; an error found ahead is kept for the next call.
    try {
      this.ahead = this.parseNext();
    } catch (err) {
      this.pendingError = err as ProtocolError;
    }
    cmd.last = this.ahead === null;
    return cmd;
  }

  /**
   * The next command, or null when more input is needed: {@link RequestDecoder.parse}
   * over the copied start of a split request, then over the chunk behind it.
   */
  private parseNext(): Command | null {
    const input = this.input;
    for (;;) {
      const cmd = this.parse();
      if (input.tail === null) return cmd;
      if (this.argsLeft === 0 && this.pos >= input.tailFrom) {
        // The split request is behind us: go on in the chunk itself.
        this.moved(input.enterTail());
        this.scan = Math.max(this.pos, this.scan);
        this.reqStart = this.pos;
        if (cmd !== null) return cmd;
        continue;
      }
      if (cmd !== null) return cmd;
      const shift = input.stitchMore(this.where());
      if (shift < 0) return null; // all of it copied: buf holds everything
      this.moved(shift);
    }
  }

  /**
   * Parses the next complete command from the buffered input, or returns null
   * when more bytes are needed. This is the hot path: it works on byte offsets
   * and keeps its state in fields so an incomplete request resumes where it
   * stopped instead of being scanned again.
   */
  private parse(): Command | null {
    const input = this.input;
    const buf = input.buf;
    const end = input.end;
    const limits = this.limits;
    let pos = this.pos;
    // The multibulk request in progress stays in locals while the bytes last
    // and goes back to the fields only when more input is needed: a request
    // that arrived whole then costs no field writes but `pos` (errors are
    // fatal, so nothing needs saving when one is thrown).
    let argsLeft = this.argsLeft;
    let offsets = this.offsets;
    let filled = this.filled;
    let len = this.bulkLen;
    let reqStart = this.reqStart;

    for (;;) {
      if (argsLeft === 0) {
        if (pos >= end) break;
        if (buf[pos] !== Byte.STAR) {
          // Inline request: one line ended by \n (an \r before it is dropped).
          const nl = indexOf(buf, Byte.LF, Math.max(pos, this.scan), end);
          const lineEnd = nl < 0 ? end : nl;
          if (lineEnd - pos > limits.maxInlineLength) throw Errors.tooBigInline();
          if (nl < 0) {
            this.scan = end;
            break;
          }
          const stop = nl > pos && buf[nl - 1] === Byte.CR ? nl - 1 : nl;
          const args = splitInline(buf, pos, stop);
          pos = nl + 1;
          this.pos = pos;
          if (typeof args === 'string') throw args === 'NUL byte' ? Errors.nulInline() : Errors.unbalancedQuotes();
          if (args.offsets.length === 0) continue; // blank lines are ignored, as in Redis
          return Command.of(args.buf, args.offsets, -1, -1);
        }
        // Fast path for a complete `*<n>\r\n` with n > 0: read in one pass
        // over a few bytes, no native indexOf call. Anything else goes on to
        // the general code below, which owns every error.
        let count = fastLength(buf, pos + 1, end);
        if (count > 0 && count <= limits.maxArgs && fastCr - pos <= limits.maxInlineLength) {
          reqStart = pos;
          pos = fastCr + 2;
        } else {
          // Multibulk header *<count>\r\n. Like Redis, look for the \r first
          // and judge the line once it is complete.
          const cr = indexOf(buf, Byte.CR, Math.max(pos, this.scan), end);
          if ((cr < 0 ? end : cr) - pos > limits.maxInlineLength) throw Errors.tooBigMbulkCount();
          if (cr < 0 || cr + 1 >= end) {
            this.scan = cr < 0 ? end : cr;
            break;
          }
          count = string2ll(buf, pos + 1, cr);
          if (count !== count || count > limits.maxArgs) throw Errors.invalidMultibulkLength();
          if (buf[cr + 1] !== Byte.LF) throw Errors.missingCrlf('multibulk length');
          reqStart = pos;
          pos = cr + 2;
          if (count <= 0) {
            this.pos = pos;
            continue; // Redis skips empty and negative counts silently
          }
        }
        argsLeft = count;
        len = -1;
        offsets = offsetsFor(count);
        filled = 0;
      }

      // Bulk arguments: $<len>\r\n<bytes>\r\n, repeated argsLeft times.
      while (argsLeft > 0) {
        if (len < 0 && buf[pos] === Byte.DOLLAR) {
          // Fast path for a complete `$<len>\r\n`, as for the count above.
          const fast = fastLength(buf, pos + 1, end);
          if (fast >= 0 && fast <= limits.maxBulkLength && fastCr - pos <= limits.maxInlineLength) {
            len = fast;
            pos = fastCr + 2;
          }
        }
        if (len < 0) {
          const cr = indexOf(buf, Byte.CR, Math.max(pos, this.scan), end);
          if ((cr < 0 ? end : cr) - pos > limits.maxInlineLength) throw Errors.tooBigBulkCount();
          if (cr < 0 || cr + 1 >= end) {
            this.scan = cr < 0 ? end : cr;
            break;
          }
          if (buf[pos] !== Byte.DOLLAR) throw Errors.expectedDollar(buf[pos]);
          len = string2ll(buf, pos + 1, cr);
          if (!(len >= 0 && len <= limits.maxBulkLength)) throw Errors.invalidBulkLength();
          if (buf[cr + 1] !== Byte.LF) throw Errors.missingCrlf('bulk length');
          pos = cr + 2;
        }
        if (end - pos < len + 2) break;
        const dataEnd = pos + len;
        if (buf[dataEnd] !== Byte.CR || buf[dataEnd + 1] !== Byte.LF) throw Errors.missingCrlf('bulk data');
        // Never true for a small request, whose array has its final size.
        if (filled === offsets.length) offsets = growOffsets(offsets, filled + argsLeft * 2, input.heldFrom(reqStart), limits);
        offsets[filled] = pos;
        offsets[filled + 1] = dataEnd;
        filled += 2;
        pos = dataEnd + 2;
        len = -1;
        argsLeft--;
      }
      this.pos = pos;
      if (argsLeft > 0) {
        this.argsLeft = argsLeft;
        this.offsets = offsets;
        this.filled = filled;
        this.bulkLen = len;
        this.reqStart = reqStart;
        return null;
      }
      if (this.argsLeft !== 0) {
        // The request had been saved unfinished: it is finished now.
        this.argsLeft = 0;
        this.offsets = NO_OFFSETS;
        this.filled = 0;
        this.bulkLen = -1;
      }
      // A large request's array has room to spare: hand out a view of the filled part.
      return this.command(buf, filled === offsets.length ? offsets : (offsets as Float64Array).subarray(0, filled), reqStart, pos);
    }
    this.pos = pos;
    return null;
  }

  /** The multibulk request buf[start, end) with its arguments at `offsets`. */
  private command(buf: Buffer, offsets: Offsets, start: number, end: number): Command {
    if (this.viewed !== buf) {
      // Read once per input buffer rather than once per command.
      this.viewed = buf;
      this.memory = buf.buffer as ArrayBuffer;
      this.base = buf.byteOffset;
    }
    return Command.of(buf, offsets, start, end, this.memory, this.base);
  }
}

const EMPTY = Buffer.alloc(0);

/** Where the line read by the last successful {@link fastLength} ends (its \r). */
let fastCr = 0;

/**
 * The common length line `<digits>\r\n` at buf[start…): `0`, or 1 to 9
 * digits with no leading zero, followed by a complete CRLF. Returns the value
 * and sets {@link fastCr}, or returns -1 for anything else (a sign, a leading
 * zero, more digits, a line not complete yet, a bad byte), leaving the line to
 * the general path. Byte by byte on purpose: for a line of a few bytes this
 * is several times cheaper than a native indexOf call. Never reads at or past
 * `end`: one read past a buffer's end teaches the optimizer that these loads
 * may give undefined, and every byte read here costs more from then on.
 */
function fastLength(buf: Buffer, start: number, end: number): number {
  if (start >= end) return -1;
  let c = buf[start];
  let p = start + 1;
  let value = c - Byte.ZERO;
  if (c > Byte.ZERO && c <= Byte.NINE) {
    const stop = Math.min(end, start + 9);
    for (; p < stop; p++) {
      c = buf[p];
      if (c < Byte.ZERO || c > Byte.NINE) break;
      value = value * 10 + (c - Byte.ZERO);
    }
  } else if (c !== Byte.ZERO) {
    return -1;
  }
  if (p + 1 >= end || buf[p] !== Byte.CR || buf[p + 1] !== Byte.LF) return -1;
  fastCr = p;
  return value;
}

/** Where the request read by the last successful {@link quickRequest} ends. */
let quickEnd = 0;
/** The longest line {@link quickRequest} reads: `$`, 9 digits, CRLF. */
const QUICK_LINE = 12;

/**
 * The multibulk request at buf[pos…) (`*` there) if it is complete before
 * `end` and in the form clients send: a count of 1 to {@link PREALLOCATED_ARGS}
 * (within maxArgs) and argument lengths (within maxBulkLength) as
 * {@link fastLength} reads them (1 to 9 digits, no sign or leading zero),
 * every CRLF in place. Returns the arguments' offsets (in a new array when
 * `keep`, else in {@link SCRATCH}) and sets {@link quickEnd}, or returns
 * null for anything else, having changed nothing, so the general path reads
 * it again and owns every error.
 *
 * Its lines are read here rather than by fastLength, each byte once, and
 * three bytes at a time are known to be in range: one command in 0.89×–0.94×
 * the time (`bench/ab.mjs`, 8 processes each, twice).
 */
function quickRequest(buf: Buffer, pos: number, end: number, limits: Limits, keep: boolean): number[] | null {
  // `*`, a digit and the byte behind it are in range.
  if (pos + 3 >= end || buf[pos] !== Byte.STAR) return null;
  let p = pos + 1;
  let count = buf[p] - Byte.ZERO;
  if (count <= 0 || count > 9) return null;
  let c = buf[++p];
  if (c !== Byte.CR) {
    // A second digit; more than two is more than PREALLOCATED_ARGS.
    const digit = c - Byte.ZERO;
    if (digit >>> 0 > 9) return null;
    count = count * 10 + digit;
    if (++p >= end || buf[p] !== Byte.CR) return null;
  }
  if (count > PREALLOCATED_ARGS || count > limits.maxArgs || p + 1 >= end || buf[p + 1] !== Byte.LF) return null;
  p += 2;
  const maxBulk = limits.maxBulkLength;
  const offsets = keep ? new Array<number>(count * 2) : SCRATCH;
  for (let i = 0; i < count * 2; i += 2) {
    // `$`, a digit and the byte behind it are in range.
    if (p + 3 >= end || buf[p] !== Byte.DOLLAR) return null;
    let len = buf[++p] - Byte.ZERO;
    if (len >>> 0 > 9) return null; // one unsigned compare: below '0' wraps around
    c = buf[++p];
    if (len !== 0) {
      // Up to 8 more digits, each byte read once; the first non-digit is the \r.
      const stop = Math.min(end, p + 9);
      for (;;) {
        const digit = c - Byte.ZERO;
        if (digit >>> 0 > 9) break;
        len = len * 10 + digit;
        if (++p >= stop) return null;
        c = buf[p];
      }
    }
    if (c !== Byte.CR || p + 1 >= end || buf[p + 1] !== Byte.LF || len > maxBulk) return null;
    const start = p + 2;
    p = start + len;
    if (p + 1 >= end || buf[p] !== Byte.CR || buf[p + 1] !== Byte.LF) return null;
    offsets[i] = start;
    offsets[i + 1] = p;
    p += 2;
  }
  quickEnd = p;
  return offsets;
}

/** Requests with up to this many arguments get their offsets array at its final size at once. */
const PREALLOCATED_ARGS = 64;
/** Where {@link quickRequest} writes offsets nobody keeps (a scan for frames). */
const SCRATCH = new Array<number>(2 * PREALLOCATED_ARGS);
/** Placeholder between requests; never written to (each header sets a fresh array). */
const NO_OFFSETS: number[] = [];
/** Bytes one offset costs in a large request's Float64Array, as counted against maxQueryBuffer. */
const OFFSET_BYTES = Float64Array.BYTES_PER_ELEMENT;

/**
 * The offsets array for a request of `count` arguments. Small ones get a
 * plain array at its final size (no growing while filling, the cheapest
 * thing to allocate per command). Larger ones get a typed array that grows
 * geometrically as arguments arrive ({@link growOffsets}): a huge announced
 * count allocates nothing up front, and the array's bytes are counted
 * against maxQueryBuffer, so no request can grow it to V8's size limits.
 */
function offsetsFor(count: number): Offsets {
  return count <= PREALLOCATED_ARGS ? new Array<number>(count * 2) : new Float64Array(PREALLOCATED_ARGS * 2);
}

/**
 * Bytes a request's offsets count against maxQueryBuffer: a large request's
 * typed array. A small one's plain array (at most {@link PREALLOCATED_ARGS}
 * arguments, about 1 KiB) is part of the per-connection constant, so that a
 * request of exactly maxQueryBuffer bytes is held, as in Redis.
 */
function bookkeeping(offsets: Offsets): number {
  return offsets instanceof Float64Array ? offsets.byteLength : 0;
}

/**
 * A large request's offsets with up to twice the room (at most `total`
 * entries), the filled ones copied over. The new array and the request's
 * input memory (`held`) together stay within maxQueryBuffer; a request that
 * cannot go on within it, or whose array cannot be allocated, is refused
 * with the query-buffer error.
 */
function growOffsets(offsets: Offsets, total: number, held: number, limits: Limits): Float64Array {
  const room = Math.floor((limits.maxQueryBuffer - held) / OFFSET_BYTES);
  const cap = Math.min(total, offsets.length * 2, room);
  if (cap <= offsets.length) throw Errors.queryBufferLimit();
  let next: Float64Array;
  try {
    next = new Float64Array(cap);
  } catch {
    throw Errors.queryBufferLimit(); // out of memory for it: refuse the request, not the process
  }
  next.set(offsets as Float64Array);
  return next;
}
