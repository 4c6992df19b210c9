// ReplyDecoder: bytes in, replies and frames out, synchronously (no stream, no await).
import { describe, expect, test } from 'vitest';
import { ProtocolError, type Reply, ReplyDecoder } from '../src/index.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Every reply the decoder gives for these chunks, pushed one by one. */
function decodeAll(chunks: string[], decoder = new ReplyDecoder()): Reply[] {
  const out: Reply[] = [];
  for (const chunk of chunks) {
    decoder.push(b(chunk));
    for (let r; (r = decoder.next()) !== undefined; ) out.push(r);
  }
  return out;
}

describe('ReplyDecoder', () => {
  test('decodes RESP2 replies', () => {
    expect(decodeAll(['+OK\r\n-ERR bad\r\n:42\r\n$2\r\nhi\r\n$-1\r\n*2\r\n:1\r\n:2\r\n'])).toEqual([
      { type: 'simple', value: 'OK' },
      { type: 'error', value: 'ERR bad' },
      { type: 'integer', value: 42 },
      { type: 'bulk', value: b('hi') },
      { type: 'null', origin: '$' },
      { type: 'array', value: [{ type: 'integer', value: 1 }, { type: 'integer', value: 2 }] },
    ]);
  });

  test('decodes RESP3 maps, sets, doubles and booleans', () => {
    expect(decodeAll(['%1\r\n+k\r\n,1.5\r\n~1\r\n#t\r\n_\r\n'])).toEqual([
      { type: 'map', value: [[{ type: 'simple', value: 'k' }, { type: 'double', value: 1.5 }]] },
      { type: 'set', value: [{ type: 'boolean', value: true }] },
      { type: 'null', origin: '_' },
    ]);
  });

  test('gives undefined until a split reply is complete, then the reply', () => {
    const d = new ReplyDecoder();
    d.push(b('*2\r\n$3\r\nfoo\r\n$3\r\nba'));
    expect(d.next()).toBeUndefined();
    d.push(b('r\r\n'));
    expect(d.next()).toEqual({ type: 'array', value: [{ type: 'bulk', value: b('foo') }, { type: 'bulk', value: b('bar') }] });
  });

  test('gives the same replies whatever the chunk boundaries', () => {
    const bytes = '+OK\r\n*3\r\n:1\r\n$5\r\nhello\r\n%1\r\n+a\r\n_\r\n$?\r\n;2\r\nab\r\n;0\r\n';
    const whole = decodeAll([bytes]);
    expect(whole).toHaveLength(3);
    for (let i = 0; i <= bytes.length; i++) expect(decodeAll([bytes.slice(0, i), bytes.slice(i)])).toEqual(whole);
    expect(decodeAll([...bytes])).toEqual(whole);
  });

  test('gives a frame as the exact bytes of one reply, an attribute with the reply it annotates', () => {
    const d = new ReplyDecoder();
    d.push(b('|1\r\n+ttl\r\n:3\r\n$1\r\nx\r\n+OK\r\n'));
    expect(d.nextFrame()).toEqual(b('|1\r\n+ttl\r\n:3\r\n$1\r\nx\r\n'));
    expect(d.hasReply()).toBe(true);
    expect(d.nextFrame()).toEqual(b('+OK\r\n'));
    expect(d.hasReply()).toBe(false);
    expect(d.nextFrame()).toBeUndefined();
  });

  test('gives each simple reply as a frame of its exact bytes: status, error, integer, bulk, null bulk', () => {
    const d = new ReplyDecoder();
    d.push(b('+OK\r\n-ERR bad\r\n:-42\r\n$2\r\nhi\r\n$-1\r\n$0\r\n\r\n'));
    const frames: Buffer[] = [];
    for (let f; (f = d.nextFrame()) !== undefined; ) frames.push(f);
    expect(frames).toEqual([b('+OK\r\n'), b('-ERR bad\r\n'), b(':-42\r\n'), b('$2\r\nhi\r\n'), b('$-1\r\n'), b('$0\r\n\r\n')]);
  });

  test('gives the complete replies buffered as one view and their count', () => {
    const d = new ReplyDecoder();
    d.push(b('+OK\r\n*2\r\n:1\r\n%1\r\n+k\r\n_\r\n$3\r\nfoo\r\n$5\r\nhe'));
    expect(d.nextFrames()).toEqual({ bytes: b('+OK\r\n*2\r\n:1\r\n%1\r\n+k\r\n_\r\n$3\r\nfoo\r\n'), count: 3 });
    expect(d.nextFrames()).toBeUndefined();
    d.push(b('llo\r\n'));
    expect(d.nextFrames()).toEqual({ bytes: b('$5\r\nhello\r\n'), count: 1 });
  });

  test('gives at most max replies in one view', () => {
    const d = new ReplyDecoder();
    d.push(b(':1\r\n:2\r\n:3\r\n'));
    expect(d.nextFrames(2)).toEqual({ bytes: b(':1\r\n:2\r\n'), count: 2 });
    expect(d.nextFrames(2)).toEqual({ bytes: b(':3\r\n'), count: 1 });
  });

  test('gives every reply once in its views, whatever the chunk boundaries', () => {
    const bytes = '+OK\r\n*3\r\n:1\r\n$5\r\nhello\r\n%1\r\n+a\r\n_\r\n$?\r\n;2\r\nab\r\n;0\r\n' + ':7\r\n'.repeat(500);
    for (let i = 0; i <= bytes.length; i += 7) {
      const d = new ReplyDecoder();
      const views: Buffer[] = [];
      let count = 0;
      for (const chunk of [bytes.slice(0, i), bytes.slice(i)]) {
        d.push(b(chunk));
        for (let f; (f = d.nextFrames()) !== undefined; count += f.count) views.push(f.bytes);
      }
      expect(Buffer.concat(views).toString('latin1')).toBe(bytes);
      expect(count).toBe(503);
    }
  });

  test('gives the replies before a malformed one, then throws at the next call', () => {
    const d = new ReplyDecoder();
    d.push(b('+OK\r\n:1\r\n:12a\r\n'));
    expect(d.nextFrames()).toEqual({ bytes: b('+OK\r\n:1\r\n'), count: 2 });
    expect(() => d.nextFrames()).toThrow('Bad integer value');
  });

  test('gives the replies before one larger than maxReplyBytes, then throws at the next call', () => {
    const d = new ReplyDecoder({ maxReplyBytes: 200 }); // each reply is charged 64 bytes besides its own
    d.push(b(`:1\r\n+OK\r\n$40\r\n${'x'.repeat(40)}\r\n+${'y'.repeat(150)}\r\n:2\r\n`));
    expect(d.nextFrames()).toEqual({ bytes: b(`:1\r\n+OK\r\n$40\r\n${'x'.repeat(40)}\r\n`), count: 3 });
    expect(() => d.nextFrames()).toThrow('Protocol error, reply larger than maxReplyBytes');
  });

  test('checks every integer of a batch as string2ll does, the longest ones included', () => {
    const d = new ReplyDecoder();
    d.push(b(':0\r\n:-7\r\n:123456789012345\r\n:9223372036854775807\r\n:5\r\n:-0\r\n'));
    expect(d.nextFrames()).toEqual({ bytes: b(':0\r\n:-7\r\n:123456789012345\r\n:9223372036854775807\r\n:5\r\n'), count: 5 });
    expect(() => d.nextFrames()).toThrow('Bad integer value');
  });

  test('ends a batch before an integer with a leading zero, which string2ll refuses', () => {
    const d = new ReplyDecoder();
    d.push(b(':1\r\n:20\r\n:007\r\n'));
    expect(d.nextFrames()).toEqual({ bytes: b(':1\r\n:20\r\n'), count: 2 });
    expect(() => d.nextFrames()).toThrow('Bad integer value');
  });

  test('mixes frames and decoded replies in order', () => {
    const d = new ReplyDecoder();
    d.push(b(':1\r\n:2\r\n:3\r\n'));
    expect(d.next()).toEqual({ type: 'integer', value: 1 });
    expect(d.nextFrame()).toEqual(b(':2\r\n'));
    expect(d.next()).toEqual({ type: 'integer', value: 3 });
  });

  test("throws malformed bytes as a fatal ProtocolError in hiredis's words, then the same error every time", () => {
    const d = new ReplyDecoder();
    d.push(b('+OK\r\n:12a\r\n'));
    expect(d.next()).toEqual({ type: 'simple', value: 'OK' });
    let first: unknown;
    try {
      d.next();
    } catch (err) {
      first = err;
    }
    expect(first).toBeInstanceOf(ProtocolError);
    expect(first).toMatchObject({ message: 'Bad integer value', fatal: true });
    expect(() => d.nextFrame()).toThrow(first as Error);
  });

  test('refuses a reply larger than maxReplyBytes', () => {
    const d = new ReplyDecoder({ maxReplyBytes: 100 });
    d.push(b('$1000\r\n'));
    expect(() => d.next()).toThrow('Protocol error, reply larger than maxReplyBytes');
  });

  test('refuses a reply past maxReplyBytes with the same error whatever the chunk boundaries', () => {
    // Past the limit after its first line, and too deep on its second (found by the fuzzer).
    const bytes = '|1\r\n~1\r\n*0\r\n~1\r\n(-1\r\n#f\r\n';
    const errors = new Set<string>();
    for (let cut = 0; cut <= bytes.length; cut++) {
      const d = new ReplyDecoder({ maxDepth: 1, maxReplyBytes: 0 });
      try {
        d.push(b(bytes.slice(0, cut)));
        d.next();
        d.push(b(bytes.slice(cut)));
        d.next();
      } catch (err) {
        errors.add((err as Error).message);
      }
    }
    expect([...errors]).toEqual(['Protocol error, reply larger than maxReplyBytes']);
  });

  test('holds a big value once, in one buffer reserved ahead, whatever the chunking', () => {
    const size = 1 << 20;
    const d = new ReplyDecoder();
    d.push(b(`$${size}\r\n`));
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    for (let sent = 0; sent < size; sent += chunk.length) {
      expect(d.next()).toBeUndefined();
      d.push(chunk);
    }
    d.push(b('\r\n'));
    const reply = d.next() as { type: 'bulk'; value: Buffer };
    expect(reply.value.length).toBe(size);
    // Reserved ahead: the value's buffer is the reply's own size, not a doubled one.
    expect(reply.value.buffer.byteLength).toBeLessThanOrEqual(size + 64);
  });

  describe('end()', () => {
    test('says nothing when the input ends between replies', () => {
      const d = new ReplyDecoder();
      d.push(b('+OK\r\n'));
      expect(d.next()).toEqual({ type: 'simple', value: 'OK' });
      expect(() => d.end()).not.toThrow();
    });

    test('throws when the input ends inside a reply', () => {
      const d = new ReplyDecoder();
      d.push(b('*2\r\n:1\r\n'));
      expect(d.next()).toBeUndefined();
      expect(() => d.end()).toThrow(
        expect.objectContaining({ message: 'Protocol error, connection closed in the middle of a reply', fatal: true }),
      );
    });

    test('lets the complete replies still buffered be taken first, then throws for the cut one', () => {
      const d = new ReplyDecoder();
      d.push(b('+OK\r\n$5\r\nab'));
      expect(() => d.end()).not.toThrow();
      expect(d.next()).toEqual({ type: 'simple', value: 'OK' });
      expect(() => d.next()).toThrow('Protocol error, connection closed in the middle of a reply');
    });
  });

  describe('whole (read in one pass) or byte by byte (scanned as it trickles in), the same replies and errors', () => {
    /** Every reply, then the error if one is thrown (its message), pushed as one chunk or one byte at a time. */
    function outcome(bytes: string, split: boolean): unknown[] {
      const d = new ReplyDecoder();
      const out: unknown[] = [];
      try {
        out.push(...decodeAll(split ? [...bytes] : [bytes], d));
        d.end();
        for (let r; (r = d.next()) !== undefined; ) out.push(r);
      } catch (err) {
        out.push((err as ProtocolError).message);
      }
      return out;
    }
    const int = (value: number | bigint): Reply => ({ type: 'integer', value });
    const cases: [string, unknown[]][] = [
      [':0\r\n', [int(0)]],
      [':-1\r\n', [int(-1)]],
      [':-999999999999999\r\n', [int(-999999999999999)]],
      [':1234567890123456\r\n', [int(1234567890123456)]],
      [':9223372036854775807\r\n', [int(9223372036854775807n)]],
      [':9223372036854775808\r\n', ['Bad integer value']],
      [':-0\r\n', ['Bad integer value']],
      [':01\r\n', ['Bad integer value']],
      [':\r\n', ['Bad integer value']],
      [':1 \r\n', ['Bad integer value']],
      [':1\r\r\n', ['Bad integer value']],
      ['$-1\r\n', [{ type: 'null', origin: '$' }]],
      ['$-0\r\n', ['Bad bulk string length']],
      ['$01\r\na\r\n', ['Bad bulk string length']],
      ['$-2\r\n', ['Bulk string length out of range']],
      ['$0\r\n\r\n', [{ type: 'bulk', value: b('') }]],
      ['$3\r\nabcd\r\n', ['Protocol error, expected CRLF after bulk data']],
      ['+a\nb\r\n', ['Bad simple string value']],
      ['+OK\r\n+OK\r\n', [{ type: 'simple', value: 'OK' }, { type: 'simple', value: 'OK' }]],
      ['+\xc3\xa9\r\n+\xc3\xa9\r\n', [{ type: 'simple', value: 'é' }, { type: 'simple', value: 'é' }]],
      ['+\xc3\x83\xc2\x83\r\n+\xc3\x83\r\n', [{ type: 'simple', value: 'Ã\u0083' }, { type: 'simple', value: 'Ã' }]],
      ['*-1\r\n', [{ type: 'null', origin: '*' }]],
      ['*0\r\n', [{ type: 'array', value: [] }]],
      ['*01\r\n:1\r\n', ['Bad multi-bulk length']],
      ['*1\r\n:01\r\n', ['Bad integer value']],
      ['*2\r\n:1\r\n', ['Protocol error, connection closed in the middle of a reply']],
    ];
    test.each(cases)('%j', (bytes, expected) => {
      expect(outcome(bytes, false)).toEqual(expected);
      expect(outcome(bytes, true)).toEqual(expected);
    });

    /** The same, as frames: each reply's exact bytes, then the error if one is thrown. */
    function frameOutcome(bytes: string, split: boolean): string[] {
      const d = new ReplyDecoder();
      const out: string[] = [];
      try {
        for (const chunk of split ? [...bytes] : [bytes]) {
          d.push(b(chunk));
          for (let f; (f = d.nextFrame()) !== undefined; ) out.push(f.toString('latin1'));
        }
        d.end();
        for (let f; (f = d.nextFrame()) !== undefined; ) out.push(f.toString('latin1'));
      } catch (err) {
        out.push((err as ProtocolError).message);
      }
      return out;
    }
    test.each(cases)('%j as frames', (bytes, expected) => {
      const whole = frameOutcome(bytes, false);
      expect(frameOutcome(bytes, true)).toEqual(whole);
      const error = typeof expected.at(-1) === 'string' ? (expected.at(-1) as string) : null;
      const frames = error === null ? whole : whole.slice(0, -1);
      expect(frames).toHaveLength(expected.length - (error === null ? 0 : 1));
      expect(bytes.startsWith(frames.join(''))).toBe(true);
      if (error !== null) expect(whole.at(-1)).toBe(error);
    });
  });
});
