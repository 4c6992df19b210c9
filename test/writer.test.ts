// Each Writer method's exact bytes (RESP2), and how the Writer hands them to the stream.
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { Writer } from '../src/index.js';
import { captureWriter } from './helpers.js';

async function bytesOf(write: (w: Writer) => void): Promise<string> {
  const { writer, sent } = captureWriter();
  write(writer);
  return (await sent()).toString('latin1');
}

describe('reply bytes', () => {
  test.each<[string, (w: Writer) => void, string]>([
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
  ])('%s', async (_name, write, expected) => {
    expect(await bytesOf(write)).toBe(expected);
  });
});

describe('writeAny', () => {
  test.each<[string, Parameters<Writer['writeAny']>[0], string]>([
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
  ])('%s', async (_name, value, expected) => {
    expect(await bytesOf((w) => w.writeAny(value))).toBe(expected);
  });
});

describe('misuse is refused at once', () => {
  test('writeInt refuses a fraction', () => {
    expect(() => new Writer(new PassThrough()).writeInt(1.5)).toThrow(RangeError);
  });

  test('writeInt refuses a bigint beyond 64 bits', () => {
    expect(() => new Writer(new PassThrough()).writeInt(2n ** 63n)).toThrow(RangeError);
  });

  test('writeArray refuses a count below -1', () => {
    expect(() => new Writer(new PassThrough()).writeArray(-2)).toThrow(RangeError);
  });
});

/** A Writable that records each write call. */
function recordingStream(highWaterMark = 16 * 1024): { stream: Writable; writes: Buffer[] } {
  const writes: Buffer[] = [];
  const stream = new Writable({
    highWaterMark,
    write(chunk: Buffer, _enc, done) {
      writes.push(Buffer.from(chunk));
      done();
    },
  });
  return { stream, writes };
}

describe('handing bytes to the stream', () => {
  test('replies stay buffered until flush, then go in one write', async () => {
    const { stream, writes } = recordingStream();
    const writer = new Writer(stream);
    for (let i = 0; i < 100; i++) writer.writeSimpleString('OK');
    expect(writes).toHaveLength(0);
    expect(writer.bufferedBytes).toBe(500);
    await writer.flush();
    expect(writes).toHaveLength(1);
    expect(writes[0].length).toBe(500);
    expect(writer.bufferedBytes).toBe(0);
  });

  test('a full buffer is handed over without waiting for flush', async () => {
    const { stream, writes } = recordingStream();
    const writer = new Writer(stream, { bufferSize: 1024 });
    for (let i = 0; i < 1000; i++) writer.writeInt(i);
    expect(writes.length).toBeGreaterThan(0);
    expect(writer.bufferedBytes).toBeLessThanOrEqual(1024);
    await writer.flush();
    expect(Buffer.concat(writes).toString()).toBe(Array.from({ length: 1000 }, (_, i) => `:${i}\r\n`).join(''));
  });

  test('a large bulk is passed to the stream without a copy', async () => {
    const { stream, writes } = recordingStream(1 << 20);
    const writer = new Writer(stream);
    const big = Buffer.alloc(100_000, 0x61);
    writer.writeBulk(big);
    await writer.flush();
    expect(Buffer.concat(writes).toString()).toBe(`$100000\r\n${'a'.repeat(100_000)}\r\n`);
    expect(writes.map((w) => w.length)).toContain(100_000);
  });

  test('flush waits for drain when the stream asks for it', async () => {
    const stream = new Writable({ highWaterMark: 64, write: (_c, _e, done) => setTimeout(done, 5) });
    const writer = new Writer(stream);
    writer.writeBulk(Buffer.alloc(1000));
    let drained = false;
    stream.once('drain', () => (drained = true));
    await writer.flush();
    expect(drained).toBe(true);
  });

  test('flushNow hands the replies over at once and says whether the stream can take more', () => {
    const written: string[] = [];
    const stream = new Writable({ highWaterMark: 8, write: (chunk: Buffer, _e, done) => (written.push(chunk.toString()), setTimeout(done, 5)) });
    const writer = new Writer(stream);
    writer.writeSimpleString('OK');
    expect(writer.flushNow()).toBe(true);
    expect(written).toEqual(['+OK\r\n']);
    writer.writeSimpleString('a longer line');
    expect(writer.flushNow()).toBe(false); // past the stream's high-water mark: wait for 'drain'
    expect(writer.bufferedBytes).toBe(0);
  });

  test('flushNow on a destroyed stream says false, and flush rejects', async () => {
    const stream = new PassThrough();
    stream.destroy();
    const writer = new Writer(stream);
    writer.writeSimpleString('OK');
    expect(writer.flushNow()).toBe(false);
    await expect(writer.flush()).rejects.toThrow('the stream is closed');
  });

  test('flush on a destroyed stream rejects, and write methods do not throw', async () => {
    const stream = new PassThrough();
    stream.destroy();
    const writer = new Writer(stream);
    expect(() => writer.writeSimpleString('OK')).not.toThrow();
    await expect(writer.flush()).rejects.toThrow('the stream is closed');
  });

  test('flush after the stream has ended rejects instead of raising an error event', async () => {
    const stream = new PassThrough();
    stream.resume();
    stream.end();
    const writer = new Writer(stream);
    writer.writeSimpleString('OK');
    await expect(writer.flush()).rejects.toThrow('the stream is closed');
  });
});
