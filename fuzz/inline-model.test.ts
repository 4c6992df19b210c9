// Property 3, inline model: a reference of Redis's inline rules, written here
// from the rules themselves (processInlineBuffer and sdssplitargs in Redis's
// networking.c and sds.c), agrees with the parser on generated lines.
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { type Parsed, parseChunks } from '../test/helpers.js';
import { cuts, inlineLine, split } from './arbitraries.js';
import { check, testTimeout } from './config.js';

/** What C's isspace() accepts: skipped between arguments and allowed after a closing quote. */
const isSpace = (c: number | undefined): boolean => c === 0x20 || (c !== undefined && c >= 0x09 && c <= 0x0d);
/** What ends an unquoted argument: only these four; \v and \f are part of it. */
const endsPlain = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const isHex = (c: number | undefined): boolean => c !== undefined && /[0-9a-fA-F]/.test(String.fromCharCode(c));
/** The backslash escapes of a double-quoted argument; any other `\c` is c itself. */
const ESCAPED: Record<string, number> = { n: 0x0a, r: 0x0d, t: 0x09, b: 0x08, a: 0x07 };

/** Splits one line (without its line end) into arguments, or says its quotes are unbalanced. */
function splitArgs(line: Buffer): Buffer[] | 'unbalanced' {
  const args: Buffer[] = [];
  let i = 0;
  for (;;) {
    while (i < line.length && isSpace(line[i])) i++;
    if (i === line.length) return args;
    const arg: number[] = [];
    let quote: 'none' | 'double' | 'single' = 'none';
    for (;;) {
      const c = line[i];
      if (quote === 'none') {
        if (i === line.length || endsPlain(c)) break;
        if (c === 0x22) quote = 'double';
        else if (c === 0x27) quote = 'single';
        else arg.push(c);
        i++;
      } else if (i === line.length) {
        return 'unbalanced'; // the line ended inside quotes
      } else if (quote === 'double' && c === 0x5c && line[i + 1] === 0x78 && isHex(line[i + 2]) && isHex(line[i + 3])) {
        arg.push(parseInt(line.toString('latin1', i + 2, i + 4), 16));
        i += 4;
      } else if (quote === 'double' && c === 0x5c && i + 1 < line.length) {
        const next = line[i + 1];
        arg.push(ESCAPED[String.fromCharCode(next)] ?? next);
        i += 2;
      } else if (quote === 'single' && c === 0x5c && line[i + 1] === 0x27) {
        arg.push(0x27);
        i += 2;
      } else if ((quote === 'double' && c === 0x22) || (quote === 'single' && c === 0x27)) {
        // A closing quote must be followed by white space or the end of the line.
        if (i + 1 < line.length && !isSpace(line[i + 1])) return 'unbalanced';
        i++;
        break;
      } else {
        arg.push(c);
        i++;
      }
    }
    args.push(Buffer.from(arg));
  }
}

/** What the parser must yield for a stream of inline lines, each ended by LF. */
function expectedFor(lines: Buffer[]): Parsed {
  const commands: string[][] = [];
  for (const whole of lines) {
    let line = whole.subarray(0, whole.length - 1); // the LF
    if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, -1); // one CR before it
    // Redis looks for the line end with strchr, which stops at a NUL, so it
    // never answers such a line; redisproto refuses it (docs/parsing.md, deliberate differences).
    if (line.includes(0)) return { commands, error: { message: 'Protocol error: NUL byte in inline request', fatal: true } };
    const args = splitArgs(line);
    if (args === 'unbalanced') commands.push(['<recoverable: Protocol error: unbalanced quotes in request>']);
    else if (args.length > 0) commands.push(args.map((a) => a.toString('latin1')));
  }
  return { commands, error: null };
}

test('inline lines split as the sdssplitargs model says, however they are chunked', { timeout: testTimeout() }, async () => {
  await check(
    'inline model',
    fc.asyncProperty(fc.array(inlineLine, { minLength: 1, maxLength: 6 }), cuts, async (lines, fractions) => {
      expect(await parseChunks(split(Buffer.concat(lines), fractions))).toEqual(expectedFor(lines));
    }),
    2000,
  );
});
