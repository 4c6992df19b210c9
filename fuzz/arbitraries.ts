// Generators shared by the properties: bytes biased towards what matters to
// RESP framing, multibulk and inline requests, streams of them, corruption.
import fc from 'fast-check';

/** Bytes that steer a RESP parser: line ends, markers, digits, quotes, escapes, white space. */
const FRAMING = [0x0d, 0x0a, 0x00, 0x2a, 0x24, 0x2d, 0x30, 0x31, 0x39, 0x20, 0x09, 0x0b, 0x0c, 0x22, 0x27, 0x5c, 0x78, 0xff];

/** One byte, often a framing byte. */
export const byte = fc.oneof(fc.constantFrom(...FRAMING), fc.integer({ min: 0, max: 255 }));

/** Up to `maxLength` bytes, often framing bytes. */
export function bytes(maxLength: number, minLength = 0): fc.Arbitrary<Buffer> {
  return fc.array(byte, { minLength, maxLength }).map((a) => Buffer.from(a));
}

/**
 * An argument of any bytes, mostly short, sometimes up to 70 KiB (a pattern
 * repeated, so that long values cost little to generate and to shrink).
 */
export const argument: fc.Arbitrary<Buffer> = fc.oneof(
  { arbitrary: bytes(16), weight: 6 },
  { arbitrary: bytes(300), weight: 2 },
  {
    arbitrary: fc
      .record({ length: fc.integer({ min: 0, max: 70 * 1024 }), pattern: bytes(16, 1) })
      .map(({ length, pattern }) => repeat(pattern, length)),
    weight: 1,
  },
);

/** `pattern` repeated to exactly `length` bytes. */
export function repeat(pattern: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i += pattern.length) pattern.copy(out, i);
  return out;
}

/** A command: the name and 0 to many arguments, any bytes. */
export const command: fc.Arbitrary<Buffer[]> = fc.array(argument, { minLength: 1, maxLength: 12 });

/** The multibulk encoding of a request: `*<n>\r\n` then `$<len>\r\n<bytes>\r\n` per argument. */
export function multibulk(args: readonly Uint8Array[]): Buffer {
  const parts: Uint8Array[] = [Buffer.from(`*${args.length}\r\n`, 'latin1')];
  for (const a of args) parts.push(Buffer.from(`$${a.length}\r\n`, 'latin1'), a, Buffer.from('\r\n', 'latin1'));
  return Buffer.concat(parts);
}

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');
const fromChars = (chars: string, maxLength: number, minLength = 0): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...chars), { minLength, maxLength }).map((a) => a.join(''));

/** Runs of the white space `sdssplitargs` skips between arguments (LF aside: it ends the line). */
export const blanks = fromChars(' \t\r\v\f', 3, 1);

/** Characters of a plain inline token: anything but separators, quotes, LF and NUL; \v and \f included. */
const PLAIN = 'abcXYZ019*$-+:\\x\v\f\x7f\x80\xe9\xff';

/** The escapes of a double-quoted inline token, valid and not. */
const ESCAPE = fc.oneof(
  fc.constantFrom('\\n', '\\r', '\\t', '\\b', '\\a', '\\\\', '\\"', "\\'", '\\x41', '\\xfF', '\\x0a', '\\x00', '\\xA', '\\xg1', '\\x', '\\z', '\\ ', '\\\r'),
  fc.integer({ min: 1, max: 255 }).filter((c) => c !== 0x0a).map((c) => '\\' + String.fromCharCode(c)),
);

/** Quoted-token content bytes: anything but LF and NUL (the quote itself comes from stray quotes). */
const QUOTED_CHAR = fc.oneof(fromChars(PLAIN + ' \t\r', 1, 1), fc.integer({ min: 1, max: 255 }).filter((c) => c !== 0x0a).map((c) => String.fromCharCode(c)));

/** One piece of an inline line; pieces are glued with or without white space between them. */
const inlinePiece: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fromChars(PLAIN, 6, 1), weight: 8 },
  { arbitrary: fc.array(fc.oneof(QUOTED_CHAR.filter((c) => c !== '"'), ESCAPE), { maxLength: 6 }).map((a) => `"${a.join('')}"`), weight: 6 },
  { arbitrary: fc.array(fc.oneof(QUOTED_CHAR.filter((c) => c !== "'"), fc.constantFrom("\\'", '\\')), { maxLength: 6 }).map((a) => `'${a.join('')}'`), weight: 4 },
  { arbitrary: fc.constantFrom('"', "'", '""', "''", '"a', "a'", '\\'), weight: 2 }, // stray and empty quotes
  { arbitrary: fc.constant('\0'), weight: 1 }, // a NUL byte somewhere in the line
);

