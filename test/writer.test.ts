// How the Writer hands what it encodes to the stream (the bytes themselves: encoder.test.ts).
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { Writer } from '../src/index.js';

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
