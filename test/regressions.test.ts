// Bugs the fuzz suite (fuzz/) found, each with the minimal bytes that showed it.
import { PassThrough } from 'node:stream';
import { expect, test } from 'vitest';
import { ReplyParser } from '../src/index.js';
import { parseChunks, parseWhole } from './helpers.js';

test("a LF where the dollar should be reads as a space in the error, as Redis replies it", async () => {
  // redis-server 7.0.15 answers "*1\r\n\n\r\n" with "-ERR Protocol error: expected '$', got ' '\r\n".
  expect((await parseWhole('*1\r\n\n\r\n')).error).toEqual({ message: "Protocol error: expected '$', got ' '", fatal: true });
});

test("a CR where the dollar should be reads as a space in the error, as Redis replies it", async () => {
  // redis-server 7.0.15 answers "*1\r\n\r\n\r\n" with "-ERR Protocol error: expected '$', got ' '\r\n".
  expect((await parseWhole('*1\r\n\r\n\r\n')).error).toEqual({ message: "Protocol error: expected '$', got ' '", fatal: true });
});

test('a request of many small arguments trickling in is copied a bounded number of times, not once per chunk', async () => {
  // *1000000\r\n then 2,000 × $2\r\nxy\r\n (16 KB) in 520-byte chunks: before the fix every
  // chunk reallocated the whole pending request, 257 KB in all here (quadratic in the input).
  const stream = Buffer.concat([Buffer.from('*1000000\r\n'), Buffer.from('$2\r\nxy\r\n'.repeat(2000))]);
  const chunks: Buffer[] = [];
  for (let i = 0; i < stream.length; i += 520) chunks.push(stream.subarray(i, i + 520));
  const saved = { allocUnsafe: Buffer.allocUnsafe, allocUnsafeSlow: Buffer.allocUnsafeSlow };
  let allocated = 0;
  Buffer.allocUnsafe = (n: number) => ((allocated += n), saved.allocUnsafe.call(Buffer, n));
  Buffer.allocUnsafeSlow = (n: number) => ((allocated += n), saved.allocUnsafeSlow.call(Buffer, n));
  let error: { message: string };
  try {
    error = (await parseChunks(chunks)).error!;
  } finally {
    Object.assign(Buffer, saved);
  }
  expect(error.message).toBe('Protocol error: connection closed in the middle of a request');
  expect(allocated).toBeLessThan(4 * stream.length + 64 * 1024);
});

test('a reply line longer than maxBulkLength fails the same whether it arrives whole or split', async () => {
  // "(0\r\n" with maxBulkLength 0: the check ran only while the line was incomplete, so the
  // bignum was refused when cut after "(0" and accepted when whole. Found once the parser
  // received the fuzz suite's chunks one by one instead of coalesced.
  const read = async (chunks: string[]): Promise<string> => {
    const stream = new PassThrough();
    const parser = new ReplyParser(stream, { maxBulkLength: 0 });
    for (const chunk of chunks) stream.write(chunk);
    stream.end();
    return parser.readReply().then(() => 'accepted', (err: Error) => err.message);
  };
  expect(await read(['(0\r\n'])).toBe('Bad bignum value');
  expect(await read(['(0', '\r\n'])).toBe('Bad bignum value');
});
