// Redis's glob matching (stringmatchlen in src/util.c), as CONFIG GET, KEYS and SCAN MATCH use it.
// Written out rather than turned into a RegExp: Redis accepts every pattern, `[` alone included,
// where a RegExp built from it would throw.

/** Patterns nested deeper than this in `*` never match, as in Redis (its guard against abusive patterns). */
const MAX_NESTING = 1000;

/**
 * Whether `text` matches the glob `pattern` as Redis matches it: `*` any run,
 * `?` any one character, `[abc]`, `[^abc]`, `[a-z]` one character of a class
 * (a class left open runs to the end of the pattern), `\x` the character x.
 * With `nocase`, ASCII letters match either case.
 */
export function globMatch(pattern: string, text: string, nocase = false): boolean {
  return match(pattern, 0, text, 0, nocase, { skipLonger: false }, 0);
}

/** A character compared without case when `nocase`: ASCII letters only, as C's tolower in Redis's locale. */
const fold = (c: string, nocase: boolean): string => (nocase && c >= 'A' && c <= 'Z' ? c.toLowerCase() : c);

function match(p: string, pi: number, s: string, si: number, nocase: boolean, state: { skipLonger: boolean }, nesting: number): boolean {
  if (nesting > MAX_NESTING) return false;
  while (pi < p.length && si < s.length) {
    switch (p[pi]) {
      case '*':
        while (p[pi + 1] === '*') pi++;
        if (pi === p.length - 1) return true;
        for (; si < s.length; si++) {
          if (match(p, pi + 1, s, si, nocase, state, nesting + 1)) return true;
          // The rest of the pattern matches nowhere in the rest of the text: a longer run here cannot help.
          if (state.skipLonger) return false;
        }
        state.skipLonger = true;
        return false;
      case '?':
        si++;
        break;
      case '[': {
        pi++;
        const not = p[pi] === '^';
        if (not) pi++;
        let hit = false;
        const c = s[si];
        for (;;) {
          if (p[pi] === '\\' && pi + 1 < p.length) {
            pi++;
            if (p[pi] === c) hit = true;
          } else if (p[pi] === ']') {
            break;
          } else if (pi >= p.length) {
            pi--; // an open class ends with the pattern; the step below moves past its end
            break;
          } else if (pi + 2 < p.length && p[pi + 1] === '-') {
            let lo = p[pi], hi = p[pi + 2];
            if (lo > hi) [lo, hi] = [hi, lo]; // ordered before folding, as Redis does
            const x = fold(c, nocase);
            if (x >= fold(lo, nocase) && x <= fold(hi, nocase)) hit = true;
            pi += 2;
          } else if (fold(p[pi], nocase) === fold(c, nocase)) {
            hit = true;
          }
          pi++;
        }
        if (hit === not) return false;
        si++;
        break;
      }
      default:
        if (p[pi] === '\\' && pi + 1 < p.length) pi++; // an escaped character matches itself
        if (fold(p[pi], nocase) !== fold(s[si], nocase)) return false;
        si++;
    }
    pi++;
    if (si === s.length) while (p[pi] === '*') pi++;
  }
  return pi >= p.length && si === s.length;
}
