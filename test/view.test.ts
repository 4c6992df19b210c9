// view() and allocSmall(): the Buffers every decoder hands out, made without Buffer#subarray.
import { describe, expect, test } from 'vitest';
import { allocSmall, view } from '../src/view.js';

describe('view', () => {
  test('is a Buffer by every test Node code uses', () => {
    const v = view(new ArrayBuffer(8), 2, 3);
    expect(Buffer.isBuffer(v)).toBe(true);
    expect(v instanceof Buffer).toBe(true);
    expect(v instanceof Uint8Array).toBe(true);
    expect(v.constructor).toBe(Buffer);
  });

  test('shows the bytes it was given, in the same memory', () => {
    const whole = Buffer.from('*1\r\n$4\r\nPING\r\n', 'latin1');
    const v = view(whole.buffer as ArrayBuffer, whole.byteOffset + 8, 4);
    expect(v.toString('latin1')).toBe('PING');
    expect(v.buffer).toBe(whole.buffer);
    expect(v.byteOffset).toBe(whole.byteOffset + 8);
    v[0] = 0x70;
    expect(whole.toString('latin1', 8, 12)).toBe('pING');
  });

  test("has Buffer's methods, and its subarrays are Buffers", () => {
    const whole = Buffer.from('key:1 value');
    const v = view(whole.buffer as ArrayBuffer, whole.byteOffset, 5);
    expect(v.equals(Buffer.from('key:1'))).toBe(true);
    expect(v.readUInt8(0)).toBe(0x6b);
    const part = v.subarray(4);
    expect(Buffer.isBuffer(part)).toBe(true);
    expect(part.toString()).toBe('1');
  });

  test('throws a RangeError for bytes outside the memory, as a Buffer would', () => {
    expect(() => view(new ArrayBuffer(4), 2, 3)).toThrow(RangeError);
  });
});

describe('allocSmall', () => {
  test('gives Buffers of the asked size that do not share bytes', () => {
    const a = allocSmall(3);
    const b = allocSmall(5);
    expect([Buffer.isBuffer(a), a.length, Buffer.isBuffer(b), b.length]).toEqual([true, 3, true, 5]);
    a.fill(1);
    b.fill(2);
    expect([...a, ...b]).toEqual([1, 1, 1, 2, 2, 2, 2, 2]);
  });

  test('gives more than half a slab from elsewhere than the slab small ones share', () => {
    const small = allocSmall(1);
    const big = allocSmall(6000);
    expect([Buffer.isBuffer(big), big.length]).toEqual([true, 6000]);
    expect(big.buffer).not.toBe(small.buffer);
    expect(allocSmall(1).buffer).toBe(small.buffer); // the slab still had room
  });
});
