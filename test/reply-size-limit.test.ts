// maxReplyBytes: one reply's bytes plus 64 per element. Without it, a reply that
// never ends (or a huge aggregate of tiny elements) grew a client's or a
// proxy's memory without bound: only each string, each count and the depth
// were limited.
import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { DEFAULT_REPLY_LIMITS, ProtocolError, ReplyParser, type ReplyParserOptions } from '../src/index.js';

const TOO_BIG = 'Protocol error, reply larger than maxReplyBytes';

/** A ReplyParser over a stream that yields `chunks` then ends. */
function parserOf(chunks: (string | Buffer)[], options?: ReplyParserOptions): ReplyParser {
  const stream = new PassThrough();
  for (const chunk of chunks) stream.write(chunk);
  stream.end();
  return new ReplyParser(stream, options);
}

/** What the first read of `chunks` gives: the frame, or the error message. */
async function firstFrame(chunks: (string | Buffer)[], options?: ReplyParserOptions): Promise<string> {
  try {
    return String(await parserOf(chunks, options).readFrame());
  } catch (err) {
    return (err as Error).message;
  }
}

describe('maxReplyBytes', () => {
  test('defaults to 1 GiB', () => {
    expect(DEFAULT_REPLY_LIMITS.maxReplyBytes).toBe(1024 * 1024 * 1024);
  });

  test('a reply of exactly the limit is read', async () => {
    // 11 bytes, one element: 11 + 64.
    expect(await firstFrame(['$5\r\nhello\r\n'], { maxReplyBytes: 75 })).toBe('$5\r\nhello\r\n');
  });

  test('a reply one byte over the limit is refused, whole in one chunk', async () => {
    expect(await firstFrame(['$5\r\nhello\r\n'], { maxReplyBytes: 74 })).toBe(TOO_BIG);
  });

  test('a reply one byte over the limit is refused the same when it arrives byte by byte', async () => {
    const bytes = '$5\r\nhello\r\n';
    expect(await firstFrame([...bytes], { maxReplyBytes: 74 })).toBe(TOO_BIG);
    expect(await firstFrame([...bytes], { maxReplyBytes: 75 })).toBe(bytes);
  });

  test('a string announced past the limit is refused from its header, before its bytes arrive', async () => {
    const stream = new PassThrough();
    const reading = new ReplyParser(stream, { maxReplyBytes: 1000 }).readFrame();
    stream.write('$1000\r\n');
    await expect(reading).rejects.toThrow(TOO_BIG);
  });

  test('each element counts 64 bytes, the aggregate too, so many tiny ones are refused though their bytes are few', async () => {
    const reply = '*100\r\n' + '_\r\n'.repeat(100); // 306 bytes, 101 elements
    expect(await firstFrame([reply], { maxReplyBytes: 306 + 101 * 64 })).toBe(reply);
    expect(await firstFrame([reply], { maxReplyBytes: 306 + 101 * 64 - 1 })).toBe(TOO_BIG);
  });

  test('the refusal is fatal, and replies before the big one are delivered first', async () => {
    const parser = parserOf([':1\r\n', '$300\r\n' + 'x'.repeat(300) + '\r\n'], { maxReplyBytes: 200 });
    expect(await parser.readReply()).toEqual({ type: 'integer', value: 1 });
    const err = await parser.readReply().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).fatal).toBe(true);
    await expect(parser.readReply()).rejects.toBe(err);
  });

  test('a reply that never ends is refused once its bytes pass the limit, holding no more than the limit and a chunk', async () => {
    const limit = 1024 * 1024;
    const stream = new PassThrough();
    const reading = new ReplyParser(stream, { maxReplyBytes: limit }).readFrame().catch((e: unknown) => e);
    const before = process.memoryUsage().arrayBuffers;
    stream.write('*?\r\n');
    const chunk = Buffer.from('$10\r\n0123456789\r\n'.repeat(3000)); // 51 KB, 3,000 elements
    let sent = 0;
    let outcome: unknown;
    reading.then((e) => (outcome = e));
    // Bounded: 100x the limit is far past it.
    while (outcome === undefined && sent < 100 * limit) {
      stream.write(chunk);
      sent += chunk.length;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect((outcome as Error).message).toBe(TOO_BIG);
    expect(sent).toBeLessThanOrEqual(limit);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(4 * limit);
  });
});
