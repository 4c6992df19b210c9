/**
 * Splitting of inline (telnet-style) requests, with the rules of Redis's
 * `sdssplitargs` (`src/sds.c`):
 *
 * - runs of white space separate arguments;
 * - `"…"` understands `\n \r \t \b \a \\ \"` and `\xHH`; any other `\c` is `c`;
 * - `'…'` understands only `\'`;
 * - a closing quote followed by anything but white space or the end is an error;
 * - a NUL byte outside quotes ends the line, as it ends Redis's C string.
 */

const SP = 0x20, TAB = 0x09, LF = 0x0a, CR = 0x0d, NUL = 0x00;
const DQUOTE = 0x22, SQUOTE = 0x27, BACKSLASH = 0x5c;

/** C's `isspace` in the "C" locale: space, \t, \n, \v, \f, \r. */
function isSpace(c: number): boolean {
  return c === SP || (c >= TAB && c <= CR);
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/** The arguments of one inline line: bytes plus `[start, end, …]` offsets into them. */
export interface InlineArgs {
  buf: Buffer;
  offsets: number[];
}

/**
 * Splits `line[start, end)` (the line without its `\n` or `\r\n`) into arguments.
 * Returns `null` for unbalanced quotes. The arguments are copied into one fresh
 * buffer, so they never pin the connection's input.
 */
export function splitInline(line: Buffer, start: number, end: number): InlineArgs | null {
  const out = Buffer.allocUnsafe(end - start);
  const offsets: number[] = [];
  let w = 0;
  let p = start;
  // Reads as C would: past the end there is a terminating NUL.
  const at = (i: number): number => (i < end ? line[i] : NUL);

  for (;;) {
    while (p < end && line[p] !== NUL && isSpace(line[p])) p++;
    if (at(p) === NUL) return { buf: out, offsets };

    const argStart = w;
    let inDouble = false;
    let inSingle = false;
    for (let done = false; !done; ) {
      const c = at(p);
      if (inDouble) {
        if (c === BACKSLASH && at(p + 1) === 0x78 && hexValue(at(p + 2)) >= 0 && hexValue(at(p + 3)) >= 0) {
          out[w++] = hexValue(at(p + 2)) * 16 + hexValue(at(p + 3));
          p += 3;
        } else if (c === BACKSLASH && at(p + 1) !== NUL) {
          p++;
          const e = line[p];
          out[w++] = e === 0x6e ? LF : e === 0x72 ? CR : e === 0x74 ? TAB : e === 0x62 ? 0x08 : e === 0x61 ? 0x07 : e;
        } else if (c === DQUOTE) {
          if (at(p + 1) !== NUL && !isSpace(at(p + 1))) return null;
          done = true;
        } else if (c === NUL) {
          return null;
        } else {
          out[w++] = c;
        }
      } else if (inSingle) {
        if (c === BACKSLASH && at(p + 1) === SQUOTE) {
          p++;
          out[w++] = SQUOTE;
        } else if (c === SQUOTE) {
          if (at(p + 1) !== NUL && !isSpace(at(p + 1))) return null;
          done = true;
        } else if (c === NUL) {
          return null;
        } else {
          out[w++] = c;
        }
      } else if (c === SP || c === LF || c === CR || c === TAB || c === NUL) {
        // Only these end a bare word; \v and \f are kept inside it, as in Redis.
        done = true;
      } else if (c === DQUOTE) {
        inDouble = true;
      } else if (c === SQUOTE) {
        inSingle = true;
      } else {
        out[w++] = c;
      }
      if (at(p) !== NUL) p++;
    }
    offsets.push(argStart, w);
  }
}
