// ReplyParser properties: whatever the Writer writes (RESP2, and RESP3 with every type) reads
// back as the reply that was written, one frame per reply, however the bytes are chunked;
// streamed strings and aggregates too; corrupted replies fail the same way however chunked,
// with a ProtocolError and nothing else.
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { ProtocolError, type Reply, ReplyParser, type ReplyParserOptions, Writer } from '../src/index.js';
import { captureWriter } from '../test/helpers.js';
import { cuts, mutate, mutation, split } from './arbitraries.js';
import { check, testTimeout } from './config.js';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

// ---- Replies as the model: the Reply type itself ----------------------------

const text = fc.string({ unit: 'grapheme', maxLength: 20 });
const line = text.map((s) => s.replace(/[\r\n]/g, ' ')); // simple strings cannot hold CR or LF
const bytes = fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a));

const integer: fc.Arbitrary<Reply> = fc
  .oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: -1000n, max: 1000n }))
  .map((n): Reply => ({ type: 'integer', value: n >= -MAX_SAFE && n <= MAX_SAFE ? Number(n) : n }));

const resp2Leaf: fc.Arbitrary<Reply> = fc.oneof(
  line.map((value): Reply => ({ type: 'simple', value })),
  line.map((value): Reply => ({ type: 'error', value: `ERR ${value}` })),
  integer,
  bytes.map((value): Reply => ({ type: 'bulk', value })),
  fc.constantFrom<Reply>({ type: 'null', origin: '$' }, { type: 'null', origin: '*' }),
);

const resp3Leaf: fc.Arbitrary<Reply> = fc.oneof(
  resp2Leaf.filter((r) => r.type !== 'null'),
  fc.constant<Reply>({ type: 'null', origin: '_' }),
  fc.double().map((value): Reply => ({ type: 'double', value })),
  fc.boolean().map((value): Reply => ({ type: 'boolean', value })),
  fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map((value): Reply => ({ type: 'bigNumber', value })),
  text.map((value): Reply => ({ type: 'bulkError', value: `ERR ${value}` })),
  fc.record({ format: fc.stringMatching(/^[a-z]{3}$/), value: bytes }).map(({ format, value }): Reply => ({ type: 'verbatim', format, value })),
);

function tree(protocol: 2 | 3): fc.Arbitrary<Reply> {
  const { reply } = fc.letrec<{ reply: Reply; aggregate: Reply }>((tie) => {
    const list = fc.array(tie('reply'), { maxLength: 4 });
    const pairs = fc.array(fc.tuple(tie('reply'), tie('reply')), { maxLength: 3 });
    return {
      reply: fc.oneof({ depthSize: 'small', withCrossShrink: true }, protocol === 2 ? resp2Leaf : resp3Leaf, tie('aggregate')),
      aggregate:
        protocol === 2
          ? list.map((value) => ({ type: 'array', value }))
          : fc.oneof(
              list.map((value): Reply => ({ type: 'array', value })),
              list.map((value): Reply => ({ type: 'set', value })),
              list.map((value): Reply => ({ type: 'push', value })),
              pairs.map((value): Reply => ({ type: 'map', value })),
              fc.record({ value: pairs, reply: tie('reply') }).map(({ value, reply }): Reply => ({ type: 'attribute', value, reply })),
            ),
    };
  });
  return reply;
}

/** A protocol and a few replies of it. */
const replies = fc
  .constantFrom<2 | 3>(2, 3)
  .chain((protocol) => fc.tuple(fc.constant(protocol), fc.array(tree(protocol), { maxLength: 5 })));

// ---- Writing the model with the Writer ------------------------------------

/**
 * Writes `r` with the Writer's methods. With `streamed` flags (consumed in
 * order), RESP3 strings and arrays, sets and maps are sent in their streamed
 * forms instead, which the Writer has no method for.
 */
function write(w: Writer, r: Reply, streamed: boolean[] = []): void {
  const stream = (): boolean => streamed.shift() === true;
  const all = (items: Reply[]): void => items.forEach((item) => write(w, item, streamed));
  const header = (marker: string, counted: () => void): boolean => {
    if (!stream()) return counted(), false;
    w.writeRaw(Buffer.from(`${marker}?\r\n`));
    return true;
  };
  switch (r.type) {
    case 'simple': return w.writeSimpleString(r.value);
    case 'error': return w.writeError(r.value);
    case 'integer': return w.writeInt(r.value);
    case 'null': return r.origin === '*' ? w.writeArray(-1) : w.writeNull();
    case 'double': return w.writeDouble(r.value);
    case 'boolean': return w.writeBoolean(r.value);
    case 'bigNumber': return w.writeBigNumber(r.value);
    case 'bulkError': return w.writeBulkError(r.value);
    case 'verbatim': return w.writeVerbatim(r.value, r.format);
    case 'bulk':
      if (w.protocol === 2 || !stream()) return w.writeBulk(r.value);
      // `$?` then parts of up to 3 bytes, each `;<len>\r\n<bytes>\r\n`, then `;0\r\n`.
      w.writeRaw(Buffer.from('$?\r\n'));
      for (let i = 0; i < r.value.length; i += 3) {
        const part = r.value.subarray(i, i + 3);
        w.writeRaw(Buffer.concat([Buffer.from(`;${part.length}\r\n`), part, Buffer.from('\r\n')]));
      }
      return w.writeRaw(Buffer.from(';0\r\n'));
    case 'push':
      w.writePush(r.value.length);
      return all(r.value);
    case 'attribute':
      w.writeAttribute(r.value.length);
      all(r.value.flat());
      return write(w, r.reply, streamed);
    default: {
      const open = w.protocol === 3 && header(r.type === 'array' ? '*' : r.type === 'set' ? '~' : '%', () => {
        if (r.type === 'array') w.writeArray(r.value.length);
        else if (r.type === 'set') w.writeSet(r.value.length);
        else w.writeMap(r.value.length);
      });
      if (!open && w.protocol === 2) w.writeArray(r.value.length);
      all(r.type === 'map' ? r.value.flat() : r.value);
      if (open) w.writeRaw(Buffer.from('.\r\n'));
    }
  }
}

