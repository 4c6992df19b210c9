// Every result is independent of how the bytes are split into chunks.
import { describe, expect, test } from 'vitest';
import { type Parsed, parseChunks } from './helpers.js';

const MIXED = Buffer.concat([
  Buffer.from('*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n'),
  Buffer.from('PING\r\n'),
  Buffer.from('*0\r\n*-1\r\n\r\n \t \n'),
  Buffer.from('SET "a b" \'c\\\'d\' "\\x41\\n"\r\n'),
  Buffer.from('*2\r\n$4\r\nECHO\r\n$6\r\n'),
  Buffer.from([0, 13, 10, 255, 36, 42]),
  Buffer.from('\r\n'),
  Buffer.from('ECHO "unbalanced\r\n'),
  Buffer.from('*1\r\n$0\r\n\r\n'),
  Buffer.from('get  key\n'),
]);

/** Splits `bytes` at the given offsets. */
function splitAt(bytes: Buffer, ...cuts: number[]): Buffer[] {
  const edges = [0, ...cuts, bytes.length];
  return edges.slice(1).map((end, i) => bytes.subarray(edges[i], end));
}

function byteByByte(bytes: Buffer): Buffer[] {
  return Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
}

const EXPECTED: Parsed = {
  commands: [
    ['SET', 'key', 'value'],
    ['PING'],
    ['SET', 'a b', "c'd", 'A\n'],
    ['ECHO', '\0\r\n\xff$*'],
    ['<recoverable: Protocol error: unbalanced quotes in request>'],
    [''],
    ['get', 'key'],
  ],
  error: null,
};

describe('a stream of mixed commands', () => {
  test('parsed whole gives every command', async () => {
    expect(await parseChunks([MIXED])).toEqual(EXPECTED);
  });

  test('parsed byte by byte gives the same', async () => {
    expect(await parseChunks(byteByByte(MIXED))).toEqual(EXPECTED);
  });

  test('split at every point gives the same', async () => {
    for (let cut = 1; cut < MIXED.length; cut++) {
      expect(await parseChunks(splitAt(MIXED, cut)), `split at ${cut}`).toEqual(EXPECTED);
    }
  });

  test('split at every pair of points gives the same', async () => {
    for (let a = 1; a < MIXED.length; a += 7) {
      for (let b = a + 1; b < MIXED.length; b += 3) {
        expect(await parseChunks(splitAt(MIXED, a, b)), `split at ${a} and ${b}`).toEqual(EXPECTED);
      }
    }
  });
});

describe('a stream that ends in an error', () => {
  const BAD = Buffer.concat([MIXED, Buffer.from('*2\r\n$3\r\nGET\r\n$x\r\nPING\r\n')]);

  test('fails at the same place, with the same error, however it is split', async () => {
    const whole = await parseChunks([BAD]);
    expect(whole.error).toEqual({ message: 'Protocol error: invalid bulk length', fatal: true });
    expect(await parseChunks(byteByByte(BAD))).toEqual(whole);
    for (let cut = 1; cut < BAD.length; cut++) {
      expect(await parseChunks(splitAt(BAD, cut)), `split at ${cut}`).toEqual(whole);
    }
  });
});

describe('a large value', () => {
  const value = Buffer.alloc(200_000, 'v');
  const SETBIG = Buffer.concat([Buffer.from('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$200000\r\n'), value, Buffer.from('\r\nPING\r\n')]);
  const expected = { commands: [['SET', 'k', value.toString()], ['PING']], error: null };

  test('arrives whole in one chunk', async () => {
    expect(await parseChunks([SETBIG])).toEqual(expected);
  });

  test('arrives in 64 KiB chunks', async () => {
    const chunks: Buffer[] = [];
    for (let i = 0; i < SETBIG.length; i += 65536) chunks.push(SETBIG.subarray(i, i + 65536));
    expect(await parseChunks(chunks)).toEqual(expected);
  });

  test('arrives in uneven chunks around the header and the trailing CRLF', async () => {
    const header = SETBIG.indexOf('$200000') + 3;
    const tail = SETBIG.length - 8;
    expect(await parseChunks(splitAt(SETBIG, header, header + 5, 100_000, tail - 1, tail, tail + 1))).toEqual(expected);
  });

  test('arrives one byte at a time', async () => {
    expect(await parseChunks(byteByByte(SETBIG))).toEqual(expected);
  });
});
