// writeCommand: a command as a client sends it, which a Redis server (and our own Parser) reads back.
import { expect, test } from 'vitest';
import { Encoder } from '../src/index.js';
import { parseWhole } from './helpers.js';

test('writeCommand writes an array of bulk strings, strings as UTF-8', () => {
  const encoder = new Encoder();
  encoder.writeCommand(['SET', 'clé', Buffer.from([0, 13, 10])]);
  expect(encoder.take().toString('latin1')).toBe('*3\r\n$3\r\nSET\r\n$4\r\ncl\xc3\xa9\r\n$3\r\n\0\r\n\r\n');
});

test('writeCommand with no arguments is the empty array', () => {
  const encoder = new Encoder();
  encoder.writeCommand([]);
  expect(encoder.take().toString('latin1')).toBe('*0\r\n');
});

test('what writeCommand writes parses back to the same arguments, a 64 KiB one included', async () => {
  const big = Buffer.alloc(64 * 1024, 0x7a);
  const encoder = new Encoder();
  encoder.writeCommand(['ECHO', big]);
  encoder.writeCommand(['PING']);
  expect(await parseWhole(encoder.take())).toEqual({ commands: [['ECHO', big.toString('latin1')], ['PING']], error: null });
});
