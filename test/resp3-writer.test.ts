// RESP3: each write call's exact bytes in RESP3, and in RESP2 where it degrades as Redis 7 degrades it.
import net from 'node:net';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Encoder, ReplyParser, type ReplyValue, Writer } from '../src/index.js';
import { captureWriter, requireBinary, startRedisServer } from './helpers.js';

function bytesOf(protocol: 2 | 3, write: (w: Encoder) => void): string {
  const encoder = new Encoder({ protocol });
  write(encoder);
  return encoder.take().toString('latin1');
}

// [what, call, RESP3 bytes, RESP2 bytes]
const EVERY_TYPE: [string, (w: Encoder) => void, string, string][] = [
  ['writeMap: a map, a flat array of 2n in RESP2', (w) => w.writeMap(2), '%2\r\n', '*4\r\n'],
  ['writeMap with 0 pairs', (w) => w.writeMap(0), '%0\r\n', '*0\r\n'],
  ['writeSet: a set, an array in RESP2', (w) => w.writeSet(3), '~3\r\n', '*3\r\n'],
  ['writePush: a push, an array in RESP2', (w) => w.writePush(3), '>3\r\n', '*3\r\n'],
  ['writeBoolean(true): #t, :1 in RESP2', (w) => w.writeBoolean(true), '#t\r\n', ':1\r\n'],
  ['writeBoolean(false): #f, :0 in RESP2', (w) => w.writeBoolean(false), '#f\r\n', ':0\r\n'],
  ['writeDouble: a double, a bulk string in RESP2', (w) => w.writeDouble(1.5), ',1.5\r\n', '$3\r\n1.5\r\n'],
  ['writeDouble(Infinity) is inf', (w) => w.writeDouble(Infinity), ',inf\r\n', '$3\r\ninf\r\n'],
  ['writeDouble(-Infinity) is -inf', (w) => w.writeDouble(-Infinity), ',-inf\r\n', '$4\r\n-inf\r\n'],
  ['writeDouble(NaN) is nan', (w) => w.writeDouble(NaN), ',nan\r\n', '$3\r\nnan\r\n'],
  [
    'writeBigNumber with a bigint: a big number, a bulk string in RESP2',
    (w) => w.writeBigNumber(3492890328409238509324850943850943825024385n),
    '(3492890328409238509324850943850943825024385\r\n',
    '$43\r\n3492890328409238509324850943850943825024385\r\n',
  ],
  ['writeBigNumber with negative digits as text', (w) => w.writeBigNumber('-12345678901234567890'), '(-12345678901234567890\r\n', '$21\r\n-12345678901234567890\r\n'],
  ['writeVerbatim: txt by default, the bare text in RESP2', (w) => w.writeVerbatim('Some string'), '=15\r\ntxt:Some string\r\n', '$11\r\nSome string\r\n'],
  ['writeVerbatim with the mkd format', (w) => w.writeVerbatim('# hi', 'mkd'), '=8\r\nmkd:# hi\r\n', '$4\r\n# hi\r\n'],
  ['writeVerbatim counts UTF-8 bytes', (w) => w.writeVerbatim('é'), '=6\r\ntxt:\xc3\xa9\r\n', '$2\r\n\xc3\xa9\r\n'],
  ['writeVerbatim with bytes', (w) => w.writeVerbatim(new Uint8Array([0, 13, 10])), '=7\r\ntxt:\0\r\n\r\n', '$3\r\n\0\r\n\r\n'],
  [
    'writeBulkError: a bulk error keeping CR LF, a simple error with spaces in RESP2',
    (w) => w.writeBulkError('SYNTAX invalid\r\nsyntax'),
    '!22\r\nSYNTAX invalid\r\nsyntax\r\n',
    '-SYNTAX invalid  syntax\r\n',
  ],
  ['writeNull: _ in RESP3, $-1 in RESP2', (w) => w.writeNull(), '_\r\n', '$-1\r\n'],
  ['writeBulk(null) is the RESP3 null, as Redis 7 answers GET of a missing key', (w) => w.writeBulk(null), '_\r\n', '$-1\r\n'],
  ['writeBulkString(null) is the RESP3 null', (w) => w.writeBulkString(null), '_\r\n', '$-1\r\n'],
  ['writeArray(-1) is the RESP3 null, as Redis 7 answers a timed-out BLPOP', (w) => w.writeArray(-1), '_\r\n', '*-1\r\n'],
  ['writeBulks with a null element', (w) => w.writeBulks([Buffer.from('a'), null]), '*2\r\n$1\r\na\r\n_\r\n', '*2\r\n$1\r\na\r\n$-1\r\n'],
  [
    'writeAttribute: an attribute before its reply, left out with its pairs in RESP2',
    (w) => {
      w.writeAttribute(1);
      w.writeBulkString('key-popularity');
      w.writeArray(2);
      w.writeBulkString('a');
      w.writeDouble(0.1923);
      w.writeArray(1);
      w.writeInt(2039);
    },
    '|1\r\n$14\r\nkey-popularity\r\n*2\r\n$1\r\na\r\n,0.1923\r\n*1\r\n:2039\r\n',
    '*1\r\n:2039\r\n',
  ],
  [
    'writeAttribute in RESP2 drops nested maps, attributes and multi-value calls by whole values',
    (w) => {
      w.writeAttribute(2);
      w.writeBulkStrings(['k1', 'k2']); // one value: the key
      w.writeMap(1); // the value: a map of one pair, whose value carries an attribute
      w.writeSimpleString('x');
      w.writeAttribute(1);
      w.writeNull();
      w.writeBoolean(true);
      w.writeSet(2);
      w.writeInt(1);
      w.writeArray(-1);
      w.writeBulkString('second key');
      w.writeAny({ a: [1, 2] }); // its value
      w.writeSimpleString('OK'); // the reply itself
      w.writeSimpleString('next');
    },
    '|2\r\n*2\r\n$2\r\nk1\r\n$2\r\nk2\r\n%1\r\n+x\r\n|1\r\n_\r\n#t\r\n~2\r\n:1\r\n_\r\n$10\r\nsecond key\r\n%1\r\n$1\r\na\r\n*2\r\n:1\r\n:2\r\n+OK\r\n+next\r\n',
    '+OK\r\n+next\r\n',
  ],
  [
    'writeAttribute(map): the whole attribute in one call, nothing in RESP2',
    (w) => {
      w.writeAttribute(new Map<ReplyValue, ReplyValue>([['ttl', 3]]));
      w.writeSimpleString('OK');
    },
    '|1\r\n$3\r\nttl\r\n:3\r\n+OK\r\n',
    '+OK\r\n',
  ],
  [
    'writeAttribute with a plain object: its keys as bulk strings',
    (w) => {
      w.writeAttribute({ 'key-popularity': [Buffer.from('a'), 0.1923] });
      w.writeInt(2039);
    },
    '|1\r\n$14\r\nkey-popularity\r\n*2\r\n$1\r\na\r\n,0.1923\r\n:2039\r\n',
    ':2039\r\n',
  ],
  [
    'writeAttribute(n) on an array element cuts only its pairs in RESP2',
    (w) => {
      w.writeArray(2);
      w.writeAttribute(1);
      w.writeSimpleString('ttl');
      w.writeInt(3);
      w.writeInt(1);
      w.writeInt(2);
    },
    '*2\r\n|1\r\n+ttl\r\n:3\r\n:1\r\n:2\r\n',
    '*2\r\n:1\r\n:2\r\n',
  ],
  [
    'writeAttribute(0): an empty attribute',
    (w) => {
      w.writeAttribute(0);
      w.writeSimpleString('OK');
    },
    '|0\r\n+OK\r\n',
    '+OK\r\n',
  ],
  ['writeArray is the same in both', (w) => w.writeArray(2), '*2\r\n', '*2\r\n'],
  ['writeInt is the same in both', (w) => w.writeInt(-7), ':-7\r\n', ':-7\r\n'],
];

