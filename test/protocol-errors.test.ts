// Every ProtocolError the parser raises: Redis 7's bytes in, Redis 7's words out.
import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { Parser, ProtocolError } from '../src/index.js';
import { parseWhole } from './helpers.js';

/** Parses `input` and returns the first error with the commands before it. */
async function firstError(input: string) {
  const { commands, error } = await parseWhole(input);
  return { commands, error };
}

describe('fatal errors: the framing is lost', () => {
  test.each([
    ['a count that is not a number', '*x\r\n', 'Protocol error: invalid multibulk length'],
    ['a count with a plus sign', '*+1\r\n', 'Protocol error: invalid multibulk length'],
    ['a count with a leading zero', '*01\r\n', 'Protocol error: invalid multibulk length'],
    ['a count of minus zero', '*-0\r\n', 'Protocol error: invalid multibulk length'],
    ['a count with a space', '* 1\r\n', 'Protocol error: invalid multibulk length'],
    ['an empty count', '*\r\n', 'Protocol error: invalid multibulk length'],
    ['a count above INT_MAX', '*2147483648\r\n', 'Protocol error: invalid multibulk length'],
    ['a count below the 64-bit range', '*-9223372036854775809\r\n', 'Protocol error: invalid multibulk length'],
    ['a bulk length that is not a number', '*1\r\n$x\r\n', 'Protocol error: invalid bulk length'],
    ['a negative bulk length', '*1\r\n$-1\r\n', 'Protocol error: invalid bulk length'],
    ['a bulk length with a leading zero', '*1\r\n$04\r\nPING\r\n', 'Protocol error: invalid bulk length'],
    ['a bulk length with a space', '*1\r\n$ 4\r\nPING\r\n', 'Protocol error: invalid bulk length'],
    ['a bulk length above 512 MiB', '*1\r\n$536870913\r\n', 'Protocol error: invalid bulk length'],
    ['an argument without its dollar', '*1\r\nPING\r\n', "Protocol error: expected '$', got 'P'"],
    ['a CR where the dollar should be (Redis replies a space for it)', '*1\r\n\r\n\r\n', "Protocol error: expected '$', got ' '"],
    ['an inline line holding a NUL byte', 'PING a\0b\r\n', 'Protocol error: NUL byte in inline request'],
    ['a count line not ended by CRLF', '*1\rX$4\r\nPING\r\n', 'Protocol error: expected CRLF after multibulk length'],
    ['a bulk length line not ended by CRLF', '*1\r\n$4\rXPING\r\n', 'Protocol error: expected CRLF after bulk length'],
    ['bulk data not followed by CRLF', '*1\r\n$4\r\nPINGxx', 'Protocol error: expected CRLF after bulk data'],
  ])('%s: %j', async (_name, input, message) => {
    expect((await firstError(input)).error).toEqual({ message, fatal: true });
  });

  test('an inline line over 64 KiB is too big', async () => {
    const { error } = await firstError('PING ' + 'x'.repeat(64 * 1024) + '\r\n');
    expect(error).toEqual({ message: 'Protocol error: too big inline request', fatal: true });
  });

  test('64 KiB of inline bytes without a line end are too big before the line ends', async () => {
    const { error } = await firstError('x'.repeat(64 * 1024 + 1));
    expect(error).toEqual({ message: 'Protocol error: too big inline request', fatal: true });
  });

  test('a count line over 64 KiB is a too big mbulk count string', async () => {
    const { error } = await firstError('*' + '1'.repeat(64 * 1024));
    expect(error).toEqual({ message: 'Protocol error: too big mbulk count string', fatal: true });
  });

  test('a bulk length line over 64 KiB is a too big bulk count string', async () => {
    const { error } = await firstError('*1\r\n$' + '1'.repeat(64 * 1024));
    expect(error).toEqual({ message: 'Protocol error: too big bulk count string', fatal: true });
  });

  test('the end of the stream inside a request is fatal', async () => {
    const { error } = await firstError('*2\r\n$3\r\nGET\r\n');
    expect(error).toEqual({ message: 'Protocol error: connection closed in the middle of a request', fatal: true });
  });

  test('commands before the bad request are delivered first', async () => {
    expect(await firstError('*1\r\n$4\r\nPING\r\nPING\r\n*1\r\nfoo\r\n')).toEqual({
      commands: [['PING'], ['PING']],
      error: { message: "Protocol error: expected '$', got 'f'", fatal: true },
    });
  });

  test('after a fatal error every later call rejects with the same error', async () => {
    const stream = new PassThrough();
    const parser = new Parser(stream);
    stream.end('*x\r\n*1\r\n$4\r\nPING\r\n');
    const first = await parser.readCommand().catch((err: unknown) => err);
    const second = await parser.readCommand().catch((err: unknown) => err);
    expect(first).toBeInstanceOf(ProtocolError);
    expect(second).toBe(first);
  });

  test('the error carries its code and the reply Redis sends, ERR and the message', async () => {
    const err = await new Parser(PassThrough.from(['*1\r\n$x\r\n'])).readCommand().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err).toMatchObject({ name: 'ProtocolError', code: 'INVALID_BULK_LENGTH', fatal: true });
    expect((err as ProtocolError).reply?.toString('latin1')).toBe('ERR Protocol error: invalid bulk length');
  });
});

describe('recoverable errors: the request is skipped and parsing goes on', () => {
  test('unbalanced double quotes skip only that line', async () => {
    expect(await parseWhole('ECHO "abc\r\nPING\r\n')).toEqual({
      commands: [['<recoverable: Protocol error: unbalanced quotes in request>'], ['PING']],
      error: null,
    });
  });

  test('a closing quote followed by a letter is unbalanced', async () => {
    expect(await parseWhole("SET 'a'b c\nPING\n")).toEqual({
      commands: [['<recoverable: Protocol error: unbalanced quotes in request>'], ['PING']],
      error: null,
    });
  });

  test('the recoverable error is reported as not fatal', async () => {
    const stream = new PassThrough();
    const parser = new Parser(stream);
    stream.end('"\r\n');
    const err = await parser.readCommand().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).fatal).toBe(false);
    expect(await parser.readCommand()).toBeNull();
  });
});

describe('requests Redis skips silently', () => {
  test.each([
    ['a zero count', '*0\r\nPING\r\n'],
    ['a negative count', '*-1\r\nPING\r\n'],
    ['the most negative 64-bit count', '*-9223372036854775808\r\nPING\r\n'],
    ['an empty line', '\r\nPING\r\n'],
    ['a bare LF', '\nPING\r\n'],
    ['a line of blanks', ' \t \r\nPING\r\n'],
  ])('%s', async (_name, input) => {
    expect(await parseWhole(input)).toEqual({ commands: [['PING']], error: null });
  });
});
