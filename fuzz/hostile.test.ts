// Property 4, hostile bytes: whatever arrives, the parser yields commands or
// a ProtocolError and nothing else, never hangs, and allocates in proportion
// to the bytes it has received, not to the counts and lengths they announce.
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { Parser, type ParserOptions, ProtocolError } from '../src/index.js';
import { arbitraryStream, bytes, corruptedStream, cuts, limits, multibulk, repeat, split } from './arbitraries.js';
import { check, testTimeout } from './config.js';

/**
 * How many times the bytes received one allocation may be: the parser reserves
 * a bulk's whole buffer once 1/32 of it has arrived (RESERVE_AHEAD in
 * src/parser.ts), so that a large value is copied once.
 */
const PROPORTION = 32;
/** Slack over that: a stitch buffer may start this large. */
const SLACK = 64 * 1024;
/** The smallest stitch buffer (MIN_STITCH in src/parser.ts). */
const MIN_STITCH = 16 * 1024;

/**
 * Parses `chunks` (see {@link readAll}) and returns by how much the largest
 * Buffer allocated meanwhile exceeded PROPORTION times the bytes received so
 * far. Also checks the sum of all allocations: linear in the input, never
 * quadratic.
 */
async function allocationExcess(chunks: Buffer[], options: ParserOptions): Promise<number> {
  let received = 0;
  let excess = -Infinity;
  let total = 0;
  let largest = 0;
  function* deliver(): Generator<Buffer> {
    for (const chunk of chunks) {
      received += chunk.length;
      yield chunk;
    }
  }
  const saved = { alloc: Buffer.alloc, allocUnsafe: Buffer.allocUnsafe, allocUnsafeSlow: Buffer.allocUnsafeSlow };
  for (const key of Object.keys(saved) as (keyof typeof saved)[]) {
    const original = saved[key] as (size: number, ...rest: unknown[]) => Buffer;
    (Buffer as unknown as Record<string, unknown>)[key] = (size: number, ...rest: unknown[]): Buffer => {
      excess = Math.max(excess, size - PROPORTION * received);
      total += size;
      largest = Math.max(largest, size);
      return original.call(Buffer, size, ...rest);
    };
  }
  try {
    await readAll(Readable.from(deliver()), chunks.reduce((n, c) => n + c.length, 0), options);
  } finally {
    Object.assign(Buffer, saved);
  }
  // Beside one reservation ahead, growth is geometric: at most 4 times the bytes, plus a stitch per chunk.
  expect(total - largest).toBeLessThanOrEqual(4 * received + 2 * MIN_STITCH * chunks.length);
  return excess;
}

/**
 * Reads everything a parser yields for `stream` (`total` bytes): each result must be a
 * command or a ProtocolError; a fatal one must end the stream of results and
 * be repeated by every later call. Each result consumes at least one byte,
 * so more results than bytes would be a loop.
 */
async function readAll(stream: Readable, total: number, options: ParserOptions): Promise<void> {
  const parser = new Parser(stream, options);
  for (let results = 0; results <= total + 1; results++) {
    let cmd;
    try {
      cmd = await parser.readCommand();
    } catch (err) {
      expect(err).toBeInstanceOf(ProtocolError);
      if ((err as ProtocolError).fatal) {
        await expect(parser.readCommand()).rejects.toBe(err);
        return;
      }
      continue;
    }
    if (cmd === null) return;
    expect(cmd.argCount()).toBeGreaterThan(0);
    for (const arg of cmd.args()) expect(Buffer.isBuffer(arg)).toBe(true);
  }
  throw new Error(`more results than the ${total} bytes received`);
}

const anyBytes = fc.oneof(arbitraryStream, corruptedStream, fc.uint8Array({ maxLength: 2000 }).map((a) => Buffer.from(a)));

test('arbitrary bytes yield only commands or a ProtocolError, promptly and in bounded memory', { timeout: testTimeout() }, async () => {
  await check(
    'hostile: arbitrary bytes',
    fc.asyncProperty(anyBytes, cuts, limits, async (stream, fractions, options) => {
      expect(await allocationExcess(split(stream, fractions), options)).toBeLessThanOrEqual(SLACK);
    }),
    1500,
    { timeout: 5_000 }, // a case still pending after this fails as a hang
  );
});

