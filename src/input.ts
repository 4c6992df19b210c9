/**
 * The input buffer both decoders read from, with one policy for appending
 * chunks: zero-copy when nothing is carried over, a bounded copy when a
 * request or reply is split across chunks, geometric growth, and the whole
 * of a big value reserved once a fixed share of it has arrived. Also the
 * bounded searches for a line's end (and for a stray LF) that the decoders
 * use, and views of the input's bytes.
 */
import { Byte } from './resp.js';
import { view } from './view.js';

/** Smallest buffer allocated when chunks have to be stitched together. */
const MIN_STITCH = 16 * 1024;
/**
 * A value's whole buffer is reserved once this fraction (1/n) of it has
 * arrived: its last copy then holds at most 1/n of it twice, so peak memory
 * stays within (1 + 2/n) times the value.
 */
const RESERVE_AHEAD = 32;
/**
 * When a unit (request or reply) is split across chunks, this much of the
 * next chunk (or the bytes still pending, if more) is first copied behind
 * it; more is copied, doubling, only if the unit is not complete yet.
 */
const STITCH_STEP = 1024;

const EMPTY = Buffer.alloc(0);

/**
 * What the decoder reading an {@link Input} knows about the unit in progress,
 * set before each call that may copy: the copy policy depends on it.
 */
export interface Progress {
  /** First byte still needed: where the unit in progress began. */
  keep: number;
  /** Where the value being read ends (with its CRLF), or -1 when no value of known length is being read. */
  want: number;
  /** Whether more values follow in this unit once that one is read. */
  more: boolean;
  /** Bytes the unit may still take (its budget minus its other bookkeeping). */
  room: number;
}

/**
 * The unparsed input: `buf[0, end)` holds the bytes, the decoder keeps its
 * own positions in it. When `owned`, buf was allocated here and
 * `buf[end, buf.length)` is free room to append into; appending never moves
 * or overwrites bytes before `end`, so views already handed out stay valid.
 *
 * Every call that can move bytes returns the shift: how far every position
 * the decoder holds moved back (subtract it).
 */
export class Input {
  buf: Buffer = EMPTY;
  /**
   * buf's ArrayBuffer and byte offset, kept with it: views of the input are
   * made once per reply, and the typed array getters cost as much as the view.
   */
  bytes: ArrayBuffer = EMPTY.buffer as ArrayBuffer;
  offset = EMPTY.byteOffset;
  end = 0;
  owned = false;
  // The chunk that arrived behind a split unit. Only its bytes before
  // `tailAt` are copied into buf, where its byte 0 sits at `tailFrom`: once
  // the split unit is complete, reading moves to the chunk itself, so a split
  // costs a copy of that unit, not of the chunk behind it.
  tail: Buffer | null = null;
  private tailAt = 0;
  tailFrom = 0;

  /** Adds a chunk, copying only what a split unit needs; returns the shift. */
  append(chunk: Buffer, p: Progress): number {
    let shift = 0;
    const tail = this.tail;
    if (tail !== null) {
      // Rare (a chunk nobody asked for): keep it simple and copy the rest.
      this.tail = null;
      if (this.tailAt < tail.length) shift = this.copyIn(tail.subarray(this.tailAt), p);
    }
    const keep = p.keep - shift;
    const pending = this.end - keep;
    if (pending === 0) {
      // Nothing carried over: read the chunk in place (zero-copy).
      this.use(chunk);
      this.end = chunk.length;
      this.owned = false;
      return shift + keep;
    }
    // A split unit: copy the start of the chunk behind it, enough to complete
    // it most of the time (all of what a value being read still needs).
    let first = Math.max(pending, STITCH_STEP);
    if (p.want >= 0) first += p.want - shift - this.end;
    if (first < chunk.length) {
      this.tail = chunk;
      this.tailAt = first;
      this.tailFrom = this.end; // where chunk byte 0 lands (copyIn keeps it up to date)
      chunk = chunk.subarray(0, first);
    }
    return shift + this.copyIn(chunk, shiftProgress(p, shift));
  }

  /**
   * Called when the decoder needs more bytes while a tail is held: copies the
   * next, doubling, step of it; returns the shift, or -1 once the tail is all
   * copied (buf then holds everything and the tail is dropped).
   */
  stitchMore(p: Progress): number {
    const tail = this.tail as Buffer;
    const from = this.tailAt;
    if (from === tail.length) {
      this.tail = null;
      return -1;
    }
    const n = Math.min(tail.length - from, Math.max(from, STITCH_STEP));
    this.tailAt = from + n;
    return this.copyIn(tail.subarray(from, from + n), p);
  }

