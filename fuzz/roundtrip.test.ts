// Property 2, round trip: commands written as multibulk parse back identical
// (through every accessor of Command), and replies written by the Writer
// decode (with redis-parser, an independent RESP2 decoder) to what was written.
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { type Command, Encoder, Parser, type ReplyValue } from '../src/index.js';
import { captureWriter } from '../test/helpers.js';
import { argument, command, cuts, multibulk, split } from './arbitraries.js';
import { check, testTimeout } from './config.js';
import { decodeResp2 } from './redis-parser.js';

test('commands of any bytes written as multibulk parse back identical, however chunked', { timeout: testTimeout() }, async () => {
  await check(
    'round trip: commands',
    // An empty command (`*0\r\n`) is skipped, as Redis skips it.
    fc.asyncProperty(fc.array(fc.oneof(command, fc.constant<Buffer[]>([])), { maxLength: 6 }), cuts, async (commands, fractions) => {
      const expected = commands.filter((c) => c.length > 0);
      const parser = new Parser(Readable.from(split(Buffer.concat(commands.map(multibulk)), fractions)));
      for (const args of expected) {
        const cmd = await parser.readCommand();
        expect(cmd).not.toBeNull();
        expectArgs(cmd!, args);
      }
      expect(await parser.readCommand()).toBeNull();
    }),
    300,
  );
});

/** Every accessor of a Command agrees with the arguments that were written. */
function expectArgs(cmd: Command, args: Buffer[]): void {
  expect(cmd.argCount()).toBe(args.length);
  expect(cmd.name()).toBe(args[0].toString('latin1').toLowerCase());
  expect(cmd.args().map((a) => a.toString('latin1'))).toEqual(args.map((a) => a.toString('latin1')));
  args.forEach((arg, i) => {
    const view = cmd.get(i)!;
    expect(Buffer.isBuffer(view) && view.equals(arg)).toBe(true);
    expect(cmd.getString(i, 'latin1')).toBe(arg.toString('latin1'));
    expect(cmd.getString(i)).toBe(arg.toString('utf8'));
    const copy = cmd.copy(i)!;
    expect(copy.equals(arg)).toBe(true);
    if (copy.length > 0) expect(copy.buffer === view.buffer && copy.byteOffset === view.byteOffset).toBe(false);
  });
  for (const i of [-1, args.length]) {
    expect(cmd.get(i)).toBeUndefined();
    expect(cmd.getString(i)).toBeUndefined();
    expect(cmd.copy(i)).toBeUndefined();
  }
}

/** A decoded reply, tagged: redis-parser gives simple strings and bulks alike as bytes. */
type Decoded = null | { bytes: string } | { int: string } | { error: string } | Decoded[];

/** One reply and the calls that write it. */
type Reply =
  | { kind: 'simple' | 'error' | 'bulkString'; text: string }
  | { kind: 'int'; n: number | bigint }
  | { kind: 'bulk'; bytes: Buffer | null }
  | { kind: 'null' | 'nullArray' }
  | { kind: 'array'; items: Reply[] }
  | { kind: 'bulks'; list: (Buffer | null)[] }
  | { kind: 'bulkStrings'; list: (string | null)[] }
  | { kind: 'any'; value: ReplyValue };

const text = fc.string({ unit: 'binary', maxLength: 40 });
const withCrLf = fc.oneof(text, fc.array(fc.oneof(text, fc.constantFrom('\r', '\n', '\r\n')), { maxLength: 4 }).map((a) => a.join('')));
const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });

const anyValue: fc.Arbitrary<ReplyValue> = fc.letrec<{ value: ReplyValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text,
    argument,
    fc.integer(),
    fc.constantFrom(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER),
    int64,
    fc.boolean(),
    fc.constantFrom(null, undefined),
    fc.oneof(withCrLf, fc.constantFrom('WRONGTYPE x', 'ERR', 'Err x', 'MY_ERR2 y', 'A b')).map((m) => new Error(m)),
    fc.array(tie('value'), { maxLength: 4 }),
  ),
})).value;

const reply: fc.Arbitrary<Reply> = fc.letrec<{ reply: Reply }>((tie) => ({
  reply: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ kind: fc.constantFrom('simple' as const, 'error' as const, 'bulkString' as const), text: withCrLf }),
    fc.record({ kind: fc.constant('int' as const), n: fc.oneof(fc.maxSafeInteger(), int64) }),
    fc.record({ kind: fc.constant('bulk' as const), bytes: fc.option(argument) }),
    fc.record({ kind: fc.constantFrom('null' as const, 'nullArray' as const) }),
    fc.record({ kind: fc.constant('array' as const), items: fc.array(tie('reply'), { maxLength: 4 }) }),
    fc.record({ kind: fc.constant('bulks' as const), list: fc.array(fc.option(argument), { maxLength: 4 }) }),
    fc.record({ kind: fc.constant('bulkStrings' as const), list: fc.array(fc.option(text), { maxLength: 4 }) }),
    fc.record({ kind: fc.constant('any' as const), value: anyValue }),
  ),
})).reply;

