// Property 1, chunking invariance: however a byte stream is split into
// chunks, the parser yields the same commands and the same error (message and
// fatal) at the same place as when the stream arrives whole.
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { parseChunks, parseWhole } from '../test/helpers.js';
import { arbitraryStream, corruptedStream, cuts, limits, split, validStream } from './arbitraries.js';
import { check, testTimeout } from './config.js';

const sameWholeAndSplit = (stream: fc.Arbitrary<Buffer>) =>
  fc.asyncProperty(stream, cuts, limits, async (bytes, fractions, options) => {
    const whole = await parseWhole(bytes, options);
    expect(await parseChunks(split(bytes, fractions), options)).toEqual(whole);
  });

test('valid streams give the same commands however they are split', { timeout: testTimeout() }, async () => {
  await check('chunking: valid streams', sameWholeAndSplit(validStream), 1000);
});

test('corrupted streams give the same commands and error however they are split', { timeout: testTimeout() }, async () => {
  await check('chunking: corrupted streams', sameWholeAndSplit(corruptedStream), 1000);
});

test('arbitrary bytes give the same commands and error however they are split', { timeout: testTimeout() }, async () => {
  await check('chunking: arbitrary bytes', sameWholeAndSplit(arbitraryStream), 1000);
});
