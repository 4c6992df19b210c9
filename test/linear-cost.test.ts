// A value that trickles in must cost time linear in its size. Timing is not
// asserted (the machine is shared); the work is: the bytes the parser copies.
import { Readable } from 'node:stream';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { Parser } from '../src/index.js';

/** `SET v <value of n bytes>` delivered one byte per read, as a slow client sends it. */
function oneByteAtATime(n: number): Readable {
  const head = Buffer.from(`*3\r\n$3\r\nSET\r\n$1\r\nv\r\n$${n}\r\n`, 'latin1');
  const bytes = Buffer.concat([head, Buffer.alloc(n, 0x61), Buffer.from('\r\n')]);
  let at = 0;
  return new Readable({
    highWaterMark: 0, // so that every read yields exactly the one byte pushed
    read() {
      this.push(at < bytes.length ? bytes.subarray(at, ++at) : null);
    },
  });
}

/** Bytes moved by Buffer#copy while the parser reads that one command. */
async function bytesCopiedFor(n: number): Promise<number> {
  let copied = 0;
  const copy = Buffer.prototype.copy;
  vi.spyOn(Buffer.prototype, 'copy').mockImplementation(function (this: Buffer, ...args) {
    const moved = copy.apply(this, args);
    copied += moved;
    // Stop a quadratic parser early instead of letting it copy for minutes.
    if (copied > 8 * n) throw new Error(`copied ${copied} bytes for a ${n}-byte value`);
    return moved;
  });
  const parser = new Parser(oneByteAtATime(n));
  const cmd = await parser.readCommand();
  vi.restoreAllMocks();
  expect(cmd?.get(2)?.equals(Buffer.alloc(n, 0x61))).toBe(true);
  expect(await parser.readCommand()).toBeNull();
  return copied;
}

describe('a 1 MiB value arriving one byte at a time', () => {
  afterEach(() => vi.restoreAllMocks());

  test('is copied about once in all, not once per byte received', async () => {
    const size = 1024 * 1024;
    const copied = await bytesCopiedFor(size);
    expect(copied).toBeGreaterThanOrEqual(size);
    expect(copied).toBeLessThan(1.25 * size);
  });

  test('costs four times the copying of a value four times smaller', async () => {
    const ratio = (await bytesCopiedFor(1024 * 1024)) / (await bytesCopiedFor(256 * 1024));
    expect(ratio).toBeGreaterThan(3.5);
    expect(ratio).toBeLessThan(4.5);
  });
});

describe('a pipelined stream in 64 KiB chunks', () => {
  afterEach(() => vi.restoreAllMocks());

  test('copies only the requests split between chunks, not the chunks behind them', async () => {
    const one = '*3\r\n$3\r\nSET\r\n$16\r\nkey:000000000000\r\n$3\r\nxxx\r\n';
    const bytes = Buffer.from(one.repeat(100_000));
    const chunks: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += 65536) chunks.push(bytes.subarray(at, at + 65536));
    let copied = 0;
    const copy = Buffer.prototype.copy;
    vi.spyOn(Buffer.prototype, 'copy').mockImplementation(function (this: Buffer, ...args) {
      const moved = copy.apply(this, args);
      copied += moved;
      return moved;
    });
    const parser = new Parser(Readable.from(chunks));
    let n = 0;
    for (let cmd; (cmd = parser.tryReadCommand() ?? (await parser.readCommand())) !== null; n++) {
      expect(cmd.getString(1)).toBe('key:000000000000');
    }
    vi.restoreAllMocks();
    expect(n).toBe(100_000);
    // Each split copies the split request and about 1 KiB of the chunk behind it.
    expect(copied).toBeLessThan((chunks.length - 1) * 2048);
  });
});
