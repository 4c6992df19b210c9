// Property 6, peer agreement: on valid multibulk streams, however chunked, the
// parser returns the same arguments as redis-parser, a peer implementation
// that reads the same framing (an array of bulks) on the client side.
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { parseChunks } from '../test/helpers.js';
import { command, cuts, multibulk, split } from './arbitraries.js';
import { check, testTimeout } from './config.js';
import { decodeResp2 } from './redis-parser.js';

test('the parser and redis-parser read the same arguments from valid multibulk streams', { timeout: testTimeout() }, async () => {
  await check(
    'peer: redis-parser',
    fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 6 }), cuts, async (commands, fractions) => {
      // A socket never yields an empty chunk, and redis-parser 3.0.0 throws a
      // RangeError on one in the middle of a bulk: leave them out.
      const chunks = split(Buffer.concat(commands.map(multibulk)), fractions).filter((c) => c.length > 0);
      const peer = decodeResp2(chunks) as Buffer[][];
      const ours = await parseChunks(chunks);
      expect(ours.error).toBeNull();
      expect(ours.commands).toEqual(peer.map((args) => args.map((a) => a.toString('latin1'))));
    }),
    300,
  );
});
