// Writer.writeCommand: a command as a client sends it, which a Redis server (and our own Parser) reads back.
import { expect, test } from 'vitest';
import { captureWriter, parseWhole } from './helpers.js';

test('writeCommand writes an array of bulk strings, strings as UTF-8', async () => {
  const { writer, sent } = captureWriter();
  writer.writeCommand(['SET', 'clé', Buffer.from([0, 13, 10])]);
  expect((await sent()).toString('latin1')).toBe('*3\r\n$3\r\nSET\r\n$4\r\ncl\xc3\xa9\r\n$3\r\n\0\r\n\r\n');
});

test('writeCommand with no arguments is the empty array', async () => {
  const { writer, sent } = captureWriter();
  writer.writeCommand([]);
  expect((await sent()).toString('latin1')).toBe('*0\r\n');
});

test('what writeCommand writes parses back to the same arguments, a 64 KiB one included', async () => {
  const big = Buffer.alloc(64 * 1024, 0x7a);
  const { writer, sent } = captureWriter();
  writer.writeCommand(['ECHO', big]);
  writer.writeCommand(['PING']);
  expect(await parseWhole(await sent())).toEqual({ commands: [['ECHO', big.toString('latin1')], ['PING']], error: null });
});
