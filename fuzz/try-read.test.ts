// Property: taking commands with tryReadCommand() changes nothing but the
// cost. However a stream is split, and however a reader mixes
// tryReadCommand(), readCommand() (awaited, or left pending while it tries),
// and pauses between calls, it gets the same commands, with the same isLast(),
// and the same errors as a reader that only awaits readCommand().
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { type Command, Parser, type ParserOptions } from '../src/index.js';
import { bytes, corruptedStream, cuts, inlineLine, limits, multibulk, split, validStream } from './arbitraries.js';
import { check, testTimeout } from './config.js';

/**
 * How a reader asks for the next command:
 * - try: the server loop, `tryReadCommand() ?? await readCommand()`
 * - read: `await readCommand()`
 * - pending: readCommand() not awaited yet while tryReadCommand() is called
 *   (which must not jump ahead of it)
 * - later: a macrotask first, so chunks may arrive before the call
 */
type Step = 'try' | 'read' | 'pending' | 'later';
const step = fc.constantFrom<Step>('try', 'read', 'pending', 'later');

/**
 * Many short requests: chunks then hold several commands, so whether a
 * command is the last one buffered depends on exactly which chunks arrived.
 */
const burst: fc.Arbitrary<Buffer> = fc
  .array(fc.oneof(fc.array(bytes(4), { minLength: 1, maxLength: 3 }).map(multibulk), inlineLine), { maxLength: 40 })
  .map((parts) => Buffer.concat(parts));

type Failure = { error: string; fatal: boolean };
type Event = { args: string[]; last: boolean } | Failure;

const event = (cmd: Command): Event => ({ args: cmd.args().map((a) => a.toString('latin1')), last: cmd.isLast() });
const failure = (err: unknown): Failure => ({
  error: String((err as Error).message),
  fatal: (err as { fatal?: boolean }).fatal !== false,
});

/** Everything a reader following `steps` (cycled) gets from `chunks`, up to the end or a fatal error. */
async function read(chunks: Buffer[], options: ParserOptions, steps: readonly Step[]): Promise<Event[]> {
  const parser = new Parser(Readable.from(chunks), options);
  const events: Event[] = [];
  for (let i = 0; ; i++) {
    const s = steps[i % steps.length];
    // What the calls of this step gave, in the order they were made.
    const outcomes: Array<{ cmd: Command | null } | { err: unknown }> = [];
    if (s === 'pending') {
      const first = parser.readCommand().then(
        (cmd) => ({ cmd }),
        (err: unknown) => ({ err }),
      );
      let second: { cmd: Command | null } | { err: unknown } | undefined;
      try {
        const cmd = parser.tryReadCommand();
        if (cmd !== undefined) second = { cmd };
      } catch (err) {
        second = { err };
      }
      outcomes.push(await first);
      if (second !== undefined) outcomes.push(second);
    } else {
      if (s === 'later') await new Promise((resolve) => setImmediate(resolve));
      try {
        const cmd = s === 'read' ? await parser.readCommand() : (parser.tryReadCommand() ?? (await parser.readCommand()));
        outcomes.push({ cmd });
      } catch (err) {
        outcomes.push({ err });
      }
    }
    for (const o of outcomes) {
      if ('cmd' in o) {
        if (o.cmd === null) return events;
        events.push(event(o.cmd));
        continue;
      }
      const e = failure(o.err);
      events.push(e);
      if (e.fatal) {
        // A fatal error stays: every later call of either kind gives the same one.
        let again: unknown;
        try {
          parser.tryReadCommand();
        } catch (err) {
          again = err;
        }
        expect(again).toBe(o.err);
        await expect(parser.readCommand()).rejects.toBe(o.err);
        return events;
      }
    }
  }
}

test('tryReadCommand mixed with readCommand gives what readCommand alone gives', { timeout: testTimeout() }, async () => {
  await check(
    'try-read: mixed with readCommand',
    fc.asyncProperty(
      fc.oneof(validStream, corruptedStream, burst),
      cuts,
      limits,
      fc.array(step, { minLength: 1, maxLength: 16 }),
      async (bytes, fractions, options, steps) => {
        const chunks = split(bytes, fractions);
        const alone = await read(chunks, options, ['read']);
        expect(await read(chunks, options, steps)).toEqual(alone);
      },
    ),
    1000,
  );
});
