// Finding where complete RESP values end in a buffer, for cutting RESP2 attributes out of a Writer's buffer.
import { Byte } from './resp.js';

/**
 * Where `count` complete RESP values starting at `at` end in `buf[at, end)`,
 * or -1 if they are not all there yet. Reads what a Writer writes (and any
 * well-formed RESP2 or RESP3 passed to writeRaw): lines, bulks and aggregates,
 * an attribute with the value it annotates.
 */
export function skipValues(buf: Buffer, at: number, end: number, count: number): number {
  let pos = at;
  for (let left = count; left > 0; ) {
    const cr = buf.indexOf(Byte.CR, pos + 1);
    if (cr < 0 || cr + 1 >= end) return -1;
    const type = buf[pos];
    const header = pos + 1;
    pos = cr + 2;
    switch (type) {
      case Byte.DOLLAR: // $ bulk, ! bulk error, = verbatim: n bytes and CRLF (none for the null $-1)
      case Byte.BANG:
      case Byte.EQUALS: {
        const n = lengthIn(buf, header, cr);
        if (n >= 0) pos += n + 2;
        if (pos > end) return -1;
        left--;
        break;
      }
      case Byte.STAR: // * array, ~ set, > push: n values follow (none for the null *-1)
      case Byte.TILDE:
      case Byte.GREATER:
        left += Math.max(lengthIn(buf, header, cr), 0) - 1;
        break;
      case Byte.PERCENT: // % map: n pairs
        left += 2 * lengthIn(buf, header, cr) - 1;
        break;
      case Byte.PIPE: // | attribute: n pairs, then the value they annotate, which is the one counted
        left += 2 * lengthIn(buf, header, cr);
        break;
      default: // a line: + - : , # ( _
        left--;
    }
  }
  return pos;
}

/** The decimal count or length in `buf[start, end)`; NaN for bytes that are none (raw garbage), and the loop above still ends. */
function lengthIn(buf: Buffer, start: number, end: number): number {
  return Number(buf.toString('latin1', start, end));
}
