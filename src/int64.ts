/**
 * Integers as Redis reads them (`string2ll` in `src/util.c`): the one rule
 * behind request counts and lengths and every reply integer and length.
 */
import { Byte } from './resp.js';

/**
 * Reads buf[start, end) as Redis's `string2ll` does: an optional `-`, then
 * digits with no leading zero (a lone `0` is fine, `-0` is not), nothing
 * else, within the signed 64-bit range. Returns the value, or NaN for
 * anything else. Values past 2^53 come back rounded: exact enough for every
 * limit (callers that need the exact value re-read the digits as a bigint).
 */
export function string2ll(buf: Uint8Array, start: number, end: number): number {
  let p = start;
  const negative = p < end && buf[p] === Byte.MINUS;
  if (negative) p++;
  const digits = end - p;
  if (digits <= 0 || digits > 19) return NaN;
  if (buf[p] === Byte.ZERO) return digits === 1 && !negative ? 0 : NaN;
  let value = 0;
  for (; p < end; p++) {
    const c = buf[p];
    if (c < Byte.ZERO || c > Byte.NINE) return NaN;
    value = value * 10 + (c - Byte.ZERO);
  }
  if (digits === 19 && !fitsInt64(buf, end - 19, negative)) return NaN;
  return negative ? -value : value;
}

/** Whether 19 digits at `at` fit a signed 64-bit integer (|min| is one more than max). */
function fitsInt64(buf: Uint8Array, at: number, negative: boolean): boolean {
  const limit = negative ? '9223372036854775808' : '9223372036854775807';
  for (let i = 0; i < 19; i++) {
    const d = buf[at + i], l = limit.charCodeAt(i);
    if (d !== l) return d < l;
  }
  return true;
}