/**
 * An inline line, ended by LF or CRLF: plain tokens, quoted tokens with every
 * escape, stray quotes, mixed white space (\v and \f included), NUL bytes.
 * It never starts with `*`, which would make it a multibulk request.
 */
export const inlineLine: fc.Arbitrary<Buffer> = fc
  .record({
    lead: fc.oneof(fc.constant(''), blanks),
    pieces: fc.array(fc.record({ piece: inlinePiece, glued: fc.nat(4).map((n) => n === 0), sep: blanks }), { maxLength: 6 }),
    trail: fc.oneof(fc.constant(''), blanks),
    eol: fc.constantFrom('\n', '\r\n'),
  })
  .map(({ lead, pieces, trail, eol }) => {
    let line = lead;
    for (const p of pieces) line += (p.glued && !p.piece.includes('\0') ? '' : p.sep) + p.piece;
    if (line.startsWith('*')) line = ' ' + line;
    return latin1(line + trail + eol);
  });

/** Pieces of a request stream: multibulk requests, inline lines, skipped counts, blank lines. */
const streamPart: fc.Arbitrary<Buffer> = fc.oneof(
  { arbitrary: fc.array(bytes(20), { minLength: 1, maxLength: 5 }).map(multibulk), weight: 6 },
  { arbitrary: command.map(multibulk), weight: 1 },
  { arbitrary: inlineLine, weight: 4 },
  { arbitrary: fc.constantFrom('*0\r\n', '*-1\r\n', '\r\n', '\n', ' \t\r\n').map(latin1), weight: 1 },
);

/** A stream of valid requests, mixed and pipelined. */
export const validStream: fc.Arbitrary<Buffer> = fc.array(streamPart, { maxLength: 8 }).map((parts) => Buffer.concat(parts));

/** A change to a stream: overwrite, insert or delete bytes, or cut it short. */
type Mutation =
  | { kind: 'overwrite'; at: number; byte: number }
  | { kind: 'insert'; at: number; bytes: Buffer }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'truncate'; at: number };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('overwrite' as const), at: fc.nat(), byte }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: bytes(4, 1) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

/** Applies mutations at positions taken modulo the current length. */
export function mutate(stream: Buffer, mutations: readonly Mutation[]): Buffer {
  let s = stream;
  for (const m of mutations) {
    const at = s.length === 0 ? 0 : m.at % (s.length + 1);
    if (m.kind === 'overwrite') {
      if (at < s.length) (s = Buffer.from(s))[at] = m.byte;
    } else if (m.kind === 'insert') s = Buffer.concat([s.subarray(0, at), m.bytes, s.subarray(at)]);
    else if (m.kind === 'delete') s = Buffer.concat([s.subarray(0, at), s.subarray(at + m.count)]);
    else s = s.subarray(0, at);
  }
  return s;
}

/** A valid stream with one to three corruptions. */
export const corruptedStream: fc.Arbitrary<Buffer> = fc
  .tuple(validStream, fc.array(mutation, { minLength: 1, maxLength: 3 }))
  .map(([s, m]) => mutate(s, m));

/** Bytes with no structure at all, though often RESP-looking. */
export const arbitraryStream: fc.Arbitrary<Buffer> = fc.oneof(
  bytes(200),
  fc.array(fc.oneof(bytes(8), fc.constantFrom('*', '$', '*1\r\n', '$3\r\n', '\r\n', '"', "'").map(latin1)), { maxLength: 30 }).map((p) => Buffer.concat(p)),
);

/** Cut points as fractions, so they shrink independently of the stream. */
export const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 });

/** `bytes` split at the given fractions of its length (empty chunks included). */
export function split(stream: Buffer, fractions: readonly number[]): Buffer[] {
  const at = fractions.map((f) => Math.floor(f * stream.length)).sort((a, b) => a - b);
  const edges = [0, ...at, stream.length];
  return edges.slice(1).map((end, i) => stream.subarray(edges[i], end));
}

/** Parser limits: the defaults, or small ones so that every limit is reached by short input. */
export const limits = fc.oneof(
  fc.constant({}),
  fc.record(
    {
      maxInlineLength: fc.integer({ min: 0, max: 40 }),
      maxBulkLength: fc.integer({ min: 0, max: 100 }),
      maxArgs: fc.integer({ min: 0, max: 6 }),
    },
    { requiredKeys: [] },
  ),
);
