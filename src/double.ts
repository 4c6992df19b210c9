// How Redis prints a double: the text of RESP3 doubles and of their RESP2 bulk strings.

const INT62 = 2 ** 62;

/**
 * A double as Redis (7.2 on, `d2string`) prints it: `nan`, `inf`, `-inf`,
 * `0`, `-0`; an integral value within ±2^62 in full; any other value with the
 * fewest significant digits that read back to the same double, placed the way
 * Redis's fpconv does: plain when the exponent is close to the digits
 * (`123.25`, `0.000001`, `100000000000000000000` is not: `1e+20`), else
 * scientific with a signed exponent and no padding (`1.5e-7`, `1e+300`).
 */
export function formatDouble(x: number): string {
  if (x !== x) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  if (Number.isInteger(x) && x >= -INT62 && x <= INT62) return Number.isSafeInteger(x) ? '' + x : BigInt(x).toString();
  // toExponential() without an argument gives the shortest round-trip digits.
  const sci = x.toExponential();
  const neg = x < 0;
  const e = sci.indexOf('e');
  const digits = sci.slice(neg ? 1 : 0, e).replace('.', '');
  const nd = digits.length;
  const exp10 = Number(sci.slice(e + 1)); // the power of ten of the first digit
  const k = exp10 - nd + 1; // |x| = digits × 10^k
  const absExp = Math.abs(exp10);
  const sign = neg ? '-' : '';
  if (k >= 0 && absExp < nd + 7) return sign + digits + '0'.repeat(k);
  if (k < 0 && (k > -7 || absExp < 4)) {
    const point = nd + k;
    if (point <= 0) return sign + '0.' + '0'.repeat(-point) + digits;
    return sign + digits.slice(0, point) + '.' + digits.slice(point);
  }
  return sign + digits[0] + (nd > 1 ? '.' + digits.slice(1) : '') + 'e' + (exp10 < 0 ? '-' : '+') + absExp;
}