  /**
   * Moves reading into the tail chunk itself, once the split unit is behind
   * the decoder (its position at or past `tailFrom`); returns the shift.
   */
  enterTail(): number {
    const tail = this.tail as Buffer;
    const shift = this.tailFrom;
    this.use(tail);
    this.end = tail.length;
    this.owned = false;
    this.tail = null;
    return shift;
  }

  /** Bytes of input memory a unit starting at `start` holds: the whole room of a buffer allocated here. */
  heldFrom(start: number): number {
    return (this.owned ? this.buf.length : this.end) - start;
  }

  /** Drops all input: nothing more will be read. */
  release(): void {
    this.use(EMPTY);
    this.tail = null;
    this.end = 0;
    this.owned = false;
  }

  private use(buf: Buffer): void {
    this.buf = buf;
    this.bytes = buf.buffer as ArrayBuffer;
    this.offset = buf.byteOffset;
  }

  /** Copies bytes behind the kept input, growing or moving the buffer as needed; returns the shift. */
  private copyIn(chunk: Buffer, p: Progress): number {
    const keep = p.keep;
    const pending = this.end - keep;
    if (this.owned && this.buf.length - this.end >= chunk.length) {
      chunk.copy(this.buf, this.end);
      this.end += chunk.length;
      return 0;
    }
    const need = pending + chunk.length;
    let cap = need;
    if (p.want >= 0) {
      // Inside a value of known length: grow geometrically, so a value
      // trickling in costs linear time, until a fixed share of it has arrived;
      // then reserve the whole unit at once, so the value is copied once and
      // never held twice. The capacity stays within RESERVE_AHEAD times the
      // bytes received (Redis reserves the announced length at once), and
      // allocUnsafeSlow's pages are only touched as the bytes arrive.
      const target = p.want - keep;
      if (target > need) {
        cap = target <= need * RESERVE_AHEAD ? target : Math.min(target, Math.max(need * 2, MIN_STITCH));
      }
      // More values follow in this unit: leave geometric room for them too,
      // or a unit of many small values trickling in is copied whole once per
      // chunk (quadratic time, found by fuzz/hostile.test.ts).
      if (p.more) cap = Math.max(cap, need * 2, MIN_STITCH);
    } else {
      cap = Math.max(need * 2, MIN_STITCH);
    }
    // Room beyond what is needed never takes the unit past its budget (the
    // chunk that pushes it over is refused by the decoder's next check).
    cap = Math.min(cap, Math.max(need, p.room));
    const next = cap > MIN_STITCH ? Buffer.allocUnsafeSlow(cap) : Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, keep, this.end);
    chunk.copy(next, pending);
    this.use(next);
    this.tailFrom -= keep;
    this.end = need;
    this.owned = true;
    return keep;
  }
}

function shiftProgress(p: Progress, shift: number): Progress {
  if (shift === 0) return p;
  return { keep: p.keep - shift, want: p.want < 0 ? -1 : p.want - shift, more: p.more, room: p.room };
}

/** Any byte array as a Buffer over the same memory (no copy), as the input core works on Buffers. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** buf.indexOf bounded by `end`: past it, an owned buffer holds stale bytes. */
export function indexOf(buf: Buffer, byte: number, from: number, end: number): number {
  const i = buf.indexOf(byte, from);
  return i < end ? i : -1;
}

/** Bytes searched in JS before handing a line to the native indexOf. */
const SHORT_SCAN = 24;

/**
 * The first CR in buf[from, end), or -1. Most protocol lines (`:1`, `$3`,
 * `+OK`) are a few bytes long, where a JS loop beats the native call's fixed
 * cost; long lines go to `indexOf`.
 */
export function findCR(buf: Buffer, from: number, end: number): number {
  const stop = Math.min(end, from + SHORT_SCAN);
  for (let i = from; i < stop; i++) if (buf[i] === Byte.CR) return i;
  return stop < end ? indexOf(buf, Byte.CR, stop, end) : -1;
}

/** Whether buf[start, end) holds an LF: a JS loop for a short line, cheaper than the native search's call. */
export function hasLF(buf: Buffer, start: number, end: number): boolean {
  if (end - start > SHORT_SCAN) return indexOf(buf, Byte.LF, start, end) >= 0;
  for (let i = start; i < end; i++) if (buf[i] === Byte.LF) return true;
  return false;
}

/** The bytes [start, end) of the input as a view (not subarray(): see view()). */
export function inputView(input: Input, start: number, end: number): Buffer {
  return view(input.bytes, input.offset + start, end - start);
}
