// The RESP bytes, named once in src/resp.ts for both directions and the Writer: each is the
// character the RESP2 and RESP3 specifications give it, and KIND tells each type byte's shape.
import { describe, expect, test } from 'vitest';
import { Byte, KIND, Kind } from '../src/resp.js';

describe('the RESP bytes', () => {
  test.each([
    [Byte.CR, '\r'],
    [Byte.LF, '\n'],
    [Byte.ZERO, '0'],
    [Byte.NINE, '9'],
    [Byte.MINUS, '-'],
    [Byte.QUESTION, '?'],
    [Byte.STAR, '*'],
    [Byte.DOLLAR, '$'],
    [Byte.PLUS, '+'],
    [Byte.ERROR, '-'],
    [Byte.COLON, ':'],
    [Byte.COMMA, ','],
    [Byte.UNDERSCORE, '_'],
    [Byte.HASH, '#'],
    [Byte.LPAREN, '('],
    [Byte.BANG, '!'],
    [Byte.EQUALS, '='],
    [Byte.PERCENT, '%'],
    [Byte.TILDE, '~'],
    [Byte.GREATER, '>'],
    [Byte.PIPE, '|'],
    [Byte.SEMICOLON, ';'],
    [Byte.DOT, '.'],
  ])('byte %i is %j', (byte, char) => {
    expect(byte).toBe(char.charCodeAt(0));
  });
});

describe('KIND', () => {
  test.each(['+', '-', ':', ',', '_', '#', '('])('%j starts a line', (char) => {
    expect(KIND[char.charCodeAt(0)]).toBe(Kind.LINE);
  });

  test.each(['$', '!', '='])('%j starts a length-prefixed blob', (char) => {
    expect(KIND[char.charCodeAt(0)]).toBe(Kind.BLOB);
  });

  test.each(['*', '%', '~', '|', '>'])('%j starts an aggregate', (char) => {
    expect(KIND[char.charCodeAt(0)]).toBe(Kind.AGGREGATE);
  });

  test('";" is a part of a streamed string and "." the end of a streamed aggregate', () => {
    expect(KIND[Byte.SEMICOLON]).toBe(Kind.STREAM_PART);
    expect(KIND[Byte.DOT]).toBe(Kind.STREAM_END);
  });

  test('no other byte is a type byte', () => {
    const typeBytes = new Set('+-:,_#($!=*%~|>;.'.split('').map((c) => c.charCodeAt(0)));
    const others = [...Array(256).keys()].filter((b) => !typeBytes.has(b) && KIND[b] !== 0);
    expect(others).toEqual([]);
  });
});
