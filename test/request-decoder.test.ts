// RequestDecoder: bytes in, commands out, synchronously (no stream, no await).
import { describe, expect, test } from 'vitest';
import { type Command, ProtocolError, RequestDecoder } from '../src/index.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const args = (cmd: Command | undefined): string[] | undefined => cmd?.args().map((a) => a.toString('latin1'));

/** Every command the decoder gives for these chunks, pushed one by one. */
function decodeAll(chunks: string[], decoder = new RequestDecoder()): string[][] {
  const out: string[][] = [];
  for (const chunk of chunks) {
    decoder.push(b(chunk));
    for (let cmd; (cmd = decoder.next()) !== undefined; ) out.push(args(cmd)!);
  }
  return out;
}

describe('RequestDecoder', () => {
  test('gives a multibulk request as its arguments', () => {
    const d = new RequestDecoder();
    d.push(b('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n'));
    const cmd = d.next();
    expect(args(cmd)).toEqual(['SET', 'k', 'hello']);
    expect(cmd!.name()).toBe('set');
    expect(d.next()).toBeUndefined();
  });

  test('gives an inline request as its words', () => {
    expect(decodeAll(['SET k "a b"\r\n'])).toEqual([['SET', 'k', 'a b']]);
  });

  test('gives undefined until a split request is complete, then the request', () => {
    const d = new RequestDecoder();
    d.push(b('*1\r\n$4\r\nPI'));
    expect(d.next()).toBeUndefined();
    d.push(b('NG\r\n'));
    expect(args(d.next())).toEqual(['PING']);
  });

  test('gives the same commands whatever the chunk boundaries', () => {
    const bytes = '*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\nPING\r\n*1\r\n$4\r\nQUIT\r\n';
    const whole = decodeAll([bytes]);
    expect(whole).toEqual([['ECHO', 'hello'], ['PING'], ['QUIT']]);
    for (let i = 0; i <= bytes.length; i++) expect(decodeAll([bytes.slice(0, i), bytes.slice(i)])).toEqual(whole);
    expect(decodeAll([...bytes])).toEqual(whole);
  });

  test('marks the last buffered command with isLast', () => {
    const d = new RequestDecoder();
    d.push(b('*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPI'));
    expect(d.next()!.isLast()).toBe(false);
    expect(d.next()!.isLast()).toBe(true);
    expect(d.next()).toBeUndefined();
  });

  test('takes plain Uint8Arrays as well as Buffers', () => {
    const d = new RequestDecoder();
    d.push(new TextEncoder().encode('*1\r\n$4\r\nPING\r\n'));
    expect(args(d.next())).toEqual(['PING']);
  });

  test("throws a malformed request's fatal ProtocolError in Redis's words, then the same error every time", () => {
    const d = new RequestDecoder();
    d.push(b('*1\r\n$x\r\n'));
    let first: unknown;
    try {
      d.next();
    } catch (err) {
      first = err;
    }
    expect(first).toBeInstanceOf(ProtocolError);
    expect(first).toMatchObject({ message: 'Protocol error: invalid bulk length', fatal: true });
    d.push(b('*1\r\n$4\r\nPING\r\n')); // ignored: nothing more is read
    expect(() => d.next()).toThrow(first as Error);
  });

  test('throws a recoverable error once and goes on with the next request', () => {
    const d = new RequestDecoder();
    d.push(b('SET "a\r\nPING\r\n'));
    expect(() => d.next()).toThrow(expect.objectContaining({ message: 'Protocol error: unbalanced quotes in request', fatal: false }));
    expect(args(d.next())).toEqual(['PING']);
  });

  test('refuses a request that outgrows maxQueryBuffer before it is complete', () => {
    const d = new RequestDecoder({ maxQueryBuffer: 100 });
    d.push(b('*1\r\n$1000\r\n' + 'x'.repeat(200)));
    expect(() => d.next()).toThrow('closing client that reached max query buffer length');
  });

  // Behind a command already parsed, a whole request in the form clients send
  // is read in one pass; everything else goes to the general reader. Both must
  // give Redis's answer. Two PINGs first put the request under test there.
  describe('whole requests read in one pass', () => {
    const PINGS = '*1\r\n$4\r\nPING\r\n'.repeat(2);
    const behindPings = (request: string, decoder?: RequestDecoder): string[][] => decodeAll([PINGS + request], decoder).slice(2);

    test('reads a plain request', () => {
      expect(behindPings('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n')).toEqual([['SET', 'k', 'hello']]);
    });

    test('reads an empty argument', () => {
      expect(behindPings('*2\r\n$4\r\nECHO\r\n$0\r\n\r\n')).toEqual([['ECHO', '']]);
    });

    test('refuses a count with a leading zero as Redis does', () => {
      expect(() => behindPings('*01\r\n$4\r\nPING\r\n')).toThrow('Protocol error: invalid multibulk length');
    });

    test('refuses a length with a leading zero as Redis does', () => {
      expect(() => behindPings('*1\r\n$04\r\nPING\r\n')).toThrow('Protocol error: invalid bulk length');
    });

    test('skips an empty count as Redis does', () => {
      expect(behindPings('*0\r\n*1\r\n$4\r\nQUIT\r\n')).toEqual([['QUIT']]);
    });

    test('reads a request of more arguments than the one-pass reader takes', () => {
      const words = Array.from({ length: 100 }, (_, i) => `a${i}`);
      expect(behindPings(`*${words.length}\r\n${words.map((w) => `$${w.length}\r\n${w}\r\n`).join('')}`)).toEqual([words]);
    });

    test('reads requests of 9, 10, 64 and 65 arguments alike (counts of one and two digits; one pass reads up to 64)', () => {
      for (const n of [9, 10, 64, 65]) {
        const words = Array.from({ length: n }, (_, i) => 'x'.repeat(i));
        expect(behindPings(`*${n}\r\n${words.map((w) => `$${w.length}\r\n${w}\r\n`).join('')}`)).toEqual([words]);
      }
    });

    test('refuses a negative length and a ten-digit one as Redis does', () => {
      expect(() => behindPings('*1\r\n$-1\r\n')).toThrow('Protocol error: invalid bulk length');
      expect(() => behindPings('*1\r\n$1000000000\r\n')).toThrow('Protocol error: invalid bulk length');
    });

    test('waits for a request cut short, then reads it', () => {
      const d = new RequestDecoder();
      d.push(b(PINGS + '*1\r\n$4\r\nQU'));
      expect(args(d.next())).toEqual(['PING']);
      expect(args(d.next())).toEqual(['PING']);
      expect(d.next()).toBeUndefined();
      d.push(b('IT\r\n'));
      expect(args(d.next())).toEqual(['QUIT']);
    });

    test('still refuses more arguments than maxArgs', () => {
      expect(() => behindPings('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n', new RequestDecoder({ maxArgs: 2 }))).toThrow(
        'Protocol error: invalid multibulk length',
      );
    });

    test('still refuses an argument longer than maxBulkLength', () => {
      expect(() => behindPings('*1\r\n$5\r\nHELLO\r\n', new RequestDecoder({ maxBulkLength: 4 }))).toThrow(
        'Protocol error: invalid bulk length',
      );
    });

    test('still refuses a length line longer than maxInlineLength', () => {
      expect(() => behindPings('*1\r\n$10\r\n0123456789\r\n', new RequestDecoder({ maxInlineLength: 2 }))).toThrow(
        'Protocol error: too big bulk count string',
      );
    });

    test('checks the CRLF after the data, as the general path does (stricter than Redis, see docs/parsing.md)', () => {
      expect(() => behindPings('*1\r\n$4\r\nPINGxx\r\n')).toThrow('Protocol error: expected CRLF after bulk data');
    });

    test('marks the request read in one pass as last when nothing follows', () => {
      const d = new RequestDecoder();
      d.push(b(PINGS + '*1\r\n$4\r\nQUIT\r\n'));
      expect(d.next()!.isLast()).toBe(false);
      expect(d.next()!.isLast()).toBe(false);
      const quit = d.next()!;
      expect(args(quit)).toEqual(['QUIT']);
      expect(quit.isLast()).toBe(true);
      expect(quit.raw()!.toString('latin1')).toBe('*1\r\n$4\r\nQUIT\r\n');
    });
  });

  describe('end()', () => {
    test('says nothing when the input ends between requests', () => {
      const d = new RequestDecoder();
      d.push(b('*1\r\n$4\r\nPING\r\n'));
      expect(args(d.next())).toEqual(['PING']);
      expect(() => d.end()).not.toThrow();
      expect(d.next()).toBeUndefined();
    });

    test('throws when the input ends inside a request', () => {
      const d = new RequestDecoder();
      d.push(b('*2\r\n$3\r\nGET\r\n'));
      expect(d.next()).toBeUndefined();
      expect(() => d.end()).toThrow(
        expect.objectContaining({ message: 'Protocol error: connection closed in the middle of a request', fatal: true }),
      );
    });

    test('lets the complete requests still buffered be taken first, then throws for the cut one', () => {
      const d = new RequestDecoder();
      d.push(b('*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n'));
      d.end();
      const cmd = d.next();
      expect(args(cmd)).toEqual(['PING']);
      expect(cmd!.isLast()).toBe(true);
      expect(() => d.next()).toThrow('Protocol error: connection closed in the middle of a request');
    });
  });

  describe('Command.raw()', () => {
    test('gives a multibulk request exactly as it arrived', () => {
      const set = '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhe\r\no\r\n';
      const d = new RequestDecoder();
      d.push(b(set + '*1\r\n$4\r\nPING\r\n'));
      expect(d.next()!.raw()).toEqual(b(set));
      expect(d.next()!.raw()).toEqual(b('*1\r\n$4\r\nPING\r\n'));
    });

    test('gives the bytes as they arrived when the request was split across chunks', () => {
      const bytes = '*2\r\n$4\r\nECHO\r\n$10\r\n0123456789\r\n';
      for (let i = 1; i < bytes.length; i++) {
        const d = new RequestDecoder();
        d.push(b(bytes.slice(0, i)));
        expect(d.next()).toBeUndefined();
        d.push(b(bytes.slice(i) + 'PING\r\n'));
        expect(d.next()!.raw()).toEqual(b(bytes));
      }
    });

    test('is null for an inline request, which has no RESP form to forward', () => {
      const d = new RequestDecoder();
      d.push(b('PING\r\n'));
      expect(d.next()!.raw()).toBeNull();
    });
  });

  describe('nextFrames()', () => {
    const PING = '*1\r\n$4\r\nPING\r\n';
    const GET = '*2\r\n$3\r\nGET\r\n$1\r\nk\r\n';
    const framesOf = (d: RequestDecoder, max?: number): [string, number] | undefined => {
      const frames = d.nextFrames(max);
      return frames && [frames.bytes.toString('latin1'), frames.count];
    };

    test('gives the complete multibulk requests buffered as one view of their bytes, and their count', () => {
      const d = new RequestDecoder();
      d.push(b(PING + GET + PING));
      expect(framesOf(d)).toEqual([PING + GET + PING, 3]);
      expect(d.nextFrames()).toBeUndefined();
      expect(d.next()).toBeUndefined();
    });

    test('gives at most max requests', () => {
      const d = new RequestDecoder();
      d.push(b(PING + GET + PING));
      expect(framesOf(d, 2)).toEqual([PING + GET, 2]);
      expect(framesOf(d, 2)).toEqual([PING, 1]);
    });

    test('gives a view of the pushed chunk, not a copy', () => {
      const chunk = b(PING + GET);
      const d = new RequestDecoder();
      d.push(chunk);
      const frames = d.nextFrames()!;
      expect(frames.bytes.buffer).toBe(chunk.buffer);
      expect(frames.bytes.byteOffset).toBe(chunk.byteOffset);
    });

    test('leaves an inline request to next(), then goes on', () => {
      const d = new RequestDecoder();
      d.push(b(PING + 'PING\r\n' + GET));
      expect(framesOf(d)).toEqual([PING, 1]);
      expect(d.nextFrames()).toBeUndefined();
      expect(args(d.next())).toEqual(['PING']);
      expect(framesOf(d)).toEqual([GET, 1]);
    });

    test('gives undefined until a split request is complete, then the request', () => {
      const d = new RequestDecoder();
      d.push(b(PING + GET.slice(0, 7)));
      expect(framesOf(d)).toEqual([PING, 1]);
      expect(d.nextFrames()).toBeUndefined();
      expect(d.next()).toBeUndefined();
      d.push(b(GET.slice(7) + PING));
      expect(framesOf(d)).toEqual([GET + PING, 2]); // both copied behind the split start: one piece
    });

    test('ends a batch where reading moves from the copied start of a split request into the chunk behind it', () => {
      const d = new RequestDecoder();
      d.push(b(GET.slice(0, 7)));
      expect(d.nextFrames()).toBeUndefined();
      const behind = b(GET.slice(7) + PING.repeat(200)); // more than the 1 KiB copied behind the split start
      d.push(behind);
      const batches: [string, number][] = [];
      for (let f; (f = framesOf(d)) !== undefined; ) batches.push(f);
      expect(batches.map(([, n]) => n).reduce((x, y) => x + y)).toBe(201);
      expect(batches.map(([bytes]) => bytes).join('')).toBe(GET + PING.repeat(200));
      expect(batches.length).toBeGreaterThan(1);
      expect(d.next()).toBeUndefined();
    });

    test('passes on the requests before a malformed one, whose error next() throws', () => {
      const d = new RequestDecoder();
      d.push(b(PING + GET + '*1\r\n$x\r\n'));
      expect(framesOf(d)).toEqual([PING + GET, 2]);
      expect(d.nextFrames()).toBeUndefined();
      expect(() => d.next()).toThrow('Protocol error: invalid bulk length');
      expect(() => d.nextFrames()).toThrow('Protocol error: invalid bulk length');
    });

    test('takes the request next() parsed ahead first', () => {
      const d = new RequestDecoder();
      d.push(b(PING + GET + PING));
      expect(args(d.next())).toEqual(['PING']);
      expect(framesOf(d)).toEqual([GET + PING, 2]);
    });

    test('refuses a max below 1', () => {
      expect(() => new RequestDecoder().nextFrames(0)).toThrow(RangeError);
    });
  });
});
