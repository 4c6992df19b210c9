// The Parser and Command API: pull-based reading, zero-copy views, isLast, limits.
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { DEFAULT_LIMITS, Parser } from '../src/index.js';
import { parseWhole } from './helpers.js';

function parserOver(input: string | Buffer): Parser {
  const stream = new PassThrough();
  stream.end(input);
  return new Parser(stream);
}

describe('reading commands', () => {
  test('a multibulk request gives its arguments', async () => {
    const cmd = await parserOver('*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n').readCommand();
    expect(cmd!.argCount()).toBe(3);
    expect(cmd!.getString(0)).toBe('SET');
    expect(cmd!.get(1)).toEqual(Buffer.from('key'));
    expect(cmd!.getString(2)).toBe('value');
  });

  test('arguments are binary-safe', async () => {
    const value = Buffer.from([0, 13, 10, 255, 42, 13]);
    const input = Buffer.concat([Buffer.from('*2\r\n$4\r\nECHO\r\n$6\r\n'), value, Buffer.from('\r\n')]);
    expect((await parserOver(input).readCommand())!.get(1)).toEqual(value);
  });

  test('an empty bulk is an empty argument', async () => {
    expect((await parserOver('*2\r\n$4\r\nECHO\r\n$0\r\n\r\n').readCommand())!.get(1)).toEqual(Buffer.alloc(0));
  });

  test('get past the last argument is undefined', async () => {
    const cmd = (await parserOver('*1\r\n$4\r\nPING\r\n').readCommand())!;
    expect(cmd.get(1)).toBeUndefined();
    expect(cmd.get(-1)).toBeUndefined();
    expect(cmd.getString(1)).toBeUndefined();
    expect(cmd.copy(1)).toBeUndefined();
  });

  test('name is argument 0 in lower case', async () => {
    expect((await parserOver('*1\r\n$4\r\nPiNg\r\n').readCommand())!.name()).toBe('ping');
  });

  test('getString decodes with the encoding asked for', async () => {
    const cmd = (await parserOver(Buffer.from('*1\r\n$2\r\n\xe9\xff\r\n', 'latin1')).readCommand())!;
    expect(cmd.getString(0, 'latin1')).toBe('\xe9\xff');
    expect(cmd.getString(0, 'hex')).toBe('e9ff');
  });

  test('getString gives what Buffer#toString gives, for every length, byte and place in the chunk', async () => {
    // Short arguments are decoded by a JavaScript path, longer ones by Node: both must agree.
    const samples = [Buffer.from('k'), Buffer.from('\0\x7f'), Buffer.from([0xe9, 0x80, 0xff]), Buffer.from('héllo wörld, ça va?', 'utf8')];
    for (const sample of samples) {
      for (let n = 0; n <= sample.length; n++) {
        for (let len = 0; len <= 20; len++) {
          const arg = Buffer.concat([Buffer.alloc(len, 0x61), sample.subarray(0, n)]);
          // The argument last in its chunk, so that a short read runs past the end of the chunk.
          const chunk = Buffer.concat([Buffer.from(`*1\r\n$${arg.length}\r\n`), arg, Buffer.from('\r\n')]);
          const cmd = (await parserOver(chunk).readCommand())!;
          for (const enc of ['utf8', 'latin1', 'hex'] as const) expect(cmd.getString(0, enc)).toBe(arg.toString(enc));
        }
      }
    }
  });

  test('readCommand gives null at a clean end of stream, and again after', async () => {
    const parser = parserOver('PING\r\n');
    expect((await parser.readCommand())!.name()).toBe('ping');
    expect(await parser.readCommand()).toBeNull();
    expect(await parser.readCommand()).toBeNull();
  });

  test('for await gives every command until the end', async () => {
    const names: string[] = [];
    for await (const cmd of parserOver('PING\r\n*1\r\n$4\r\nECHO\r\nQUIT\n')) names.push(cmd.name());
    expect(names).toEqual(['ping', 'echo', 'quit']);
  });

  test('an I/O error of the stream rejects readCommand with that error', async () => {
    const stream = new PassThrough();
    const parser = new Parser(stream);
    const pending = parser.readCommand();
    const failure = new Error('connection reset');
    stream.destroy(failure);
    await expect(pending).rejects.toBe(failure);
  });

  test('overlapping calls are answered in order', async () => {
    const stream = new PassThrough();
    const parser = new Parser(stream);
    const first = parser.readCommand();
    const second = parser.readCommand();
    stream.end('ECHO 1\r\nECHO 2\r\n');
    expect((await first)!.getString(1)).toBe('1');
    expect((await second)!.getString(1)).toBe('2');
  });

  test('the stream may yield strings or Uint8Arrays', async () => {
    const stream = Readable.from([new Uint8Array(Buffer.from('PI')), 'NG\r\n'], { objectMode: true });
    expect((await new Parser(stream).readCommand())!.name()).toBe('ping');
  });
});