/** The bytes of each reply, written alone. */
async function encode(protocol: 2 | 3, list: Reply[], streamed: boolean[] = []): Promise<Buffer[]> {
  const flags = [...streamed];
  const out: Buffer[] = [];
  for (const r of list) {
    const { writer, sent } = captureWriter({ protocol });
    write(writer, r, flags);
    out.push(await sent());
  }
  return out;
}

// ---- Reading back -----------------------------------------------------------

interface Outcome {
  items: unknown[];
  error: string | null;
}

/** Every reply (or frame, as latin1 text) until the end or the first error, from `chunks`; reads alternate between the synchronous and the awaited way. */
async function readAll(chunks: Buffer[], how: 'reply' | 'frame', options?: ReplyParserOptions): Promise<Outcome> {
  const stream = new PassThrough();
  const parser = new ReplyParser(stream, options);
  for (const chunk of chunks) stream.write(chunk);
  stream.end();
  const items: unknown[] = [];
  for (;;) {
    try {
      // Every other read takes what is buffered synchronously first, as a busy reader would.
      const sync = items.length % 2 === 0;
      const item =
        how === 'reply'
          ? ((sync ? parser.tryReadReply() : undefined) ?? (await parser.readReply()))
          : ((sync ? parser.tryReadFrame() : undefined) ?? (await parser.readFrame()));
      if (item === null) return { items, error: null };
      items.push(Buffer.isBuffer(item) ? item.toString('latin1') : item);
    } catch (err) {
      // Anything but a fatal ProtocolError is a defect; show it as such.
      if (!(err instanceof ProtocolError) || !err.fatal) return { items, error: `NOT A PROTOCOL ERROR: ${String(err)}` };
      return { items, error: err.message };
    }
  }
}

test('replies written by the Writer read back as written, one frame each, however chunked', { timeout: testTimeout() }, async () => {
  await check(
    'replies: round trip',
    fc.asyncProperty(replies, cuts, async ([protocol, list], fractions) => {
      const each = await encode(protocol, list);
      const chunks = split(Buffer.concat(each), fractions);
      expect(await readAll(chunks, 'reply')).toEqual({ items: list, error: null });
      expect(await readAll(chunks, 'frame')).toEqual({ items: each.map((b) => b.toString('latin1')), error: null });
    }),
    200,
  );
});

const streamedFlags = fc.array(fc.boolean(), { maxLength: 40 });

test('streamed strings and aggregates read back as their plain forms, however chunked', { timeout: testTimeout() }, async () => {
  await check(
    'replies: streamed types',
    fc.asyncProperty(fc.array(tree(3), { minLength: 1, maxLength: 4 }), streamedFlags, cuts, async (list, flags, fractions) => {
      const each = await encode(3, list, flags);
      const chunks = split(Buffer.concat(each), fractions);
      expect(await readAll(chunks, 'reply')).toEqual({ items: list, error: null });
      expect(await readAll(chunks, 'frame')).toEqual({ items: each.map((b) => b.toString('latin1')), error: null });
    }),
    200,
  );
});

/** Reply limits: the defaults, or small ones that short replies reach. */
const limits = fc.oneof(
  fc.constant({}),
  fc.record(
    {
      maxBulkLength: fc.integer({ min: 0, max: 30 }),
      maxAggregateLength: fc.integer({ min: 0, max: 4 }),
      maxDepth: fc.integer({ min: 0, max: 3 }),
      maxReplyBytes: fc.integer({ min: 0, max: 600 }),
    },
    { requiredKeys: [] },
  ),
);

test('corrupted replies give the same replies and the same ProtocolError however chunked', { timeout: testTimeout() }, async () => {
  await check(
    'replies: corrupted',
    fc.asyncProperty(
      fc.array(tree(3), { minLength: 1, maxLength: 4 }),
      streamedFlags,
      fc.array(mutation, { maxLength: 3 }),
      cuts,
      limits,
      async (list, flags, mutations, fractions, options) => {
        const stream = mutate(Buffer.concat(await encode(3, list, flags)), mutations);
        const whole = await readAll([stream], 'reply', options);
        expect(whole.error ?? '').not.toMatch(/^NOT A PROTOCOL ERROR/);
        expect(await readAll(split(stream, fractions), 'reply', options)).toEqual(whole);
        // Framing and decoding agree: as many frames as replies, and the same error.
        const frames = await readAll(split(stream, fractions), 'frame', options);
        expect([frames.items.length, frames.error]).toEqual([whole.items.length, whole.error]);
      },
    ),
    300,
  );
});
