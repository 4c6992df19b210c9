// redis-parser (a client-side RESP2 decoder, and a peer implementation) as
// the independent judge of what the toolkit writes and reads.
import { createRequire } from 'node:module';

type RedisParserClass = new (options: {
  returnReply: (reply: unknown) => void;
  returnError: (err: Error) => void;
  returnFatalError: (err: Error) => void;
  returnBuffers: boolean;
  stringNumbers: boolean;
}) => { execute(chunk: Buffer): void };
const RedisParser = createRequire(import.meta.url)('redis-parser') as RedisParserClass;

/**
 * Decodes RESP2 fed in the given chunks: bulks and simple strings as Buffers,
 * integers as decimal strings, errors as Error objects, null bulks and arrays
 * as null, arrays as arrays. Throws on bytes that are not RESP2.
 */
export function decodeResp2(chunks: readonly Buffer[]): unknown[] {
  const out: unknown[] = [];
  let fatal: Error | null = null;
  const parser = new RedisParser({
    returnReply: (r) => out.push(r),
    returnError: (e) => out.push(e),
    returnFatalError: (e) => (fatal ??= e),
    returnBuffers: true,
    stringNumbers: true,
  });
  for (const chunk of chunks) parser.execute(chunk);
  if (fatal !== null) throw fatal;
  return out;
}
