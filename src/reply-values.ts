/**
 * Reply values from bytes a ReplyDecoder has already validated: a
 * whole reply, its aggregates included ({@link decode}), and the text and
 * numbers of its lines. Nothing here throws: the decoder's scan and quick
 * readers checked the bytes (the scan with parseDouble among its checks).
 */
import { findCR, inputView, type Input } from './input.js';
import { string2ll } from './int64.js';
import type { Reply } from './reply.js';
import { Byte } from './resp.js';

const DOUBLE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const DOUBLE_WORDS: Record<string, number> = { inf: Infinity, '-inf': -Infinity, nan: NaN, '-nan': NaN };

/** An integer reply's value: a number when exact, a bigint beyond ±2^53-1. */
function integerAt(buf: Buffer, start: number, end: number): number | bigint {
  const n = string2ll(buf, start, end) as number;
  return Number.isSafeInteger(n) ? n : BigInt(buf.toString('latin1', start, end));
}

/** A RESP3 double: a decimal number, or inf, -inf, nan (any case, as hiredis). */
export function parseDouble(buf: Buffer, start: number, end: number): number | null {
  const text = buf.toString('latin1', start, end);
  const word = DOUBLE_WORDS[text.toLowerCase()];
  if (word !== undefined) return word;
  return DOUBLE.test(text) ? Number(text) : null;
}

/** An aggregate being decoded: its type byte, its elements so far, and how many are still to come (-1: streamed). */
interface Open {
  type: number;
  items: Reply[];
  left: number;
}

/**
 * Decodes one complete reply that a ReplyDecoder has scanned (and so
 * validated). Iterative over an explicit stack of open aggregates, so depth
 * costs heap, not call stack.
 */
export function decode(input: Input, start: number): Reply {
  const buf = input.buf;
  const open: Open[] = [];
  let parts: Buffer[] | null = null; // a streamed string being read
  let p = start;
  for (;;) {
    const type = buf[p];
    const cr = findCR(buf, p + 1, buf.length); // the frame is validated: a line end is there
    const next = cr + 2;
    let value: Reply | null = null;
    switch (type) {
      case Byte.PLUS: value = { type: 'simple', value: text(buf, p + 1, cr) }; p = next; break;
      case Byte.MINUS: value = { type: 'error', value: text(buf, p + 1, cr) }; p = next; break;
      case Byte.COLON: value = { type: 'integer', value: integerAt(buf, p + 1, cr) }; p = next; break;
      case Byte.COMMA: value = { type: 'double', value: parseDouble(buf, p + 1, cr) as number }; p = next; break;
      case Byte.UNDERSCORE: value = { type: 'null', origin: '_' }; p = next; break;
      case Byte.HASH: value = { type: 'boolean', value: buf[p + 1] === 0x74 }; p = next; break;
      case Byte.LPAREN: value = { type: 'bigNumber', value: BigInt(buf.toString('latin1', p + 1, cr)) }; p = next; break;
      case Byte.DOLLAR:
      case Byte.BANG:
      case Byte.EQUALS: {
        if (buf[p + 1] === Byte.QUESTION) {
          parts = [];
          p = next;
          break;
        }
        const len = string2ll(buf, p + 1, cr) as number;
        if (len < 0) {
          value = { type: 'null', origin: '$' };
          p = next;
          break;
        }
        const data = inputView(input, next, next + len);
        if (type === Byte.DOLLAR) value = { type: 'bulk', value: data };
        else if (type === Byte.EQUALS) value = { type: 'verbatim', format: data.toString('latin1', 0, 3), value: data.subarray(4) };
        else value = { type: 'bulkError', value: data.toString('utf8') };
        p = next + len + 2;
        break;
      }
      case Byte.SEMICOLON: {
        const len = string2ll(buf, p + 1, cr) as number;
        const got = parts as Buffer[];
        if (len === 0) {
          value = { type: 'bulk', value: got.length === 1 ? got[0] : Buffer.concat(got) };
          parts = null;
        } else {
          got.push(inputView(input, next, next + len));
        }
        p = len === 0 ? next : next + len + 2;
        break;
      }
      case Byte.DOT:
        value = close(open.pop() as Open);
        p = next;
        break;
      default: {
        // An aggregate header.
        const from = p + 1;
        p = next;
        if (cr === from + 1 && buf[from] === Byte.QUESTION) {
          open.push({ type, items: [], left: -1 });
          break;
        }
        const n = string2ll(buf, from, cr) as number;
        if (n < 0) {
          value = { type: 'null', origin: '*' };
          break;
        }
        const left = (type === Byte.PERCENT || type === Byte.PIPE ? 2 * n : n) + (type === Byte.PIPE ? 1 : 0);
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

/** Lines up to this many bytes are decoded by a JS loop when they are ASCII. */
const SHORT_TEXT = 24;

/**
 * buf[start, end) as UTF-8 text. A short ASCII line (`OK`, `QUEUED`, most
 * errors) is built by String.fromCharCode, much cheaper than a call into
 * Node's decoder; anything else goes to that decoder, called directly
 * (toString() first checks the encoding name and the bounds).
 */
function text(buf: Buffer, start: number, end: number): string {
  if (end - start <= SHORT_TEXT) {
    let out = '';
    for (let i = start; i < end; i++) {
      const c = buf[i];
      if (c >= 0x80) return (buf as Buffer & Utf8Slicer).utf8Slice(start, end);
      out += String.fromCharCode(c);
    }
    return out;
  }
  return (buf as Buffer & Utf8Slicer).utf8Slice(start, end);
}

/** Node's long-standing direct UTF-8 decoder on Buffer.prototype (absent from @types/node). */
interface Utf8Slicer {
  utf8Slice(start: number, end: number): string;
}

/**
 * The last simple string decoded, given again while the same bytes come
 * (`OK`, `QUEUED`, `PONG` in a row): strings are immutable, so sharing one
 * is safe, and it saves building it.
 */
let lastText = '';

/** buf[start, end) as UTF-8 text, through {@link lastText}. */
export function cachedText(buf: Buffer, start: number, end: number): string {
  const last = lastText;
  const n = end - start;
  if (n === last.length && n <= SHORT_TEXT) {
    let i = 0;
    while (i < n && buf[start + i] === last.charCodeAt(i)) i++;
    if (i === n) return last;
  }
  const out = text(buf, start, end);
  // Kept only when each byte became one character: each is then ASCII, equal
  // to its byte, or U+FFFD, equal to no byte, so matching bytes mean equal text.
  if (out.length === n) lastText = out;
  return out;
}

/** The reply an aggregate becomes once all its elements are read. */
function close(agg: Open): Reply {
  const items = agg.items;
  switch (agg.type) {
    case Byte.STAR: return { type: 'array', value: items };
    case Byte.TILDE: return { type: 'set', value: items };
    case Byte.GREATER: return { type: 'push', value: items };
    case Byte.PERCENT: return { type: 'map', value: pairs(items, items.length) };
    default: return { type: 'attribute', value: pairs(items, items.length - 1), reply: items[items.length - 1] };
  }
}

function pairs(items: Reply[], n: number): [Reply, Reply][] {
  const out: [Reply, Reply][] = [];
  for (let i = 0; i < n; i += 2) out.push([items[i], items[i + 1]]);
  return out;
}
