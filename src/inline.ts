/**
 * Splitting of inline (telnet-style) requests, with the rules of Redis's
 * `sdssplitargs` (`src/sds.c`):
 *
 * - runs of white space separate arguments;
 * - `"…"` understands `\n \r \t \b \a \\ \"` and `\xHH`; any other `\c` is `c`;
 * - `'…'` understands only `\'`;
 * - a closing quote followed by anything but white space or the end is an error.
 *
 * A line holding a NUL byte is refused: Redis finds line ends with `strchr`,
 * which stops at the NUL, so such a line never reaches its splitter.
 */

const SP = 0x20, TAB = 0x09, LF = 0x0a, CR = 0x0d, NUL = 0x00;
/** What reading past the end of the line gives, like the NUL ending a C string. */
const END = -1;
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

/** Why a line could not be split. */
export type InlineFailure = 'unbalanced quotes' | 'NUL byte';

/**
 * Splits `line[start, end)` (the line without its `\n` or `\r\n`) into arguments.
 * The arguments are copied into one fresh buffer, so they never pin the
 * connection's input.
 */
export function splitInline(line: Buffer, start: number, end: number): InlineArgs | InlineFailure {
  for (let i = start; i < end; i++) if (line[i] === NUL) return 'NUL byte';
  const out = Buffer.allocUnsafe(end - start);
  const offsets: number[] = [];
  let w = 0;
  let p = start;
  const at = (i: number): number => (i < end ? line[i] : END);

  for (;;) {
    while (p < end && isSpace(line[p])) p++;
    if (p === end) return { buf: out, offsets };

    const argStart = w;
    let inDouble = false;
    let inSingle = false;
    for (let done = false; !done; ) {
      const c = at(p);
      if (inDouble) {
        if (c === BACKSLASH && at(p + 1) === 0x78 && hexValue(at(p + 2)) >= 0 && hexValue(at(p + 3)) >= 0) {
          out[w++] = hexValue(at(p + 2)) * 16 + hexValue(at(p + 3));
          p += 3;
        } else if (c === BACKSLASH && at(p + 1) !== END) {
          p++;
          const e = line[p];
          out[w++] = e === 0x6e ? LF : e === 0x72 ? CR : e === 0x74 ? TAB : e === 0x62 ? 0x08 : e === 0x61 ? 0x07 : e;
        } else if (c === DQUOTE) {
          if (at(p + 1) !== END && !isSpace(at(p + 1))) return 'unbalanced quotes';
          done = true;
        } else if (c === END) {
          return 'unbalanced quotes';
        } else {
          out[w++] = c;
        }
      } else if (inSingle) {
        if (c === BACKSLASH && at(p + 1) === SQUOTE) {
          p++;
          out[w++] = SQUOTE;
        } else if (c === SQUOTE) {
          if (at(p + 1) !== END && !isSpace(at(p + 1))) return 'unbalanced quotes';
          done = true;
        } else if (c === END) {
          return 'unbalanced quotes';
        } else {
          out[w++] = c;
        }
      } else if (c === SP || c === LF || c === CR || c === TAB || c === END) {
        // Only these end a bare word; \v and \f are kept inside it, as in Redis.
        done = true;
      } else if (c === DQUOTE) {
        inDouble = true;
      } else if (c === SQUOTE) {
        inSingle = true;
      } else {
        out[w++] = c;
      }
      if (p < end) p++;
    }
    offsets.push(argStart, w);
  }
}