describe('every RESP3 type, byte for byte', () => {
  test.each(EVERY_TYPE)('%s (RESP3)', (_name, write, resp3) => {
    expect(bytesOf(3, write)).toBe(resp3);
  });
  test.each(EVERY_TYPE)('%s (RESP2)', (_name, write, _resp3, resp2) => {
    expect(bytesOf(2, write)).toBe(resp2);
  });

  test('ReplyParser reads each RESP3 reply back as the type written', async () => {
    const { writer, sent } = captureWriter({ protocol: 3 });
    writer.writeMap(1);
    writer.writeBulkString('k');
    writer.writeSet(1);
    writer.writePush(0);
    writer.writeDouble(-2.5);
    writer.writeBoolean(false);
    writer.writeBigNumber(2n ** 70n);
    writer.writeVerbatim('hi', 'mkd');
    writer.writeBulkError('ERR x');
    writer.writeNull();
    writer.writeAttribute(1);
    writer.writeSimpleString('ttl');
    writer.writeInt(3);
    writer.writeSimpleString('OK');
    const parser = new ReplyParser(PassThrough.from([await sent()]));
    const types: string[] = [];
    const describe = (r: Awaited<ReturnType<ReplyParser['readReply']>>): string => {
      if (r === null) return 'end';
      if (r.type === 'map') return `map(${r.value.map(([k, v]) => `${describe(k)}=${describe(v)}`).join()})`;
      if (r.type === 'set' || r.type === 'push' || r.type === 'array') return `${r.type}(${r.value.map(describe).join()})`;
      if (r.type === 'attribute') return `attribute(${r.value.map(([k, v]) => `${describe(k)}=${describe(v)}`).join()})${describe(r.reply)}`;
      if (r.type === 'null') return `null${r.origin}`;
      return `${r.type}:${String(r.value)}`;
    };
    for (let r = await parser.readReply(); r !== null; r = await parser.readReply()) types.push(describe(r));
    expect(types).toEqual([
      'map(bulk:k=set(push()))',
      'double:-2.5',
      'boolean:false',
      'bigNumber:1180591620717411303424',
      'verbatim:hi',
      'bulkError:ERR x',
      'null_',
      'attribute(simple:ttl=integer:3)simple:OK',
    ]);
  });
});

