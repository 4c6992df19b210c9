// Command#name() recognises common names by their bytes; it must say exactly
// what decoding and lower-casing would say, for any name.
import { Readable } from 'node:stream';
import { expect, test } from 'vitest';
import { Parser } from '../src/index.js';

async function nameOf(name: Buffer): Promise<string> {
  const request = Buffer.concat([Buffer.from(`*1\r\n$${name.length}\r\n`), name, Buffer.from('\r\n')]);
  const cmd = await new Parser(Readable.from([request])).readCommand();
  return cmd!.name();
}

test('a common name in any mix of cases comes back in lower case', async () => {
  for (const name of ['SET', 'set', 'sEt', 'GET', 'HgetAll', 'FLUSHALL', 'subscribe']) {
    expect(await nameOf(Buffer.from(name))).toBe(name.toLowerCase());
  }
});

test('a byte that only looks like a letter after | 0x20 is not taken for one', async () => {
  // '[' | 0x20 is '{', '@' | 0x20 is '`': neither may match a letter of "get".
  for (const bytes of [[0x5b, 0x45, 0x54], [0x47, 0x05, 0x54], [0xc7, 0x45, 0x54], [0x47, 0x45, 0x54, 0x00]]) {
    const name = Buffer.from(bytes);
    expect(await nameOf(name)).toBe(name.toString('latin1').toLowerCase());
  }
});

test('an uncommon name is decoded as latin1 and lower-cased', async () => {
  expect(await nameOf(Buffer.from('XAutoClaim'))).toBe('xautoclaim');
  expect(await nameOf(Buffer.from([0x53, 0xc9, 0x54]))).toBe('s\u00e9t'); // É lower-cases to é in latin1
});
