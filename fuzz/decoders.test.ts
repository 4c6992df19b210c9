// The synchronous decoders and the stream parsers built on them agree: for any
// input and any split into chunks, RequestDecoder gives what Parser gives and
// ReplyDecoder what ReplyParser gives (replies, frames, and the error).
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { ReplyDecoder, ReplyParser, RequestDecoder, type ParserOptions, type ReplyParserOptions } from '../src/index.js';
import { type Parsed, parseChunks } from '../test/helpers.js';
import { arbitraryStream, command, corruptedStream, cuts, limits, multibulk, mutate, mutation, split, validStream } from './arbitraries.js';
import { check, testTimeout } from './config.js';

const anyRequests = fc.oneof(validStream, corruptedStream, arbitraryStream);

/** What parseChunks records, from a RequestDecoder fed the same chunks. */
function decodeRequests(chunks: Buffer[], options: ParserOptions): Parsed {
  const decoder = new RequestDecoder(options);
  const commands: string[][] = [];
  const drain = (): Parsed['error'] => {
    for (;;) {
      let cmd;
      try {
        cmd = decoder.next();
      } catch (err) {
        const e = err as { message: string; fatal: boolean };
        if (e.fatal === false) {
          commands.push([`<recoverable: ${e.message}>`]);
          continue;
        }
        return { message: e.message, fatal: e.fatal };
      }
      if (cmd === undefined) return null;
      commands.push(cmd.args().map((a) => a.toString('latin1')));
    }
  };
  for (const chunk of chunks) {
    if (chunk.length === 0) continue; // a stream never delivers an empty chunk
    decoder.push(chunk);
    const error = drain();
    if (error !== null) return { commands, error };
  }
  try {
    decoder.end();
  } catch (err) {
    const e = err as { message: string; fatal: boolean };
    return { commands, error: { message: e.message, fatal: e.fatal } };
  }
  return { commands, error: drain() };
}

test('RequestDecoder and Parser agree on any input, however it is split', { timeout: testTimeout() }, async () => {
  await check(
    'decoders: requests agree',
    fc.asyncProperty(anyRequests, cuts, limits, async (bytes, fractions, options) => {
      const chunks = split(bytes, fractions);
      expect(decodeRequests(chunks, options)).toEqual(await parseChunks(chunks, options));
    }),
    150,
  );
});

test('Command.raw() gives back every multibulk request byte for byte, however the stream is split', { timeout: testTimeout() }, async () => {
  await check(
    'decoders: raw requests',
    fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 8 }), cuts, async (commands, fractions) => {
      const requests = commands.map(multibulk);
      const decoder = new RequestDecoder();
      const raw: Buffer[] = [];
      for (const chunk of split(Buffer.concat(requests), fractions)) {
        decoder.push(chunk);
        for (let cmd; (cmd = decoder.next()) !== undefined; ) raw.push(Buffer.from(cmd.raw()!));
      }
      // Buffer#equals: a deep comparison of megabytes byte by byte would take seconds.
      expect(raw.length).toBe(requests.length);
      expect(raw.map((r, i) => r.equals(requests[i]))).toEqual(requests.map(() => true));
    }),
    150,
  );
});

/**
 * Pushes every chunk into `decoder` as a stream would deliver them, draining
 * after each and after end(); the message of what was thrown, or null.
 */
function feed(decoder: { push(chunk: Buffer): void; end(): void }, chunks: Buffer[], drain: () => void): string | null {
  try {
    for (const chunk of chunks) {
      if (chunk.length === 0) continue; // a stream never delivers an empty chunk
      decoder.push(chunk);
      drain();
    }
    decoder.end();
    drain();
  } catch (err) {
    return (err as Error).message;
  }
  return null;
}

/**
 * The requests a RequestDecoder gives for these chunks, as one text: each
 * multibulk request's raw bytes, each inline one as its words, each
 * recoverable error as its message; then how many, and the fatal error. With
 * `max`, requests are taken with nextFrames(max) and next() only when it says
 * undefined, as a proxy takes them; without, with next() alone.
 */
function requestText(chunks: Buffer[], options: ParserOptions, max?: number): { text: string; count: number; error: string | null } {
  const decoder = new RequestDecoder(options);
  let text = '';
  let count = 0;
  const drain = (): void => {
    for (;;) {
      const frames = max === undefined ? undefined : decoder.nextFrames(max);
      if (frames !== undefined) {
        text += frames.bytes.toString('latin1');
        count += frames.count;
        continue;
      }
      let cmd;
      try {
        cmd = decoder.next();
      } catch (err) {
        if ((err as { fatal: boolean }).fatal !== false) throw err;
        text += `<recoverable: ${(err as Error).message}>`;
        continue;
      }
      if (cmd === undefined) return;
      const raw = cmd.raw();
      text += raw !== null ? raw.toString('latin1') : `<inline: ${cmd.args().join(' ')}>`;
      count++;
    }
  };
  const error = feed(decoder, chunks, drain); // before text and count are read
  return { text, count, error };
}

test('nextFrames() with next() gives exactly the requests next() gives alone, and the same error', { timeout: testTimeout() }, async () => {
  await check(
    'decoders: batches of requests',
    fc.asyncProperty(anyRequests, cuts, limits, fc.integer({ min: 1, max: 5 }), async (bytes, fractions, options, max) => {
      const chunks = split(bytes, fractions);
      expect(requestText(chunks, options, max)).toEqual(requestText(chunks, options));
    }),
    150,
  );
});

// ---- Replies: valid ones of every type, corrupted ones, and noise -----------