describe('attributes: as redis-server sends them; in RESP2 cut from the buffer, no method patched', () => {
  test.skipIf(!requireBinary('redis-server'))(
    "DEBUG PROTOCOL attrib: the bytes redis-server 7 sends in RESP3 and in RESP2, from writeAttribute(map) and from writeAttribute(n)",
    async () => {
      const redis = await startRedisServer(['--enable-debug-command', 'yes']);
      try {
        const ask = async (protocol: 2 | 3): Promise<string> => {
          const socket = net.connect(redis.port, '127.0.0.1');
          const replies = new ReplyParser(socket);
          const writer = new Writer(socket);
          if (protocol === 3) writer.writeCommand(['HELLO', '3']);
          writer.writeCommand(['DEBUG', 'PROTOCOL', 'attrib']);
          await writer.flush();
          if (protocol === 3) await replies.readFrame();
          const frame = (await replies.readFrame())!.toString('latin1');
          socket.destroy();
          return frame;
        };
        const reply = 'Some real reply following the attribute';
        for (const protocol of [3, 2] as const) {
          const fromRedis = await ask(protocol);
          expect(
            bytesOf(protocol, (w) => {
              w.writeAttribute({ 'key-popularity': [Buffer.from('key:123'), 90] });
              w.writeBulkString(reply);
            }),
          ).toBe(fromRedis);
          expect(
            bytesOf(protocol, (w) => {
              w.writeAttribute(1);
              w.writeBulkString('key-popularity');
              w.writeArray(2);
              w.writeBulkString('key:123');
              w.writeInt(90);
              w.writeBulkString(reply);
            }),
          ).toBe(fromRedis);
        }
        expect(await ask(2)).toBe(`$${reply.length}\r\n${reply}\r\n`);
      } finally {
        await redis.stop();
      }
    },
    30_000,
  );

  test('a Writer keeps the prototype\'s methods after a RESP2 attribute', async () => {
    const { writer, sent } = captureWriter({ protocol: 2 });
    writer.writeAttribute(1);
    writer.writeSimpleString('k');
    writer.writeSimpleString('v');
    writer.writeSimpleString('OK');
    expect((await sent()).toString('latin1')).toBe('+OK\r\n');
    expect(Object.getOwnPropertyNames(writer).filter((name) => name.startsWith('write'))).toEqual([]);
  });

  test('flush() holds back an attribute whose values are not all written, and sends what came before', async () => {
    const stream = new PassThrough();
    const writer = new Writer(stream, { protocol: 2 });
    writer.writeSimpleString('before');
    writer.writeAttribute(1);
    writer.writeSimpleString('k');
    await writer.flush();
    expect((stream.read() as Buffer).toString('latin1')).toBe('+before\r\n');
    writer.writeSimpleString('v');
    writer.writeSimpleString('OK');
    await writer.flush();
    expect((stream.read() as Buffer).toString('latin1')).toBe('+OK\r\n');
  });

  test('a bulk of 20 KiB among the pairs is cut, and one after them is sent whole', async () => {
    const big = Buffer.alloc(20 * 1024, 0x61);
    const { writer, sent } = captureWriter({ protocol: 2 });
    writer.writeAttribute(1);
    writer.writeBulk(big);
    writer.writeRaw(Buffer.concat([Buffer.from(`$${big.length}\r\n`), big, Buffer.from('\r\n')]));
    writer.writeBulk(big);
    expect((await sent()).toString('latin1')).toBe(`$${big.length}\r\n${big.toString('latin1')}\r\n`);
  });

  /** A reply with attributes anywhere: what fast-check generates below. */
  type Tree = { attrs: [Tree, Tree][] | null } & ({ kind: 'int'; n: number } | { kind: 'bulk'; s: string } | { kind: 'array'; items: Tree[] });
  const tree: fc.Arbitrary<Tree> = fc.letrec<{ tree: Tree }>((tie) => ({
    tree: fc.record({
      attrs: fc.option(fc.array(fc.tuple(tie('tree'), tie('tree')), { maxLength: 2 }), { freq: 3 }),
      body: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.record({ kind: fc.constant('int' as const), n: fc.integer() }),
        fc.record({ kind: fc.constant('bulk' as const), s: fc.string({ maxLength: 40 }) }),
        fc.record({ kind: fc.constant('array' as const), items: fc.array(tie('tree'), { maxLength: 3 }) }),
      ),
    }).map(({ attrs, body }) => ({ attrs, ...body }) as Tree),
  })).tree;

  function write(w: Writer, t: Tree, attributes: boolean, flushAt: Set<number>, count: { n: number }): void {
    if (flushAt.has(count.n++)) void w.flush();
    if (attributes && t.attrs !== null) {
      w.writeAttribute(t.attrs.length);
      for (const [k, v] of t.attrs) {
        write(w, k, true, flushAt, count);
        write(w, v, true, flushAt, count);
      }
    }
    if (t.kind === 'int') w.writeInt(t.n);
    else if (t.kind === 'bulk') w.writeBulkString(t.s);
    else {
      w.writeArray(t.items.length);
      for (const item of t.items) write(w, item, attributes, flushAt, count);
    }
  }

  test('any replies with attributes anywhere, any buffer size and flushes, reach a RESP2 client as without them', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(tree, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 64, max: 300 }),
        fc.array(fc.nat(60), { maxLength: 5 }),
        async (replies, bufferSize, flushes) => {
          const withAttributes = captureWriter({ protocol: 2, bufferSize });
          const plain = captureWriter({ protocol: 2 });
          const count = { n: 0 };
          for (const reply of replies) {
            write(withAttributes.writer, reply, true, new Set(flushes), count);
            write(plain.writer, reply, false, new Set(), { n: 0 });
          }
          expect((await withAttributes.sent()).toString('latin1')).toBe((await plain.sent()).toString('latin1'));
        },
      ),
      { numRuns: 300, seed: 14 },
    );
  });
});