function write(w: Encoder, r: Reply): void {
  switch (r.kind) {
    case 'simple': return w.writeSimpleString(r.text);
    case 'error': return w.writeError(r.text);
    case 'bulkString': return w.writeBulkString(r.text);
    case 'int': return w.writeInt(r.n);
    case 'bulk': return w.writeBulk(r.bytes);
    case 'null': return w.writeNull();
    case 'nullArray': return w.writeArray(-1);
    case 'array':
      w.writeArray(r.items.length);
      for (const item of r.items) write(w, item);
      return;
    case 'bulks': return w.writeBulks(r.list);
    case 'bulkStrings': return w.writeBulkStrings(r.list);
    case 'any': return w.writeAny(r.value);
  }
}

// What each reply must decode to, from the Writer's documented encoding.
const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');
const oneLine = (s: string): string => s.replace(/[\r\n]/g, ' ');
const bytesOf = (b: Uint8Array | null): Decoded => (b === null ? null : { bytes: Buffer.from(b).toString('latin1') });
const stringOf = (s: string | null): Decoded => (s === null ? null : bytesOf(utf8(s)));
const errorOf = (s: string): Decoded => ({ error: utf8(oneLine(s)).toString('utf8') });

function expected(r: Reply): Decoded {
  switch (r.kind) {
    case 'simple': return bytesOf(utf8(oneLine(r.text)));
    case 'error': return errorOf(r.text);
    case 'bulkString': return stringOf(r.text);
    case 'int': return { int: String(r.n) };
    case 'bulk': return bytesOf(r.bytes);
    case 'null':
    case 'nullArray': return null;
    case 'array': return r.items.map(expected);
    case 'bulks': return r.list.map(bytesOf);
    case 'bulkStrings': return r.list.map(stringOf);
    case 'any': return expectedAny(r.value);
  }
}

function expectedAny(v: ReplyValue): Decoded {
  if (typeof v === 'string') return stringOf(v);
  if (v instanceof Uint8Array) return bytesOf(v);
  if (typeof v === 'number') return { int: String(v) }; // only integers are generated: doubles are RESP3's
  if (typeof v === 'bigint') return { int: String(v) };
  if (typeof v === 'boolean') return { int: v ? '1' : '0' };
  if (v === null || v === undefined) return null;
  if (v instanceof Error) return errorOf(/^[A-Z][A-Z0-9_]* /.test(v.message) ? v.message : `ERR ${v.message}`);
  return (v as readonly ReplyValue[]).map(expectedAny);
}

function tag(v: unknown): Decoded {
  if (v === null) return null;
  if (Buffer.isBuffer(v)) return { bytes: v.toString('latin1') };
  if (typeof v === 'string') return { int: v };
  if (v instanceof Error) return { error: v.message };
  if (Array.isArray(v)) return v.map(tag);
  throw new Error(`redis-parser gave ${String(v)}`);
}

test('replies written by the Writer decode to what was written', { timeout: testTimeout() }, async () => {
  await check(
    'round trip: replies',
    fc.asyncProperty(fc.array(reply, { maxLength: 8 }), fc.integer({ min: 64, max: 70 * 1024 }), async (replies, bufferSize) => {
      const { writer, sent } = captureWriter({ bufferSize });
      for (const r of replies) write(writer, r);
      expect(decodeResp2([await sent()]).map(tag)).toEqual(replies.map(expected));
    }),
    500,
  );
});

test('an Encoder taken from at any points gives the bytes a Writer sends', { timeout: testTimeout() }, async () => {
  await check(
    'round trip: taken',
    fc.asyncProperty(
      fc.array(fc.tuple(reply, fc.boolean()), { maxLength: 8 }),
      fc.integer({ min: 64, max: 70 * 1024 }),
      async (replies, bufferSize) => {
        const { writer, sent } = captureWriter({ bufferSize });
        const encoder = new Encoder({ bufferSize });
        const taken: Buffer[] = [];
        for (const [r, takeAfter] of replies) {
          write(writer, r);
          write(encoder, r);
          if (takeAfter) taken.push(encoder.take());
        }
        taken.push(encoder.take());
        expect(Buffer.concat(taken).equals(await sent())).toBe(true);
      },
    ),
    300,
  );
});