/** Counts and lengths far beyond what follows them. */
const huge = fc.oneof(
  fc.constantFrom('2147483647', '2147483648', '536870912', '536870913', '1000000000000000000', '9223372036854775807', '9223372036854775808', '99999999999999999999'),
  fc.integer({ min: 65_536, max: 2 ** 31 }).map(String),
);

/** A request announcing a huge count or length, then up to 256 KiB of what it announced, trickling in. */
const bigPromise = fc
  .record({
    kind: fc.constantFrom('count', 'length', 'both'),
    size: huge,
    data: fc.record({ length: fc.integer({ min: 0, max: 256 * 1024 }), pattern: bytes(8, 1) }),
    // Chunks in step with the 8-byte arguments too: a boundary always at the same place in them.
    chunk: fc.oneof(fc.integer({ min: 512, max: 16 * 1024 }), fc.integer({ min: 64, max: 2048 }).map((n) => n * 8)),
  })
  .map(({ kind, size, data, chunk }) => {
    const filler = repeat(data.pattern, data.length);
    const stream =
      kind === 'count'
        ? Buffer.concat([Buffer.from(`*${size}\r\n`), repeat(multibulk([Buffer.from('xy')]).subarray(4), data.length)])
        : Buffer.concat([Buffer.from(`${kind === 'both' ? `*${size}` : '*1'}\r\n$${size}\r\n`), filler]);
    const chunks: Buffer[] = [];
    for (let i = 0; i < stream.length; i += chunk) chunks.push(stream.subarray(i, i + chunk));
    return chunks;
  });

test('huge declared counts and lengths allocate in proportion to the bytes received', { timeout: testTimeout() }, async () => {
  await check(
    'hostile: huge declared sizes',
    fc.asyncProperty(bigPromise, async (chunks) => {
      const before = process.memoryUsage().arrayBuffers;
      expect(await allocationExcess(chunks, {})).toBeLessThanOrEqual(SLACK);
      // Whatever path an allocation took, nothing near the announced size was made.
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 * 1024 * 1024);
    }),
    150,
    { timeout: 10_000 },
  );
});

/**
 * A request announcing many arguments (up to 2^31-1) and sending thousands of
 * tiny ones (0 to 3 bytes: the bookkeeping per argument outweighs its bytes),
 * under a random maxQueryBuffer, in random chunks.
 */
const manyTinyArgs = fc
  .record({
    announced: fc.oneof(fc.integer({ min: 65, max: 70_000 }), fc.constantFrom(2 ** 31 - 1, 100_000_000)),
    sent: fc.array(fc.uint8Array({ maxLength: 3 }), { minLength: 0, maxLength: 70_000 }),
    maxQueryBuffer: fc.integer({ min: 1024, max: 4 * 1024 * 1024 }),
    chunk: fc.integer({ min: 1, max: 256 * 1024 }),
  })
  .map(({ announced, sent, maxQueryBuffer, chunk }) => {
    const args = sent.slice(0, announced).map((a) => Buffer.from(a));
    const stream = Buffer.concat([Buffer.from(`*${announced}\r\n`), ...args.flatMap((a) => [Buffer.from(`$${a.length}\r\n`), a, Buffer.from('\r\n')])]);
    const chunks: Buffer[] = [];
    for (let i = 0; i < stream.length; i += chunk) chunks.push(stream.subarray(i, i + chunk));
    return { announced, args, maxQueryBuffer, chunks };
  });

test('huge argument counts of tiny arguments give the request or a ProtocolError, never a crash', { timeout: testTimeout() }, async () => {
  await check(
    'hostile: huge argument counts',
    fc.asyncProperty(manyTinyArgs, async ({ announced, args, maxQueryBuffer, chunks }) => {
      const parser = new Parser(Readable.from(chunks), { maxQueryBuffer });
      let cmd;
      try {
        cmd = await parser.readCommand();
      } catch (err) {
        expect(err).toBeInstanceOf(ProtocolError);
        expect([
          'closing client that reached max query buffer length',
          'Protocol error: connection closed in the middle of a request',
        ]).toContain((err as ProtocolError).message);
        // Cut off only if it all fit: every byte it held, offsets included, counts.
        if ((err as ProtocolError).message.startsWith('Protocol')) expect(args.length).toBeLessThan(announced);
        return;
      }
      // Parsed whole: it was complete, and it fit.
      expect(args.length).toBe(announced);
      expect(cmd?.argCount()).toBe(announced);
      expect(cmd?.args()).toEqual(args);
    }),
    40,
    { timeout: 20_000 },
  );
});
