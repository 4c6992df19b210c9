import type { Readable } from 'node:stream';
import { Command, type Offsets } from './command.js';
import { Errors, ProtocolError } from './errors.js';
import { splitInline } from './inline.js';
import { type Limits, type ParserOptions, resolveLimits } from './limits.js';
import { StreamFeed } from './reader.js';

const CR = 0x0d, LF = 0x0a, STAR = 0x2a, DOLLAR = 0x24, MINUS = 0x2d, ZERO = 0x30, NINE = 0x39;

/** Returned by {@link parseLength} for text that is not a length. */
const BAD = -1;
/** Returned by {@link parseLength} for a negative length: a count that Redis skips. */
const NEGATIVE = -2;

/** Smallest buffer the parser allocates when it has to stitch chunks together. */
const MIN_STITCH = 16 * 1024;
/**
 * A bulk value's whole buffer is reserved once this fraction (1/n) of it has
 * arrived: its last copy then holds at most 1/n of it twice, so the parser's
 * peak memory stays within (1 + 2/n) times the value.
 */
const RESERVE_AHEAD = 32;
/**
 * When a request is split across chunks, this much of the next chunk (or the
 * bytes still pending, if more) is first copied behind it; more is copied,
 * doubling, only if the request is not complete yet.
 */
const STITCH_STEP = 1024;

const EMPTY = Buffer.alloc(0);

/** A readCommand() call waiting for input. */
interface Waiter {
  resolve(cmd: Command | null): void;
  reject(err: unknown): void;
}

/**
 * Reads Redis requests from a stream, one at a time, on demand.
 *
 * Both request forms are understood, mixed and pipelined: multibulk
 * (`*<n>\r\n$<len>\r\n<bytes>\r\n…`, what clients send) and inline (a line of
 * words, what a person types into telnet). Results do not depend on how the
 * bytes are split into chunks.
 *
 * Input is taken as the stream delivers it, but once a chunk arrives that
 * nobody has asked for yet, the parser pauses the stream until the next call:
 * a server that stops asking stops reading after at most one chunk, and the
 * stream's own backpressure holds the client back.
 *
 * The parser listens for the stream's `'error'`: an I/O failure rejects the
 * pending or next `readCommand()` with that error instead of being thrown.
 *
 * @example
 * ```ts
 * const parser = new Parser(socket);
 * const writer = new Writer(socket);
 * for await (const cmd of parser) {
 *   if (cmd.name() === 'ping') writer.writeSimpleString('PONG');
 *   if (cmd.isLast()) await writer.flush();
 * }
 * ```
 *
 * A busy server takes buffered commands without a promise each (see
 * {@link Parser.tryReadCommand}):
 * ```ts
 * for (let cmd; (cmd = parser.tryReadCommand() ?? (await parser.readCommand())) !== null; ) {
 *   // …
 * }
 * ```
 */
export class Parser implements AsyncIterable<Command> {
  private readonly feed: StreamFeed;
  private readonly limits: Limits;

  // The unparsed input is buf[pos, end). When `owned`, buf was allocated here
  // and buf[end, buf.length) is free room to append into.
  private buf: Buffer = EMPTY;
  private pos = 0;
  private end = 0;
  private owned = false;
  // Everything before `scan` is known to hold no line terminator, so a line
  // trickling in is searched once, not once per chunk.
  private scan = 0;
  // The chunk that arrived behind a split request. Only its bytes before
  // `tailAt` are copied into buf, where its byte 0 sits at `tailFrom`: once
  // the split request is complete, parsing moves to the chunk itself, so a
  // split costs a copy of that request, not of the chunk behind it.
  private tail: Buffer | null = null;
  private tailAt = 0;
  private tailFrom = 0;

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
  // What ends all reading: a fatal ProtocolError or the stream's own error.
  private failure: unknown = null;
  // How the stream ended, seen once the input buffered before it is used up.
  private ended = false;
  private streamError: unknown = null;
  // readCommand() calls not answered yet, oldest first (more than one only
  // when a caller does not await).
  private readonly waiters: Waiter[] = [];

  constructor(stream: Readable, options?: ParserOptions) {
    this.limits = resolveLimits(options);
    this.feed = new StreamFeed(stream, {
      chunk: (chunk) => {
        if (this.failure !== null) return this.feed.pause(); // nothing more will be parsed
        this.append(chunk);
        this.answer();
      },
      end: () => {
        this.ended = true;
        this.answer();
      },
      error: (err) => {
        this.streamError = err;
        this.answer();
      },
    });
  }

