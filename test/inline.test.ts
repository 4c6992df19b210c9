// Inline (telnet) requests split by Redis's sdssplitargs rules; each expectation was checked against redis-server 7.
import { describe, expect, test } from 'vitest';
import { parseWhole } from './helpers.js';

async function args(line: string): Promise<string[][]> {
  const { commands, error } = await parseWhole(line);
  expect(error).toBeNull();
  return commands;
}

const UNBALANCED = ['<recoverable: Protocol error: unbalanced quotes in request>'];

describe('separators', () => {
  test('runs of spaces and tabs separate arguments', async () => {
    expect(await args('SET  a \t b\r\n')).toEqual([['SET', 'a', 'b']]);
  });

  test('leading and trailing white space is ignored', async () => {
    expect(await args(' \t PING \t \r\n')).toEqual([['PING']]);
  });

  test('a line may end with LF alone', async () => {
    expect(await args('PING\nPING\n')).toEqual([['PING'], ['PING']]);
  });

  test('a CR inside a line separates like a space', async () => {
    expect(await args('ECHO a\rb\n')).toEqual([['ECHO', 'a', 'b']]);
  });

  test('vertical tab and form feed stay inside a bare word', async () => {
    expect(await args('ECHO a\vb c\fd\r\n')).toEqual([['ECHO', 'a\vb', 'c\fd']]);
  });

  test('vertical tab and form feed are skipped between words', async () => {
    expect(await args('\v\fECHO\r\n')).toEqual([['ECHO']]);
  });
});

describe('double quotes', () => {
  test('keep white space inside one argument', async () => {
    expect(await args('SET "a b" "c\td"\r\n')).toEqual([['SET', 'a b', 'c\td']]);
  });

  test('an empty pair is an empty argument', async () => {
    expect(await args('ECHO ""\r\n')).toEqual([['ECHO', '']]);
  });

  test.each([
    ['\\n', '\n'],
    ['\\r', '\r'],
    ['\\t', '\t'],
    ['\\b', '\b'],
    ['\\a', '\x07'],
    ['\\\\', '\\'],
    ['\\"', '"'],
  ])('understand the escape %s', async (escape, byte) => {
    expect(await args(`ECHO "x${escape}y"\r\n`)).toEqual([['ECHO', `x${byte}y`]]);
  });

  test('understand \\xHH in either case', async () => {
    expect(await args('ECHO "\\x41\\x4a\\x4A\\xff"\r\n')).toEqual([['ECHO', 'AJJ\xff']]);
  });

  test('\\x without two hex digits is a plain x', async () => {
    expect(await args('ECHO "\\x4G"\r\n')).toEqual([['ECHO', 'x4G']]);
  });

  test('any other escaped character is itself', async () => {
    expect(await args('ECHO "\\q\\\'"\r\n')).toEqual([['ECHO', "q'"]]);
  });

  test('join a bare prefix and the quoted part into one argument', async () => {
    expect(await args('ECHO foo"bar baz"\r\n')).toEqual([['ECHO', 'foobar baz']]);
  });

  test('a closing quote may be followed by a vertical tab', async () => {
    expect(await args('ECHO "a"\v\r\n')).toEqual([['ECHO', 'a']]);
  });

  test('an unclosed quote is unbalanced', async () => {
    expect(await args('ECHO "abc\r\n')).toEqual([UNBALANCED]);
  });

  test('a backslash at the very end leaves the quote unclosed', async () => {
    expect(await args('ECHO "a\\\r\n')).toEqual([UNBALANCED]);
  });

  test('a closing quote followed by a letter is unbalanced', async () => {
    expect(await args('ECHO "a"b\r\n')).toEqual([UNBALANCED]);
  });
});

describe('single quotes', () => {
  test('keep everything literally', async () => {
    expect(await args("ECHO 'a \\n \"b\"'\r\n")).toEqual([['ECHO', 'a \\n "b"']]);
  });

  test("understand only \\'", async () => {
    expect(await args("ECHO 'it\\'s'\r\n")).toEqual([['ECHO', "it's"]]);
  });

  test('an unclosed quote is unbalanced', async () => {
    expect(await args("ECHO 'abc\r\n")).toEqual([UNBALANCED]);
  });

  test('a closing quote followed by a letter is unbalanced', async () => {
    expect(await args("ECHO 'a'b\r\n")).toEqual([UNBALANCED]);
  });
});

describe('mixing', () => {
  test('inline and multibulk requests can be pipelined together', async () => {
    expect(await args('PING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\nECHO "x y"\n')).toEqual([
      ['PING'],
      ['ECHO', 'hi'],
      ['ECHO', 'x y'],
    ]);
  });

  test('an inline line may be exactly 64 KiB long', async () => {
    const word = 'x'.repeat(64 * 1024 - 5);
    expect(await args(`ECHO ${word}\n`)).toEqual([['ECHO', word]]);
  });
});