describe('writeDouble prints doubles as Redis (7.2 on) does', () => {
  // The texts are what Redis's d2string (fpconv_dtoa) prints for these doubles.
  test.each<[number, string]>([
    [1.1, '1.1'],
    [0.1, '0.1'],
    [1 / 3, '0.3333333333333333'],
    [0.1 + 0.2, '0.30000000000000004'],
    [123.25, '123.25'],
    [-42, '-42'],
    [0, '0'],
    [-0, '-0'],
    [2 ** 60, '1152921504606846976'],
    [2 ** 62, '4611686018427387904'],
    [2 ** 63, '9223372036854776000'],
    [1e20, '1e+20'],
    [1e21, '1e+21'],
    [-1.5e300, '-1.5e+300'],
    [1e-6, '0.000001'],
    [1.5e-6, '1.5e-6'],
    [1.5e-7, '1.5e-7'],
    [0.0012345, '0.0012345'],
    [0.00012345, '1.2345e-4'],
    [5e-324, '5e-324'],
  ])('%d is %s', (x, text) => {
    expect(bytesOf(3, (w) => w.writeDouble(x))).toBe(`,${text}\r\n`);
    expect(bytesOf(2, (w) => w.writeDouble(x))).toBe(`$${text.length}\r\n${text}\r\n`);
  });

  test('the text reads back to the same double, for 2,000 random bit patterns', async () => {
    const view = new DataView(new ArrayBuffer(8));
    let seed = 20261123;
    const random32 = (): number => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0);
    const xs: number[] = [];
    for (let i = 0; i < 2000; i++) {
      view.setUint32(0, random32());
      view.setUint32(4, random32());
      const x = view.getFloat64(0);
      if (Number.isFinite(x)) xs.push(x);
    }
    const { writer, sent } = captureWriter({ protocol: 3 });
    for (const x of xs) writer.writeDouble(x);
    const texts = (await sent()).toString('latin1').split('\r\n').slice(0, -1);
    expect(texts.map((t) => Number(t.slice(1)))).toEqual(xs);
    // Shortest: no text has more significant digits than JS's own shortest
    // form, except integral values up to 2^62, which Redis prints in full.
    const digits = (s: string): number => s.replace(/^-|e.*$/g, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '').length;
    const fractional = xs.map((x, i) => [x, texts[i]] as const).filter(([x]) => !(Number.isInteger(x) && Math.abs(x) <= 2 ** 62));
    expect(fractional.length).toBeGreaterThan(1000);
    for (const [x, text] of fractional) expect(digits(text.slice(1))).toBeLessThanOrEqual(digits(x.toExponential()));
  });
});