  /**
   * The next command; `null` at a clean end of the stream.
   *
   * Rejects with a {@link ProtocolError} for malformed input (a request cut
   * off by the end of the stream is a fatal one), or with the stream's own
   * error on I/O failure. After a fatal error every later call rejects with
   * the same error; after a recoverable one the next call goes on.
   *
   * A call pending when the stream goes away always settles:
   * - the peer closes, or the stream is destroyed without an error: `null`
   *   (a fatal `ProtocolError` instead if a request was half received);
   * - the stream fails (a reset gives `ECONNRESET`, `destroy(err)` gives
   *   `err`): rejects with that error.
   *
   * Each call costs a promise even when the command is already buffered; a
   * server loop that takes buffered commands with {@link Parser.tryReadCommand}
   * first pays for one only when it really has to wait.
   */
  readCommand(): Promise<Command | null> {
    let cmd: Command | null | undefined;
    try {
      cmd = this.ready();
    } catch (err) {
      return Promise.reject(err);
    }
    if (cmd !== undefined) return Promise.resolve(cmd);
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.feed.resume();
    });
  }

  /**
   * The next command if it is already buffered, without waiting; `undefined`
   * when it is not (then call {@link Parser.readCommand}, which also reports
   * the end of the stream). Throws what `readCommand()` would reject with.
   *
   * A pipelined burst arrives as many commands in one chunk; taking them
   * synchronously skips a promise and a microtask per command, which is a
   * large share of a small command's cost:
   *
   * ```ts
   * for (;;) {
   *   const cmd = parser.tryReadCommand() ?? (await parser.readCommand());
   *   if (cmd === null) break;
   *   // …
   * }
   * ```
   */
  tryReadCommand(): Command | undefined {
    return this.ready() ?? undefined;
  }

  /** Iterates commands until the end of the stream; throws as {@link Parser.readCommand} rejects. */
  [Symbol.asyncIterator](): AsyncIterableIterator<Command> {
    // Not an async generator: each of its steps costs several promise hops,
    // which made `for await` twice as slow as a readCommand() loop. Here a
    // buffered command costs one resolved promise, as in readCommand().
    let finished = false;
    const done: IteratorReturnResult<undefined> = { value: undefined, done: true };
    const step = (cmd: Command | null): IteratorResult<Command> => {
      if (cmd !== null) return { value: cmd, done: false };
      finished = true;
      return done;
    };
    const stop = (err: unknown): never => {
      finished = true;
      throw err;
    };
    const iterator: AsyncIterableIterator<Command> = {
      next: () => {
        if (finished) return Promise.resolve(done);
        // What is buffered costs one resolved promise, as in readCommand().
        let cmd: Command | null | undefined;
        try {
          cmd = this.ready();
        } catch (err) {
          finished = true;
          return Promise.reject(err);
        }
        if (cmd !== undefined) return Promise.resolve(step(cmd));
        return this.readCommand().then(step, stop);
      },
      return: () => {
        finished = true;
        return Promise.resolve(done);
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** {@link Parser.next} for a new call, or `undefined` while earlier calls wait: they are answered first. */
  private ready(): Command | null | undefined {
    return this.waiters.length === 0 ? this.next() : undefined;
  }

  /**
   * What the next call gets without waiting: a command, `null` at the end of
   * the stream, or `undefined` when more input is needed. Throws what the
   * call is to reject with.
   */
  private next(): Command | null | undefined {
    if (this.failure !== null) throw this.failure;
    try {
      const cmd = this.take();
      if (cmd !== null) return cmd;
      // Everything still buffered belongs to one unfinished request: bound it
      // as soon as it is read, as Redis's client-query-buffer-limit does, with
      // its per-argument bookkeeping counted too.
      const held = this.argsLeft > 0 ? this.end - this.reqStart + bookkeeping(this.offsets) : this.end - this.pos;
      if (held > this.limits.maxQueryBuffer) throw Errors.queryBufferLimit();
      if (this.streamError !== null) throw this.streamError;
      if (!this.ended) return undefined;
      if (held > 0) throw Errors.truncated();
      return null;
    } catch (err) {
      throw this.fail(err);
    }
  }

  /** Settles waiting calls, in order, from what is buffered; holds the stream while nobody asks. */
  private answer(): void {
    const waiters = this.waiters;
    while (waiters.length > 0) {
      let cmd: Command | null | undefined;
      try {
        cmd = this.next();
      } catch (err) {
        (waiters.shift() as Waiter).reject(err);
        continue;
      }
      if (cmd === undefined) return; // keep reading: somebody waits for more input
      (waiters.shift() as Waiter).resolve(cmd);
    }
    // Nobody asks and input is left over: stop reading until somebody does,
    // so a server that stops asking holds its client back. Input used up
    // leaves the stream flowing: unpipelined, the next request then needs no
    // resume() (a tick and a stream flow) before it can be read.
    if (this.ahead !== null || this.pendingError !== null || this.end > this.pos || this.argsLeft > 0 || this.tail !== null) {
      this.feed.pause();
    }
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

  /** Bytes of input memory a request starting at `reqStart` holds: the whole room of a buffer allocated here. */
  private heldFrom(reqStart: number, end: number): number {
    return (this.owned ? this.buf.length : end) - reqStart;
  }

  private fail(err: unknown): unknown {
    if (!(err instanceof ProtocolError) || err.fatal) {
      this.failure = err;
      this.buf = EMPTY; // release the input: nothing more will be parsed
      this.tail = null;
      this.pos = this.end = 0;
      this.offsets = NO_OFFSETS;
    }
    return err;
  }

  /**
   * The next command, or null when more input is needed: {@link Parser.parse}
   * over the copied start of a split request, then over the chunk behind it.
   */
  private parseNext(): Command | null {
    for (;;) {
      const cmd = this.parse();
      const tail = this.tail;
      if (tail === null) return cmd;
      if (this.argsLeft === 0 && this.pos >= this.tailFrom) {
        // The split request is behind us: go on in the chunk itself.
        const at = this.pos - this.tailFrom;
        this.scan = Math.max(at, this.scan - this.tailFrom);
        this.buf = tail;
        this.pos = this.reqStart = at;
        this.end = tail.length;
        this.owned = false;
        this.tail = null;
        if (cmd !== null) return cmd;
        continue;
      }
      if (cmd !== null) return cmd;
      const from = this.tailAt;
      if (from === tail.length) {
        this.tail = null; // all of it copied: buf holds everything
        return null;
      }
      const n = Math.min(tail.length - from, Math.max(from, STITCH_STEP));
      this.tailAt = from + n;
      this.copyIn(tail.subarray(from, from + n));
    }
  }

  /** Adds a chunk to the unparsed input, copying only what a split request needs. */
  private append(chunk: Buffer): void {
    const tail = this.tail;
    if (tail !== null) {
      // Rare (a chunk nobody asked for): keep it simple and copy the rest.
      this.tail = null;
      if (this.tailAt < tail.length) this.copyIn(tail.subarray(this.tailAt));
    }
    const keep = this.argsLeft > 0 ? this.reqStart : this.pos;
    const pending = this.end - keep;
    if (pending === 0) {
      // Nothing carried over: parse the chunk in place (zero-copy).
      this.buf = chunk;
      this.pos = this.scan = this.reqStart = 0;
      this.end = chunk.length;
      this.owned = false;
      return;
    }
    // A split request: copy the start of the chunk behind it, enough to
    // complete it most of the time (all of what a bulk being read still needs).
    let first = Math.max(pending, STITCH_STEP);
    if (this.argsLeft > 0 && this.bulkLen >= 0) first += this.pos + this.bulkLen + 2 - this.end;
    if (first < chunk.length) {
      this.tail = chunk;
      this.tailAt = first;
      this.tailFrom = this.end; // where chunk byte 0 lands (copyIn keeps it up to date if it moves bytes)
      chunk = chunk.subarray(0, first);
    }
    this.copyIn(chunk);
  }

  /** Copies bytes behind the unparsed input, growing or moving the buffer as needed. */
  private copyIn(chunk: Buffer): void {
    const keep = this.argsLeft > 0 ? this.reqStart : this.pos;
    const pending = this.end - keep;
    if (this.owned && this.buf.length - this.end >= chunk.length) {
      // Appending never moves bytes that commands already handed out point to.
      chunk.copy(this.buf, this.end);
      this.end += chunk.length;
      return;
    }
    const need = pending + chunk.length;
    let cap = need;
    if (this.argsLeft > 0 && this.bulkLen >= 0) {
      // Inside bulk data of known length: grow geometrically, so a value
      // trickling in costs linear time, until a fixed share of it has arrived;
      // then reserve the whole request at once, so the value is copied once
      // and never held twice. The capacity stays within RESERVE_AHEAD times
      // the bytes received (Redis reserves the announced length at once), and
      // allocUnsafeSlow's pages are only touched as the bytes arrive.
      const target = this.pos + this.bulkLen + 2 - keep;
      if (target > need) {
        cap = target <= need * RESERVE_AHEAD ? target : Math.min(target, Math.max(need * 2, MIN_STITCH));
      }
      // More arguments follow in this request: leave geometric room for them
      // too, or a request of many small arguments trickling in is copied
      // whole once per chunk (quadratic time, found by fuzz/hostile.test.ts).
      if (this.argsLeft > 1) cap = Math.max(cap, need * 2, MIN_STITCH);
    } else {
      cap = Math.max(need * 2, MIN_STITCH);
    }
    // Room beyond what is needed never takes the connection past its budget:
    // the buffer and the request's offsets together stay within maxQueryBuffer
    // (plus the chunk that pushed them over, which the next check refuses).
    const offsetBytes = this.argsLeft > 0 ? bookkeeping(this.offsets) : 0;
    cap = Math.min(cap, Math.max(need, this.limits.maxQueryBuffer - offsetBytes));
    const next = cap > MIN_STITCH ? Buffer.allocUnsafeSlow(cap) : Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, keep, this.end);
    chunk.copy(next, pending);
    const offsets = this.offsets;
    for (let i = 0; i < this.filled; i++) offsets[i] -= keep;
    this.buf = next;
    this.pos -= keep;
    this.scan = Math.max(0, this.scan - keep);
    this.reqStart -= keep;
    this.tailFrom -= keep;
    this.end = need;
    this.owned = true;
  }

  /**
   * Parses the next complete command from the buffered input, or returns null
   * when more bytes are needed. This is the hot path: it works on byte offsets
   * and keeps its state in fields so an incomplete request resumes where it
   * stopped instead of being scanned again.
   */
  private parse(): Command | null {
    const buf = this.buf;
    const end = this.end;
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
        if (buf[pos] !== STAR) {
          // Inline request: one line ended by \n (an \r before it is dropped).
          const nl = indexOf(buf, LF, Math.max(pos, this.scan), end);
          const lineEnd = nl < 0 ? end : nl;
          if (lineEnd - pos > limits.maxInlineLength) throw Errors.tooBigInline();
          if (nl < 0) {
            this.scan = end;
            break;
          }
          const stop = nl > pos && buf[nl - 1] === CR ? nl - 1 : nl;
          const args = splitInline(buf, pos, stop);
          pos = nl + 1;
          this.pos = pos;
          if (typeof args === 'string') throw args === 'NUL byte' ? Errors.nulInline() : Errors.unbalancedQuotes();
          if (args.offsets.length === 0) continue; // blank lines are ignored, as in Redis
          return Command.of(args.buf, args.offsets);
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
          const cr = indexOf(buf, CR, Math.max(pos, this.scan), end);
          if ((cr < 0 ? end : cr) - pos > limits.maxInlineLength) throw Errors.tooBigMbulkCount();
          if (cr < 0 || cr + 1 >= end) {
            this.scan = cr < 0 ? end : cr;
            break;
          }
          count = parseLength(buf, pos + 1, cr);
          if (count === BAD || count > limits.maxArgs) throw Errors.invalidMultibulkLength();
          if (buf[cr + 1] !== LF) throw Errors.missingCrlf('multibulk length');
          reqStart = pos;
          pos = cr + 2;
          if (count === NEGATIVE || count === 0) {
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
        if (len < 0 && buf[pos] === DOLLAR) {
          // Fast path for a complete `$<len>\r\n`, as for the count above.
          const fast = fastLength(buf, pos + 1, end);
          if (fast >= 0 && fast <= limits.maxBulkLength && fastCr - pos <= limits.maxInlineLength) {
            len = fast;
            pos = fastCr + 2;
          }
        }
        if (len < 0) {
          const cr = indexOf(buf, CR, Math.max(pos, this.scan), end);
          if ((cr < 0 ? end : cr) - pos > limits.maxInlineLength) throw Errors.tooBigBulkCount();
          if (cr < 0 || cr + 1 >= end) {
            this.scan = cr < 0 ? end : cr;
            break;
          }
          if (buf[pos] !== DOLLAR) throw Errors.expectedDollar(buf[pos]);
          len = parseLength(buf, pos + 1, cr);
          if (len < 0 || len > limits.maxBulkLength) throw Errors.invalidBulkLength();
          if (buf[cr + 1] !== LF) throw Errors.missingCrlf('bulk length');
          pos = cr + 2;
        }
        if (end - pos < len + 2) break;
        const dataEnd = pos + len;
        if (buf[dataEnd] !== CR || buf[dataEnd + 1] !== LF) throw Errors.missingCrlf('bulk data');
        // Never true for a small request, whose array has its final size.
        if (filled === offsets.length) offsets = growOffsets(offsets, filled + argsLeft * 2, this.heldFrom(reqStart, end), limits);
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
      if (this.viewed !== buf) {
        // Read once per input buffer rather than once per command.
        this.viewed = buf;
        this.memory = buf.buffer as ArrayBuffer;
        this.base = buf.byteOffset;
      }
      // A large request's array has room to spare: hand out a view of the filled part.
      return Command.of(buf, filled === offsets.length ? offsets : (offsets as Float64Array).subarray(0, filled), this.memory, this.base);
    }
    this.pos = pos;
    return null;
  }

}

/** Where the line read by the last successful {@link fastLength} ends (its \r). */
let fastCr = 0;

/**
 * The common length line `<digits>\r\n` at buf[start…): `0`, or 1 to 9
 * digits with no leading zero, followed by a complete CRLF. Returns the value
 * and sets {@link fastCr}, or returns -1 for anything else (a sign, a leading
 * zero, more digits, a line not complete yet, a bad byte), leaving the line to
 * the general path. Byte by byte on purpose: for a line of a few bytes this
 * is several times cheaper than a native indexOf call.
 */
function fastLength(buf: Buffer, start: number, end: number): number {
  if (start >= end) return -1;
  let c = buf[start];
  let p = start + 1;
  let value = c - ZERO;
  if (c > ZERO && c <= NINE) {
    const stop = Math.min(end, start + 9);
    for (; p < stop; p++) {
      c = buf[p];
      if (c < ZERO || c > NINE) break;
      value = value * 10 + (c - ZERO);
    }
  } else if (c !== ZERO) {
    return -1;
  }
  if (p + 1 >= end || buf[p] !== CR || buf[p + 1] !== LF) return -1;
  fastCr = p;
  return value;
}

/** Requests with up to this many arguments get their offsets array at its final size at once. */
const PREALLOCATED_ARGS = 64;
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

/** buf.indexOf bounded by `end`: past it, an owned buffer holds stale bytes. */
function indexOf(buf: Buffer, byte: number, from: number, end: number): number {
  const i = buf.indexOf(byte, from);
  return i < end ? i : -1;
}

/**
 * Reads buf[start, end) as Redis's `string2ll` does: an optional `-`, then
 * digits with no leading zero (a lone `0` is fine), nothing else, within a
 * signed 64-bit range. Returns the value, {@link NEGATIVE} for any negative
 * value, or {@link BAD}. Values past 2^53 lose precision, which is harmless:
 * every limit is far below.
 */
function parseLength(buf: Buffer, start: number, end: number): number {
  let p = start;
  const negative = p < end && buf[p] === MINUS;
  if (negative) p++;
  const digits = end - p;
  if (digits <= 0 || digits > 19) return BAD;
  const first = buf[p];
  if (first === ZERO) return digits === 1 && !negative ? 0 : BAD;
  let value = 0;
  for (; p < end; p++) {
    const c = buf[p];
    if (c < ZERO || c > NINE) return BAD;
    value = value * 10 + (c - ZERO);
  }
  if (digits === 19 && !fitsInt64(buf, end - 19, negative)) return BAD;
  return negative ? NEGATIVE : value;
}

/** Whether 19 digits at `at` fit a signed 64-bit integer (|min| is one more than max). */
function fitsInt64(buf: Buffer, at: number, negative: boolean): boolean {
  const limit = negative ? '9223372036854775808' : '9223372036854775807';
  for (let i = 0; i < 19; i++) {
    const d = buf[at + i], l = limit.charCodeAt(i);
    if (d !== l) return d < l;
  }
  return true;
}
