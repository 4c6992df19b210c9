// Each write method's exact bytes (RESP2), synchronously, and how take() hands them out.
import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { Encoder, Writer } from '../src/index.js';

function bytesOf(write: (e: Encoder) => void): string {
  const encoder = new Encoder();
  write(encoder);
  return encoder.take().toString('latin1');
}

describe('reply bytes', () => {
  test.each<[string, (w: Encoder) => void, string]>([
    ['writeSimpleString', (w) => w.writeSimpleString('OK'), '+OK\r\n'],
    ['writeSimpleString turns CR and LF into spaces', (w) => w.writeSimpleString('a\r\nb'), '+a  b\r\n'],
    ['writeError', (w) => w.writeError('ERR unknown command'), '-ERR unknown command\r\n'],
    ['writeError turns CR and LF into spaces, as Redis does', (w) => w.writeError("ERR got '\r'"), "-ERR got ' '\r\n"],
    ['writeSimpleString with bytes sends them as they are', (w) => w.writeSimpleString(new Uint8Array([0x4f, 0xe9, 0xff])), '+O\xe9\xff\r\n'],
    ['writeSimpleString with a string sends UTF-8', (w) => w.writeSimpleString('Oé'), '+O\xc3\xa9\r\n'],
    ['writeSimpleString with bytes turns CR and LF into spaces', (w) => w.writeSimpleString(Buffer.from('a\r\nb')), '+a  b\r\n'],
    [
      'writeError with bytes sends a byte of 0x80 or more as one byte, as Redis echoes it',
      (w) => w.writeError(Buffer.from("ERR Protocol error: expected '$', got '\xe9'", 'latin1')),
      "-ERR Protocol error: expected '$', got '\xe9'\r\n",
    ],
    ['writeError with a string sends UTF-8', (w) => w.writeError("ERR got 'é'"), "-ERR got '\xc3\xa9'\r\n"],
    ['writeError with bytes turns CR and LF into spaces', (w) => w.writeError(Buffer.from("ERR got '\r\n'")), "-ERR got '  '\r\n"],
    ['writeError with empty bytes', (w) => w.writeError(new Uint8Array(0)), '-\r\n'],
    ['writeInt with a number', (w) => w.writeInt(42), ':42\r\n'],
    ['writeInt with a negative number', (w) => w.writeInt(-7), ':-7\r\n'],
    ['writeInt with zero', (w) => w.writeInt(0), ':0\r\n'],
    ['writeInt with a bigint at the 64-bit edge', (w) => w.writeInt(-(2n ** 63n)), ':-9223372036854775808\r\n'],
    ['writeBulk', (w) => w.writeBulk(Buffer.from('hi')), '$2\r\nhi\r\n'],
    ['writeBulk with binary bytes', (w) => w.writeBulk(new Uint8Array([0, 13, 10, 255])), '$4\r\n\0\r\n\xff\r\n'],
    ['writeBulk with an empty buffer', (w) => w.writeBulk(Buffer.alloc(0)), '$0\r\n\r\n'],
    ['writeBulk with null', (w) => w.writeBulk(null), '$-1\r\n'],
    ['writeBulk of 9 bytes', (w) => w.writeBulk(Buffer.from('x'.repeat(9))), `$9\r\n${'x'.repeat(9)}\r\n`],
    ['writeBulk of 10 bytes', (w) => w.writeBulk(Buffer.from('x'.repeat(10))), `$10\r\n${'x'.repeat(10)}\r\n`],
    ['writeBulk of 32 bytes', (w) => w.writeBulk(Buffer.from('x'.repeat(32))), `$32\r\n${'x'.repeat(32)}\r\n`],
    ['writeBulk of 33 bytes', (w) => w.writeBulk(Buffer.from('x'.repeat(33))), `$33\r\n${'x'.repeat(33)}\r\n`],
    ['writeBulkString encodes UTF-8', (w) => w.writeBulkString('hé'), '$3\r\nh\xc3\xa9\r\n'],
    ['writeBulkString with null', (w) => w.writeBulkString(null), '$-1\r\n'],
    ['writeNull', (w) => w.writeNull(), '$-1\r\n'],
    ['writeArray', (w) => w.writeArray(2), '*2\r\n'],
    ['writeArray with -1 is the null array', (w) => w.writeArray(-1), '*-1\r\n'],
    ['writeArray with 0', (w) => w.writeArray(0), '*0\r\n'],
    ['writeBulks', (w) => w.writeBulks([Buffer.from('a'), null]), '*2\r\n$1\r\na\r\n$-1\r\n'],
    ['writeBulkStrings', (w) => w.writeBulkStrings(['a', 'bc']), '*2\r\n$1\r\na\r\n$2\r\nbc\r\n'],
    ['writeRaw', (w) => w.writeRaw(Buffer.from('+PONG\r\n')), '+PONG\r\n'],
  ])('%s', (_name, write, expected) => {
    expect(bytesOf(write)).toBe(expected);
  });
});