describe('writeAny maps JS values by protocol', () => {
  test.each<[string, ReplyValue, string, string]>([
    ['a Map is a map', new Map<ReplyValue, ReplyValue>([['a', 1], [2, 'b']]), '%2\r\n$1\r\na\r\n:1\r\n:2\r\n$1\r\nb\r\n', '*4\r\n$1\r\na\r\n:1\r\n:2\r\n$1\r\nb\r\n'],
    ['a Set is a set', new Set(['x']), '~1\r\n$1\r\nx\r\n', '*1\r\n$1\r\nx\r\n'],
    ['a plain object is a map of its keys', { proto: 3, ok: true }, '%2\r\n$5\r\nproto\r\n:3\r\n$2\r\nok\r\n#t\r\n', '*4\r\n$5\r\nproto\r\n:3\r\n$2\r\nok\r\n:1\r\n'],
    ['an object without prototype is a map', Object.assign(Object.create(null) as Record<string, ReplyValue>, { a: null }), '%1\r\n$1\r\na\r\n_\r\n', '*2\r\n$1\r\na\r\n$-1\r\n'],
    ['a non-integer number is a double', 2.5, ',2.5\r\n', '$3\r\n2.5\r\n'],
    ['NaN is a double', NaN, ',nan\r\n', '$3\r\nnan\r\n'],
    ['an integer beyond 2^53 is a double', 2 ** 60, ',1152921504606846976\r\n', '$19\r\n1152921504606846976\r\n'],
    ['a safe integer is an integer', 42, ':42\r\n', ':42\r\n'],
    ['a bigint within 64 bits is an integer', -(2n ** 63n), ':-9223372036854775808\r\n', ':-9223372036854775808\r\n'],
    ['a bigint beyond 64 bits is a big number', 2n ** 63n, '(9223372036854775808\r\n', '$19\r\n9223372036854775808\r\n'],
    ['a boolean is a boolean', false, '#f\r\n', ':0\r\n'],
    ['undefined is the null', undefined, '_\r\n', '$-1\r\n'],
    ['an Error is a simple error', new Error('bad'), '-ERR bad\r\n', '-ERR bad\r\n'],
    ['containers nest', [new Set([1.5]), { k: [] }], '*2\r\n~1\r\n,1.5\r\n%1\r\n$1\r\nk\r\n*0\r\n', '*2\r\n*1\r\n$3\r\n1.5\r\n*2\r\n$1\r\nk\r\n*0\r\n'],
  ])('%s', (_name, value, resp3, resp2) => {
    expect(bytesOf(3, (w) => w.writeAny(value))).toBe(resp3);
    expect(bytesOf(2, (w) => w.writeAny(value))).toBe(resp2);
  });

  test('an instance of a class is refused, not sent as a map', () => {
    const { writer } = captureWriter({ protocol: 3 });
    expect(() => writer.writeAny(new Date(0) as unknown as ReplyValue)).toThrow(TypeError);
  });
});