const line = fc.stringMatching(/^[a-zA-Z0-9 ]{0,8}$/);
const leaf = fc.oneof(
  line.map((s) => `+${s}\r\n`),
  line.map((s) => `-ERR ${s}\r\n`),
  fc.integer({ min: -1e6, max: 1e6 }).map((n) => `:${n}\r\n`),
  fc.constantFrom(':9223372036854775807\r\n', ':-9223372036854775808\r\n', '$-1\r\n', '*-1\r\n', '_\r\n', '#t\r\n', ',inf\r\n', ',1.5e3\r\n', '(123456789012345678901234567890\r\n'),
  line.map((s) => `$${s.length}\r\n${s}\r\n`),
  line.map((s) => `=${s.length + 4}\r\ntxt:${s}\r\n`),
  line.map((s) => `!${s.length}\r\n${s}\r\n`),
  line.map((s) => `$?\r\n${s ? `;${s.length}\r\n${s}\r\n` : ''};0\r\n`),
);
const { reply } = fc.letrec<{ reply: string; aggregate: string }>((tie) => ({
  reply: fc.oneof({ depthSize: 'small' }, leaf, tie('aggregate')),
  aggregate: fc.oneof(
    fc.tuple(fc.constantFrom('*', '~', '>'), fc.array(tie('reply'), { maxLength: 4 })).map(([t, items]) => `${t}${items.length}\r\n${items.join('')}`),
    fc.array(fc.tuple(tie('reply'), tie('reply')), { maxLength: 3 }).map((pairs) => `%${pairs.length}\r\n${pairs.flat().join('')}`),
    fc.tuple(fc.array(tie('reply'), { maxLength: 3 })).map(([items]) => `*?\r\n${items.join('')}.\r\n`),
    fc.tuple(tie('reply'), tie('reply'), tie('reply')).map(([k, v, r]) => `|1\r\n${k}${v}${r}`),
  ),
}));
const validReplies = fc.array(reply, { maxLength: 6 }).map((list) => Buffer.from(list.join(''), 'latin1'));
const anyReplies = fc.oneof(
  validReplies,
  fc.tuple(validReplies, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([s, m]) => mutate(s, m)),
  arbitraryStream,
);
const replyLimits = fc.oneof(
  fc.constant<ReplyParserOptions>({}),
  fc.record({ maxBulkLength: fc.integer({ min: 0, max: 20 }), maxDepth: fc.integer({ min: 0, max: 4 }), maxReplyBytes: fc.integer({ min: 0, max: 400 }) }),
);

interface Outcome {
  items: unknown[];
  error: string | null;
}

/** Frames as latin1 text, replies as they are: what both sides are compared on. */
const show = (item: unknown): unknown => (Buffer.isBuffer(item) ? `frame ${item.toString('latin1')}` : item);

async function readReplies(chunks: Buffer[], options: ReplyParserOptions, asFrame: boolean[]): Promise<Outcome> {
  const parser = new ReplyParser(Readable.from(chunks), options);
  const items: unknown[] = [];
  for (let i = 0; ; i++) {
    try {
      const item = asFrame[i % asFrame.length] ? await parser.readFrame() : await parser.readReply();
      if (item === null) return { items, error: null };
      items.push(show(item));
    } catch (err) {
      return { items, error: (err as Error).message };
    }
  }
}

function decodeReplies(chunks: Buffer[], options: ReplyParserOptions, asFrame: boolean[]): Outcome {
  const decoder = new ReplyDecoder(options);
  const items: unknown[] = [];
  let i = 0;
  const drain = (): boolean => {
    for (;;) {
      const item = asFrame[i % asFrame.length] ? decoder.nextFrame() : decoder.next();
      if (item === undefined) return false;
      items.push(show(item));
      i++;
    }
  };
  const error = feed(decoder, chunks, drain);
  return { items, error };
}

test('ReplyDecoder and ReplyParser agree on any input, however it is split', { timeout: testTimeout() }, async () => {
  await check(
    'decoders: replies agree',
    fc.asyncProperty(anyReplies, cuts, replyLimits, fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }), async (bytes, fractions, options, asFrame) => {
      const chunks = split(bytes, fractions);
      expect(decodeReplies(chunks, options, asFrame)).toEqual(await readReplies(chunks, options, asFrame));
    }),
    150,
  );
});

/** The bytes and count of every batch nextFrames() (at most `max` each) gives for these chunks, and the error. */
function decodeBatches(chunks: Buffer[], options: ReplyParserOptions, max: number): Outcome {
  const decoder = new ReplyDecoder(options);
  const frames: Buffer[] = [];
  let count = 0;
  const drain = (): void => {
    for (let f; (f = decoder.nextFrames(max)) !== undefined; count += f.count) {
      expect(f.count).toBeLessThanOrEqual(max);
      frames.push(f.bytes);
    }
  };
  const error = feed(decoder, chunks, drain);
  return { items: [count, Buffer.concat(frames).toString('latin1')], error };
}

test('nextFrames() gives in batches exactly the frames nextFrame() gives one by one, and the same error', { timeout: testTimeout() }, async () => {
  await check(
    'decoders: batches of frames',
    fc.asyncProperty(anyReplies, cuts, replyLimits, fc.integer({ min: 1, max: 5 }), async (bytes, fractions, options, max) => {
      const chunks = split(bytes, fractions);
      const one = decodeReplies(chunks, options, [true]);
      const joined = one.items.map((item) => (item as string).slice('frame '.length)).join('');
      expect(decodeBatches(chunks, options, max)).toEqual({ items: [one.items.length, joined], error: one.error });
    }),
    150,
  );
});