describe('pull-based reading', () => {
  test('a parser nobody asks takes in one chunk, then stops reading', async () => {
    const stream = new PassThrough();
    const parser = new Parser(stream);
    stream.write('PING\r\n');
    await new Promise((resolve) => setImmediate(resolve));
    stream.write('ECHO 1\r\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(stream.isPaused()).toBe(true);
    expect(stream.readableLength).toBe(8);
    expect((await parser.readCommand())!.name()).toBe('ping');
    expect((await parser.readCommand())!.getString(1)).toBe('1');
    expect(stream.readableLength).toBe(0);
  });

  test('a stream nobody reads from fills up and signals backpressure to its writer', async () => {
    const stream = new PassThrough({ highWaterMark: 1024 });
    const parser = new Parser(stream);
    let accepted = true;
    for (let i = 0; i < 1000 && accepted; i++) accepted = stream.write('PING\r\n');
    expect(accepted).toBe(false);
    expect((await parser.readCommand())!.name()).toBe('ping');
  });
});

describe('isLast', () => {
  test('is false while more complete commands are buffered, true for the last', async () => {
    const parser = parserOver('PING\r\n*1\r\n$4\r\nPING\r\nPING\r\n');
    const flags: boolean[] = [];
    for await (const cmd of parser) flags.push(cmd.isLast());
    expect(flags).toEqual([false, false, true]);
  });

  test('is true when the next command is only partly received', async () => {
    const stream = new PassThrough();
    const parser = new Parser(stream);
    stream.write('PING\r\n*1\r\n$4\r\nPI');
    expect((await parser.readCommand())!.isLast()).toBe(true);
    stream.end('NG\r\n');
    expect((await parser.readCommand())!.isLast()).toBe(true);
  });

  test('is true when only a bad request follows, which is reported next', async () => {
    const parser = parserOver('PING\r\n*x\r\n');
    expect((await parser.readCommand())!.isLast()).toBe(true);
    await expect(parser.readCommand()).rejects.toThrow('Protocol error: invalid multibulk length');
  });
});

describe('zero-copy views', () => {
  test('get returns a view into the received chunk, copy does not', async () => {
    const chunk = Buffer.from('*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n');
    const cmd = (await parserOver(chunk).readCommand())!;
    const view = cmd.get(1)!;
    const kept = cmd.copy(1)!;
    view[0] = 0x48; // through a view, the received bytes themselves change
    expect(cmd.getString(1)).toBe('Hello');
    expect(kept.toString()).toBe('hello');
    kept[1] = 0x45; // a copy is the caller's own
    expect(cmd.getString(1)).toBe('Hello');
  });

  test('copies, small or large, are Buffers that share no bytes with each other', async () => {
    const big = 'v'.repeat(10_000);
    const cmd = (await parserOver(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${big.length}\r\n${big}\r\n`).readCommand())!;
    const copies = [cmd.copy(1)!, cmd.copy(1)!, cmd.copy(2)!, cmd.copy(2)!];
    for (const c of copies) expect(Buffer.isBuffer(c)).toBe(true);
    copies[0][0] = 0x4b;
    copies[2][0] = 0x56;
    expect(copies.map((c) => c.toString())).toEqual(['K', 'k', 'V' + big.slice(1), big]);
  });

  test('args gives every argument', async () => {
    const cmd = (await parserOver('SET k v\r\n').readCommand())!;
    expect(cmd.args().map(String)).toEqual(['SET', 'k', 'v']);
  });
});

describe('limits', () => {
  test("the defaults are Redis's", () => {
    expect(DEFAULT_LIMITS).toEqual({ maxBulkLength: 512 * 1024 * 1024, maxArgs: 2 ** 31 - 1, maxInlineLength: 64 * 1024, maxQueryBuffer: 1024 ** 3 });
  });

  test('maxBulkLength allows a bulk of exactly that length', async () => {
    expect(await parseWhole('*1\r\n$4\r\nPING\r\n', { maxBulkLength: 4 })).toEqual({ commands: [['PING']], error: null });
  });

  test('maxBulkLength refuses a longer bulk as Redis does', async () => {
    expect((await parseWhole('*1\r\n$5\r\nPINGS\r\n', { maxBulkLength: 4 })).error).toEqual({
      message: 'Protocol error: invalid bulk length',
      fatal: true,
    });
  });

  test('maxArgs refuses a larger count as Redis does', async () => {
    expect((await parseWhole('*3\r\n', { maxArgs: 2 })).error).toEqual({
      message: 'Protocol error: invalid multibulk length',
      fatal: true,
    });
  });

  test('maxInlineLength bounds inline lines', async () => {
    expect(await parseWhole('PING\r\n', { maxInlineLength: 5 })).toEqual({ commands: [['PING']], error: null });
    expect((await parseWhole('ECHO a\r\n', { maxInlineLength: 5 })).error!.message).toBe(
      'Protocol error: too big inline request',
    );
  });

  test('maxInlineLength bounds count and length lines', async () => {
    expect((await parseWhole('*12345\r\n', { maxInlineLength: 4 })).error!.message).toBe(
      'Protocol error: too big mbulk count string',
    );
    expect((await parseWhole('*1\r\n$12345\r\n', { maxInlineLength: 4 })).error!.message).toBe(
      'Protocol error: too big bulk count string',
    );
  });

  test('an invalid option is refused when the parser is made', () => {
    expect(() => new Parser(new PassThrough(), { maxBulkLength: -1 })).toThrow(TypeError);
    expect(() => new Parser(new PassThrough(), { maxArgs: 1.5 })).toThrow(TypeError);
  });

  test('a huge announced count allocates nothing large', async () => {
    const before = process.memoryUsage().arrayBuffers;
    const stream = new PassThrough();
    const parser = new Parser(stream);
    const pending = parser.readCommand();
    stream.end('*2147483647\r\n$536870912\r\nabc');
    await expect(pending).rejects.toThrow('connection closed in the middle of a request');
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024);
  });
});
