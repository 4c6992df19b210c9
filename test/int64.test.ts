// string2ll: the one integer rule behind request counts and lengths and reply integers (Redis's util.c).
import { describe, expect, test } from 'vitest';
import { string2ll } from '../src/int64.js';

const read = (s: string): number => {
  const buf = Buffer.from(`x${s}y`, 'latin1'); // bytes around it are not read
  return string2ll(buf, 1, 1 + s.length);
};

describe('string2ll', () => {
  test.each([
    ['0', 0],
    ['7', 7],
    ['-7', -7],
    ['1234567890', 1234567890],
  ])('reads %s', (text, value) => {
    expect(read(text)).toBe(value);
  });

  test('reads the ends of the 64-bit range, rounded past 2^53 (exact enough for every limit)', () => {
    expect(Math.abs(read('9223372036854775807') - 2 ** 63) / 2 ** 63).toBeLessThan(1e-12);
    expect(Math.abs(read('-9223372036854775808') + 2 ** 63) / 2 ** 63).toBeLessThan(1e-12);
  });

  test.each(['', '-', '-0', '01', '+1', ' 1', '1 ', '1a', '9223372036854775808', '-9223372036854775809', '12345678901234567890'])(
    'refuses %j as Redis does',
    (text) => {
      expect(read(text)).toBeNaN();
    },
  );
});