describe('the protocol', () => {
  test('is 2 unless the options say otherwise', () => {
    expect(new Writer(new PassThrough()).protocol).toBe(2);
    expect(new Writer(new PassThrough(), { protocol: 3 }).protocol).toBe(3);
  });

  test('switches for the replies written after it is set, as after HELLO 3 and HELLO 2', () => {
    const got = bytesOf(2, (w) => {
      w.writeNull();
      w.protocol = 3;
      w.writeNull();
      w.writeMap(1);
      w.protocol = 2;
      w.writeNull();
    });
    expect(got).toBe('$-1\r\n_\r\n%1\r\n$-1\r\n');
  });

  test('refuses anything but 2 or 3', () => {
    const writer = new Writer(new PassThrough());
    expect(() => (writer.protocol = 1 as 2)).toThrow(RangeError);
    expect(() => new Writer(new PassThrough(), { protocol: 4 as 3 })).toThrow(RangeError);
  });
});

describe('bad arguments are refused before any byte is written', () => {
  test.each<[string, (w: Writer) => void]>([
    ['a negative map count', (w) => w.writeMap(-1)],
    ['a fractional set count', (w) => w.writeSet(1.5)],
    ['a negative push count', (w) => w.writePush(-2)],
    ['a negative attribute count', (w) => w.writeAttribute(-1)],
    ['a verbatim format that is not three characters', (w) => w.writeVerbatim('x', 'text')],
    ['a verbatim format with a colon', (w) => w.writeVerbatim('x', 'a:b')],
    ['a big number that is not digits', (w) => w.writeBigNumber('12a')],
    ['a big number with a plus sign', (w) => w.writeBigNumber('+1')],
  ])('%s', async (_name, write) => {
    const { writer, sent } = captureWriter({ protocol: 3 });
    expect(() => write(writer)).toThrow();
    expect((await sent()).length).toBe(0);
  });
});

describe('writeAny in RESP3 round-trips through ReplyParser', () => {
  /** A JS value as it should come back from a RESP3 reply: objects as Maps, integers as numbers when safe. */
  function expected(value: ReplyValue): unknown {
    if (typeof value === 'bigint') return value >= -(2n ** 53n) + 1n && value <= 2n ** 53n - 1n ? Number(value) : value;
    if (typeof value === 'number') return Object.is(value, -0) ? 0 : value;
    if (value === undefined) return null;
    if (Array.isArray(value)) return value.map(expected);
    if (value instanceof Map) return new Map([...value].map(([k, v]) => [expected(k), expected(v)]));
    if (value instanceof Set) return new Set([...value].map(expected));
    if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array) && !(value instanceof Error)) {
      return new Map(Object.entries(value).map(([k, v]) => [k, expected(v)]));
    }
    return value;
  }

  /** A decoded reply as a JS value. */
  function toJs(reply: Awaited<ReturnType<ReplyParser['readReply']>>): unknown {
    if (reply === null) throw new Error('the stream ended early');
    switch (reply.type) {
      case 'bulk':
        return reply.value.toString('utf8');
      case 'null':
        return null;
      case 'array':
        return reply.value.map(toJs);
      case 'set':
        return new Set(reply.value.map(toJs));
      case 'map':
        return new Map(reply.value.map(([k, v]) => [toJs(k), toJs(v)]));
      case 'integer':
      case 'double':
      case 'boolean':
      case 'bigNumber':
        return reply.value;
      default:
        throw new Error(`unexpected ${reply.type}`);
    }
  }

  const scalar = fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.integer(),
    fc.double(),
    fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }),
    fc.boolean(),
    fc.constantFrom(null, undefined),
  );
  const value = fc.letrec<{ value: ReplyValue }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      scalar,
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 4 }),
      fc.array(fc.tuple(scalar, tie('value')), { maxLength: 4 }).map((pairs) => new Map(pairs)),
      fc.uniqueArray(fc.oneof(fc.string({ maxLength: 8 }), fc.integer()), { maxLength: 4 }).map((items) => new Set(items)),
    ),
  })).value;

  test('maps, sets, objects, doubles, big numbers and nulls come back as written (300 generated values)', async () => {
    await fc.assert(
      fc.asyncProperty(value, async (v) => {
        const { writer, sent } = captureWriter({ protocol: 3 });
        writer.writeAny(v);
        const parser = new ReplyParser(PassThrough.from([await sent()]));
        expect(toJs(await parser.readReply())).toEqual(expected(v));
        expect(await parser.readReply()).toBeNull();
      }),
      { numRuns: 300, seed: 20261123 },
    );
  });
});