describe('writeAny', () => {
  test.each<[string, Parameters<Encoder['writeAny']>[0], string]>([
    ['a string is a bulk', 'hi', '$2\r\nhi\r\n'],
    ['a Buffer is a bulk', Buffer.from('hi'), '$2\r\nhi\r\n'],
    ['an integer is an integer', 12, ':12\r\n'],
    ['a bigint is an integer', 12n, ':12\r\n'],
    ['true is 1', true, ':1\r\n'],
    ['false is 0', false, ':0\r\n'],
    ['null is the null bulk', null, '$-1\r\n'],
    ['undefined is the null bulk', undefined, '$-1\r\n'],
    ['an Error with a code is sent as it is', new Error('WRONGTYPE bad'), '-WRONGTYPE bad\r\n'],
    ['an Error without a code gets ERR', new Error('boom'), '-ERR boom\r\n'],
    ['arrays nest', ['a', [1, null]], '*2\r\n$1\r\na\r\n*2\r\n:1\r\n$-1\r\n'],
  ])('%s', (_name, value, expected) => {
    expect(bytesOf((w) => w.writeAny(value))).toBe(expected);
  });
});

describe('misuse is refused at once', () => {
  test('writeInt refuses a fraction', () => {
    expect(() => new Encoder().writeInt(1.5)).toThrow(RangeError);
  });

  test('writeInt refuses a bigint beyond 64 bits', () => {
    expect(() => new Encoder().writeInt(2n ** 63n)).toThrow(RangeError);
  });

  test('writeArray refuses a count below -1', () => {
    expect(() => new Encoder().writeArray(-2)).toThrow(RangeError);
  });
});

describe('taking the bytes', () => {
  test('take() gives what was encoded since the last take, then nothing', () => {
    const e = new Encoder();
    e.writeSimpleString('OK');
    e.writeInt(1);
    expect(e.take().toString()).toBe('+OK\r\n:1\r\n');
    e.writeNull();
    expect(e.take().toString()).toBe('$-1\r\n');
    expect(e.take().length).toBe(0);
    expect(e.bufferedBytes).toBe(0);
  });

  test('bytes taken are never written over by later replies', () => {
    const e = new Encoder();
    e.writeSimpleString('first');
    const taken = e.take();
    for (let i = 0; i < 100; i++) e.writeSimpleString('second');
    expect(taken.toString()).toBe('+first\r\n');
  });

  test('replies past one buffer are counted and taken whole, in order', () => {
    const e = new Encoder({ bufferSize: 64 });
    for (let i = 0; i < 1000; i++) e.writeInt(i);
    const expected = Array.from({ length: 1000 }, (_, i) => `:${i}\r\n`).join('');
    expect(e.bufferedBytes).toBe(expected.length);
    expect(e.take().toString()).toBe(expected);
    expect(e.bufferedBytes).toBe(0);
  });

  test('a bulk of 16 KiB and more is taken between its header and its CRLF', () => {
    const e = new Encoder();
    const big = Buffer.alloc(20_000, 0x61);
    e.writeSimpleString('OK');
    e.writeBulk(big);
    e.writeInt(7);
    expect(e.take().toString()).toBe(`+OK\r\n$20000\r\n${'a'.repeat(20_000)}\r\n:7\r\n`);
  });

  test('bytes given to writeRaw alone are taken as they are', () => {
    const e = new Encoder();
    const raw = Buffer.alloc(32 * 1024, 0x2b);
    e.writeRaw(raw);
    expect(e.take().equals(raw)).toBe(true);
  });

  test('take() holds back a RESP2 attribute until its values are written, then gives the reply alone', () => {
    const e = new Encoder({ protocol: 2 });
    e.writeSimpleString('before');
    e.writeAttribute(1);
    e.writeBulkString('key');
    expect(e.take().toString()).toBe('+before\r\n');
    e.writeInt(1);
    e.writeSimpleString('OK');
    expect(e.take().toString()).toBe('+OK\r\n');
  });

  test('in RESP3 the replies are taken in RESP3', () => {
    const e = new Encoder({ protocol: 3 });
    e.writeMap(1);
    e.writeBulkString('k');
    e.writeBoolean(true);
    e.writeNull();
    expect(e.take().toString()).toBe('%1\r\n$1\r\nk\r\n#t\r\n_\r\n');
  });

  test('a buffer size below 64 bytes is refused', () => {
    expect(() => new Encoder({ bufferSize: 63 })).toThrow(TypeError);
  });

  test("take() on a Writer gives the bytes not yet handed to its stream, and the stream never gets them", async () => {
    const stream = new PassThrough();
    const writer = new Writer(stream);
    writer.writeSimpleString('mine');
    expect(writer.take().toString()).toBe('+mine\r\n');
    writer.writeSimpleString('theirs');
    await writer.flush();
    expect(stream.read().toString()).toBe('+theirs\r\n');
  });
});
