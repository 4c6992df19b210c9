/**
 * Command: one request a decoder has read, its arguments as zero-copy views
 * of the bytes they arrived in.
 */
import { commonName } from './names.js';
import { allocSmall, view } from './view.js';

/** Node's undocumented but long-standing per-encoding decoders on Buffer.prototype (absent from @types/node). */
interface Slicers {
  utf8Slice(start: number, end: number): string;
  latin1Slice(start: number, end: number): string;
}

/** Arguments up to this many bytes are copied by a byte loop rather than Buffer#copy. */
const SHORT_COPY = 32;
/** Arguments up to this many bytes are decoded by {@link shortString}. */
const SHORT_STRING = 16;

/**
 * The `n` (at most {@link SHORT_STRING}) bytes at `start` as a one-byte
 * string. One fixed-arity `String.fromCharCode` builds it in a single
 * allocation with no call into C++, well under half the cost of Node's
 * latin1Slice for a key-sized argument; the bytes read past the argument are
 * cut off again (past the buffer they read as undefined, i.e. NUL).
 */
function shortString(b: Buffer, s: number, n: number): string {
  const text = String.fromCharCode(
    b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7],
    b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13], b[s + 14], b[s + 15],
  );
  return n === SHORT_STRING ? text : text.slice(0, n);
}

/**
 * @internal `[start0, end0, start1, end1, …]`: a plain array for a small
 * request, a typed array for a large one (its memory counted by the parser).
 */
export type Offsets = number[] | Float64Array;

/**
 * One request read by a {@link Parser}: its arguments, as zero-copy views.
 *
 * A Command does not copy its arguments: `get(i)` returns a view into the
 * chunk the bytes arrived in. A view stays valid for as long as you hold it,
 * but it keeps that whole chunk (typically up to 64 KiB) alive. To keep an
 * argument past the handling of the command — as a stored key or value —
 * take a copy with {@link Command.copy} (or `Buffer.from(cmd.get(i))`).
 */
export class Command {
  // Fields are declared, not defined: the constructor assigns each once,
  // where a defined field would first be set to undefined (a command is made
  // per request).
  /** @internal Bytes the arguments live in. */
  declare readonly buf: Buffer;
  /** @internal `[start0, end0, start1, end1, …]` offsets into `buf`. */
  declare readonly offsets: Offsets;
  // buf's memory and where buf starts in it, read once here: get(i) builds
  // its view from them directly, which is much cheaper than subarray().
  declare private readonly memory: ArrayBuffer;
  declare private readonly base: number;
  /** @internal Set by the decoder once it knows whether another command is buffered. */
  declare last: boolean;
  /** @internal Where the request's own bytes are in buf, for raw(); -1 for an inline request. */
  declare readonly rawStart: number;
  /** @internal */
  declare readonly rawEnd: number;
  declare private lowerName: string | undefined;

  // Commands are made by the decoder only, through Command.of.
  private constructor(buf: Buffer, offsets: Offsets, rawStart: number, rawEnd: number, memory: ArrayBuffer, base: number) {
    this.buf = buf;
    this.offsets = offsets;
    this.memory = memory;
    this.base = base;
    this.last = true;
    this.rawStart = rawStart;
    this.rawEnd = rawEnd;
    this.lowerName = undefined;
  }

  /**
   * @internal The decoder's way to make a command: `offsets` into `buf`,
   * whose multibulk bytes are buf[rawStart, rawEnd) (-1 for an inline
   * request); `memory` and `base` are `buf`'s, passed when already at hand.
   */
  static of(buf: Buffer, offsets: Offsets, rawStart: number, rawEnd: number, memory = buf.buffer as ArrayBuffer, base = buf.byteOffset): Command {
    return new Command(buf, offsets, rawStart, rawEnd, memory, base);
  }

  /** How many arguments, the command name included. */
  argCount(): number {
    return this.offsets.length >> 1;
  }

  /** Argument `i` (0 is the command name) as a zero-copy view, or `undefined` past the end. */
  get(i: number): Buffer | undefined {
    const o = this.offsets;
    const at = i << 1;
    if (at >= o.length || at < 0) return undefined;
    // Not subarray(): a third of the cost, and this runs once per argument.
    const start = o[at];
    return view(this.memory, this.base + start, o[at + 1] - start);
  }

  /** Argument `i` decoded as text, or `undefined` past the end. */
  getString(i: number, encoding: BufferEncoding = 'utf8'): string | undefined {
    const o = this.offsets;
    const at = i << 1;
    if (at >= o.length || at < 0) return undefined;
    const buf = this.buf as Buffer & Slicers;
    const start = o[at];
    const end = o[at + 1];
    if (end - start <= SHORT_STRING) {
      if (encoding === 'latin1') return shortString(buf, start, end - start);
      // Text in ASCII reads the same in UTF-8.
      if (encoding === 'utf8') {
        let bits = 0;
        for (let k = start; k < end; k++) bits |= buf[k];
        if (bits < 0x80) return shortString(buf, start, end - start);
      }
    }
    // Node's own decoders, called directly: toString() would first check
    // the encoding name and the bounds, a good part of the cost for a key.
    if (encoding === 'utf8') return buf.utf8Slice(start, end);
    if (encoding === 'latin1') return buf.latin1Slice(start, end);
    return buf.toString(encoding, start, end);
  }

  /** A copy of argument `i` that pins nothing else, or `undefined` past the end. */
  copy(i: number): Buffer | undefined {
    const o = this.offsets;
    const at = i << 1;
    if (at >= o.length || at < 0) return undefined;
    // Allocate + copy: what Buffer.from(view) ends up doing, minus its type
    // dispatch; small copies come from a slab either way.
    const start = o[at];
    const n = o[at + 1] - start;
    const out = allocSmall(n);
    const buf = this.buf;
    // A byte loop for short values: Buffer#copy's checks and native call
    // cost more than copying a key-sized value by hand.
    if (n <= SHORT_COPY) for (let k = 0; k < n; k++) out[k] = buf[start + k];
    else buf.copy(out, 0, start, start + n);
    return out;
  }

  /** Every argument as a zero-copy view (see {@link Command.get} about lifetime). */
  args(): Buffer[] {
    const n = this.argCount();
    const out = new Array<Buffer>(n);
    for (let i = 0; i < n; i++) out[i] = this.get(i) as Buffer;
    return out;
  }

  /** The command name (argument 0) in lower case, e.g. `'set'`; computed once. */
  name(): string {
    if (this.lowerName === undefined) {
      const o = this.offsets;
      if (o.length === 0) this.lowerName = '';
      else {
        // latin1 maps each byte to one char and cannot fail, unlike utf8.
        this.lowerName = commonName(this.buf, o[0], o[1]) ?? this.buf.toString('latin1', o[0], o[1]).toLowerCase();
      }
    }
    return this.lowerName as string;
  }

  /**
   * The request exactly as it arrived, `*<n>\r\n$<len>\r\n<bytes>\r\n…`,
   * as a zero-copy view (the same lifetime rules as {@link Command.get}), for
   * forwarding it upstream without encoding it again; `null` for an inline
   * request, which has no RESP form to forward (encode its {@link Command.args}
   * instead, e.g. with `Writer#writeCommand`).
   */
  raw(): Buffer | null {
    if (this.rawStart < 0) return null;
    return view(this.memory, this.base + this.rawStart, this.rawEnd - this.rawStart);
  }

  /**
   * True when no further complete command is already buffered: the moment to
   * `flush()` the replies written so far, so a pipelined burst gets one write.
   */
  isLast(): boolean {
    return this.last;
  }
}
