// Input: the buffer policy both decoders share, each invariant checked here once.
import { describe, expect, test } from 'vitest';
import { Input, type Progress, findCR, indexOf } from '../src/input.js';

const between = (keep: number): Progress => ({ keep, want: -1, more: false, room: 1 << 30 });
const inValue = (keep: number, want: number, more = false): Progress => ({ keep, want, more, room: 1 << 30 });

describe('Input', () => {
  test('reads a chunk in place when nothing is carried over', () => {
    const input = new Input();
    const chunk = Buffer.from('+OK\r\n');
    expect(input.append(chunk, between(0))).toBe(0);
    expect(input.buf).toBe(chunk);
    const next = Buffer.from(':1\r\n');
    // Everything read: the next chunk is read in place too, positions move back by the old end.
    expect(input.append(next, between(5))).toBe(5);
    expect(input.buf).toBe(next);
  });

  test('copies a split unit plus about 1 KiB of the next chunk, and holds the rest of the chunk as the tail', () => {
    const input = new Input();
    input.append(Buffer.from('xx*1\r\n$4\r\nPI'), between(0));
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    chunk.write('NG\r\n');
    const shift = input.append(chunk, between(2));
    expect(shift).toBe(2); // the unit now starts at 0
    expect(input.end).toBe(10 + 1024);
    expect(input.buf.toString('latin1', 0, 14)).toBe('*1\r\n$4\r\nPING\r\n');
    expect(input.tail).toBe(chunk);
    expect(input.tailFrom).toBe(10); // chunk byte 0 sits here
    // Once the unit is behind the reader, reading moves into the chunk itself.
    expect(input.enterTail()).toBe(10);
    expect(input.buf).toBe(chunk);
    expect(input.tail).toBeNull();
  });

  test('copies more of the tail, doubling, while the unit is incomplete, until all of it is copied', () => {
    const input = new Input();
    input.append(Buffer.from('*1\r\n'), between(0));
    const chunk = Buffer.alloc(10_000, 0x61);
    input.append(chunk, between(0));
    const copied = [input.end];
    while (input.stitchMore(between(0)) >= 0) copied.push(input.end);
    expect(copied).toEqual([4 + 1024, 4 + 2048, 4 + 4096, 4 + 8192, 4 + 10_000]);
    expect(input.tail).toBeNull();
  });

  test('appending into its own room never moves or overwrites bytes already there', () => {
    const input = new Input();
    input.append(Buffer.from('$10\r\n01'), between(0));
    input.append(Buffer.from('234'), inValue(0, 17)); // now an owned buffer with room
    const view = input.buf.subarray(0, input.end);
    const before = Buffer.from(view);
    const buf = input.buf;
    expect(input.append(Buffer.from('56'), inValue(0, 17))).toBe(0);
    expect(input.buf).toBe(buf);
    expect(view).toEqual(before);
  });

  test('grows geometrically inside a big value, then reserves all of it once 1/32 has arrived', () => {
    const size = 32 * 1024 * 1024;
    const want = 12 + size + 2;
    const input = new Input();
    input.append(Buffer.from(`$${size}\r\n`), between(0));
    const chunk = Buffer.alloc(64 * 1024);
    const capacities: number[] = [];
    for (let sent = 0; sent < size / 16; sent += chunk.length) {
      input.append(chunk, inValue(0, want));
      if (capacities.at(-1) !== input.buf.length) capacities.push(input.buf.length);
    }
    // Doubling while under 1/32 of the value, then one buffer of exactly the unit's size.
    expect(capacities.at(-1)).toBe(want);
    expect(capacities.slice(0, -1).every((c) => c * 32 < want * 2)).toBe(true);
    expect(capacities.length).toBeLessThan(12);
  });

  test('never takes more room than the budget allows beyond what is needed', () => {
    const input = new Input();
    input.append(Buffer.from('*1\r\n'), between(0));
    input.append(Buffer.alloc(100), { keep: 0, want: -1, more: false, room: 50 });
    expect(input.buf.length).toBe(104); // just what is needed, no doubling
  });

  test('heldFrom counts the whole room of a buffer allocated here', () => {
    const input = new Input();
    input.append(Buffer.from('*1\r\n'), between(0));
    input.append(Buffer.from('$1'), between(0));
    expect(input.owned).toBe(true);
    expect(input.heldFrom(0)).toBe(input.buf.length);
  });
});

describe('line search', () => {
  const buf = Buffer.from('+OK\r\nstale\r\n');
  test('finds the first CR from a position', () => {
    expect(findCR(buf, 0, buf.length)).toBe(3);
    expect(findCR(buf, 4, buf.length)).toBe(10);
  });

  test('never looks past the end of the input (an owned buffer holds stale bytes there)', () => {
    expect(findCR(buf, 4, 8)).toBe(-1);
    expect(indexOf(buf, 0x0a, 5, 10)).toBe(-1);
    const long = Buffer.concat([Buffer.alloc(100, 0x61), Buffer.from('\r')]);
    expect(findCR(long, 0, 100)).toBe(-1);
    expect(findCR(long, 0, 101)).toBe(100);
  });
});
