// ReplyParser: every reply type as a real redis-server sends it (RESP2, and RESP3 after
// HELLO 3), the types Redis rarely sends from hand-written bytes, malformed replies, limits.
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { type Reply, ReplyParser, type ReplyParserOptions, Writer } from '../src/index.js';
import { type Started, requireBinary, startRedisServer } from './helpers.js';

/** A ReplyParser over a stream that yields `chunks` then ends. */
function parserOf(chunks: (string | Uint8Array)[], options?: ReplyParserOptions): ReplyParser {
  const stream = new PassThrough();
  for (const chunk of chunks) stream.write(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
  stream.end();
  return new ReplyParser(stream, options);
}

/** Every reply decoded from `bytes`, until the end of the stream. */
async function repliesOf(bytes: string, options?: ReplyParserOptions): Promise<Reply[]> {
  const out: Reply[] = [];
  for await (const reply of parserOf([bytes], options)) out.push(reply);
  return out;
}

/** The message of the error that parsing `bytes` ends with. */
async function errorOf(bytes: string, options?: ReplyParserOptions): Promise<string> {
  const parser = parserOf([bytes], options);
  for (;;) {
    try {
      if ((await parser.readReply()) === null) return 'no error';
    } catch (err) {
      return (err as Error).message;
    }
  }
}

const bulk = (text: string): Reply => ({ type: 'bulk', value: Buffer.from(text, 'latin1') });
const int = (value: number | bigint): Reply => ({ type: 'integer', value });
const simple = (value: string): Reply => ({ type: 'simple', value });

describe.skipIf(!requireBinary('redis-server'))('replies of a real redis-server', () => {
  let server: Started;
  let socket: net.Socket;
  let replies: ReplyParser;
  let out: Writer;

  beforeAll(async () => {
    server = await startRedisServer(['--enable-debug-command', 'yes']);
    socket = net.connect(server.port, '127.0.0.1');
    replies = new ReplyParser(socket);
    out = new Writer(socket);
    // The data the cases read; every case can run twice with the same reply.
    for (const command of [['SET', 'k', 'v'], ['RPUSH', 'list', 'b', 'a'], ['SET', 'big', '9223372036854775807'], ['HSET', 'h', 'f', '1'], ['ZADD', 'z', '1.5', 'm']]) {
      out.writeCommand(command);
    }
    await out.flush();
    for (let i = 0; i < 5; i++) await replies.readFrame();
  });
  afterAll(async () => {
    socket?.destroy();
    await server?.stop();
  });

  /** Sends a command and returns the raw bytes of its reply. */
  async function frameOf(...args: string[]): Promise<string> {
    out.writeCommand(args);
    await out.flush();
    return (await replies.readFrame())!.toString('latin1');
  }
  /** Sends a command and returns its reply, decoded. */
  async function replyOf(...args: string[]): Promise<Reply | null> {
    out.writeCommand(args);
    await out.flush();
    return replies.readReply();
  }

  // Each case: the command, the exact bytes Redis 7 answers, and the decoded reply.
  const resp2: [string, string[], string, Reply][] = [
    ['a simple string', ['SET', 'k', 'v'], '+OK\r\n', simple('OK')],
    ['a bulk string', ['GET', 'k'], '$1\r\nv\r\n', bulk('v')],
    ['an error', ['INCR', 'k'], '-ERR value is not an integer or out of range\r\n', { type: 'error', value: 'ERR value is not an integer or out of range' }],
    ['the null bulk', ['GET', 'nokey'], '$-1\r\n', { type: 'null', origin: '$' }],
    ['an integer', ['DEL', 'nokey'], ':0\r\n', int(0)],
    ['an array', ['LRANGE', 'list', '0', '-1'], '*2\r\n$1\r\nb\r\n$1\r\na\r\n', { type: 'array', value: [bulk('b'), bulk('a')] }],
    ['the null array', ['BLPOP', 'nolist', '0.01'], '*-1\r\n', { type: 'null', origin: '*' }],
    ['an empty array', ['KEYS', 'nomatch*'], '*0\r\n', { type: 'array', value: [] }],
    ['a nested array', ['SCAN', '0', 'MATCH', 'list'], '*2\r\n$1\r\n0\r\n*1\r\n$4\r\nlist\r\n', { type: 'array', value: [bulk('0'), { type: 'array', value: [bulk('list')] }] }],
    ['a 64-bit integer beyond 2^53, exactly', ['INCRBY', 'big', '0'], ':9223372036854775807\r\n', int(9223372036854775807n)],
  ];

  test.each(resp2)('RESP2: %s', async (_name, command, bytes, reply) => {
    expect(await frameOf(...command)).toBe(bytes);
    expect(await replyOf(...command)).toEqual(reply);
  });

  describe('RESP3, after HELLO 3', () => {
    beforeAll(async () => {
      const hello = await replyOf('HELLO', '3');
      expect(hello).toMatchObject({ type: 'map' });
    });

    const debug = (
      name: string,
      bytes: string,
      reply: Reply,
    ): [string, string[], string, Reply] => [name, ['DEBUG', 'PROTOCOL', name], bytes, reply];
    const resp3: [string, string[], string, Reply][] = [
      debug('string', '$11\r\nHello World\r\n', bulk('Hello World')),
      debug('integer', ':12345\r\n', int(12345)),
      debug('double', ',3.141\r\n', { type: 'double', value: 3.141 }),
      debug('bignum', '(1234567999999999999999999999999999999\r\n', { type: 'bigNumber', value: 1234567999999999999999999999999999999n }),
      debug('null', '_\r\n', { type: 'null', origin: '_' }),
      debug('array', '*3\r\n:0\r\n:1\r\n:2\r\n', { type: 'array', value: [int(0), int(1), int(2)] }),
      debug('set', '~3\r\n:0\r\n:1\r\n:2\r\n', { type: 'set', value: [int(0), int(1), int(2)] }),
      debug('map', '%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n', {
        type: 'map',
        value: [
          [int(0), { type: 'boolean', value: false }],
          [int(1), { type: 'boolean', value: true }],
          [int(2), { type: 'boolean', value: false }],
        ],
      }),
      debug(
        'attrib',
        '|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n$39\r\nSome real reply following the attribute\r\n',
        {
          type: 'attribute',
          value: [[bulk('key-popularity'), { type: 'array', value: [bulk('key:123'), int(90)] }]],
          reply: bulk('Some real reply following the attribute'),
        },
      ),
      debug('verbatim', '=29\r\ntxt:This is a verbatim\nstring\r\n', {
        type: 'verbatim',
        format: 'txt',
        value: Buffer.from('This is a verbatim\nstring'),
      }),
      debug('true', '#t\r\n', { type: 'boolean', value: true }),
      debug('false', '#f\r\n', { type: 'boolean', value: false }),
      ['a map (HGETALL)', ['HGETALL', 'h'], '%1\r\n$1\r\nf\r\n$1\r\n1\r\n', { type: 'map', value: [[bulk('f'), bulk('1')]] }],
      ['a double (ZSCORE)', ['ZSCORE', 'z', 'm'], ',1.5\r\n', { type: 'double', value: 1.5 }],
    ];

    test.each(resp3)('RESP3: %s', async (_name, command, bytes, reply) => {
      expect(await frameOf(...command)).toBe(bytes);
      expect(await replyOf(...command)).toEqual(reply);
    });

    test('RESP3: a push message arrives as its own reply, before the reply of the command', async () => {
      out.writeCommand(['DEBUG', 'PROTOCOL', 'push']);
      await out.flush();
      expect((await replies.readFrame())!.toString('latin1')).toBe('>2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n');
      expect(await replies.readReply()).toEqual(bulk('Some real reply following the push reply'));
      out.writeCommand(['DEBUG', 'PROTOCOL', 'push']);
      await out.flush();
      expect(await replies.readReply()).toEqual({ type: 'push', value: [bulk('server-cpu-usage'), int(42)] });
      expect(await replies.readReply()).toEqual(bulk('Some real reply following the push reply'));
    });

    test('RESP3: subscribe confirmations are push messages', async () => {
      expect(await replyOf('SUBSCRIBE', 'ch')).toEqual({ type: 'push', value: [bulk('subscribe'), bulk('ch'), int(1)] });
      expect(await replyOf('UNSUBSCRIBE', 'ch')).toEqual({ type: 'push', value: [bulk('unsubscribe'), bulk('ch'), int(0)] });
    });
  });
});

describe('types Redis rarely sends, from hand-written bytes', () => {
  test('a streamed string is the concatenation of its parts', async () => {
    expect(await repliesOf('$?\r\n;4\r\nHell\r\n;5\r\no wor\r\n;1\r\nd\r\n;0\r\n')).toEqual([bulk('Hello word')]);
  });

  test('a streamed string with no parts is empty', async () => {
    expect(await repliesOf('$?\r\n;0\r\n')).toEqual([bulk('')]);
  });

  test('a streamed array ends at the dot line', async () => {
    expect(await repliesOf('*?\r\n:1\r\n:2\r\n:3\r\n.\r\n')).toEqual([{ type: 'array', value: [int(1), int(2), int(3)] }]);
  });

  test('a streamed map pairs its elements', async () => {
    expect(await repliesOf('%?\r\n+a\r\n:1\r\n+b\r\n:2\r\n.\r\n')).toEqual([
      { type: 'map', value: [[simple('a'), int(1)], [simple('b'), int(2)]] },
    ]);
  });

  test('a streamed set, empty', async () => {
    expect(await repliesOf('~?\r\n.\r\n')).toEqual([{ type: 'set', value: [] }]);
  });

  test('streamed aggregates and strings nest in each other', async () => {
    expect(await repliesOf('*?\r\n*?\r\n$?\r\n;1\r\na\r\n;0\r\n.\r\n*1\r\n:7\r\n.\r\n')).toEqual([
      { type: 'array', value: [{ type: 'array', value: [bulk('a')] }, { type: 'array', value: [int(7)] }] },
    ]);
  });

  test('a bulk error is an error, not a string', async () => {
    expect(await repliesOf('!21\r\nSYNTAX invalid syntax\r\n')).toEqual([{ type: 'bulkError', value: 'SYNTAX invalid syntax' }]);
  });

  test('an attribute inside an array annotates the element after it', async () => {
    expect(await repliesOf('*2\r\n|1\r\n+ttl\r\n:3600\r\n:1\r\n:2\r\n')).toEqual([
      { type: 'array', value: [{ type: 'attribute', value: [[simple('ttl'), int(3600)]], reply: int(1) }, int(2)] },
    ]);
  });

  test('doubles: infinities, NaN, exponents and integers', async () => {
    const values = (await repliesOf(',inf\r\n,-inf\r\n,nan\r\n,1.5e+300\r\n,-0.25\r\n,10\r\n')).map((r) => (r as { value: number }).value);
    expect(values).toEqual([Infinity, -Infinity, NaN, 1.5e300, -0.25, 10]);
  });

  test('integers at both 64-bit edges are exact bigints; safe ones are numbers', async () => {
    expect(await repliesOf(':-9223372036854775808\r\n:9007199254740991\r\n:9007199254740992\r\n')).toEqual([
      int(-9223372036854775808n),
      int(9007199254740991),
      int(9007199254740992n),
    ]);
  });

  test('empty map, set and push, and a null map key', async () => {
    expect(await repliesOf('%0\r\n~0\r\n>0\r\n%1\r\n_\r\n$0\r\n\r\n')).toEqual([
      { type: 'map', value: [] },
      { type: 'set', value: [] },
      { type: 'push', value: [] },
      { type: 'map', value: [[{ type: 'null', origin: '_' }, bulk('')]] },
    ]);
  });

  test('bulk data is binary-safe: CR, LF and NUL inside are data', async () => {
    expect(await repliesOf('$6\r\n\r\n\0\r\n\xff\r\n')).toEqual([bulk('\r\n\0\r\n\xff')]);
  });
});

describe('readFrame', () => {
  test('returns exactly one reply per call, an attribute with the reply it annotates', async () => {
    const parser = parserOf(['+OK\r\n|1\r\n+a\r\n:1\r\n*2\r\n$1\r\nx\r\n:2\r\n$?\r\n;1\r\nz\r\n;0\r\n']);
    const frames: string[] = [];
    for (let f; (f = await parser.readFrame()) !== null; ) frames.push(f.toString('latin1'));
    expect(frames).toEqual(['+OK\r\n', '|1\r\n+a\r\n:1\r\n*2\r\n$1\r\nx\r\n:2\r\n', '$?\r\n;1\r\nz\r\n;0\r\n']);
  });

  test('a reply within one chunk is a view of that chunk, not a copy', async () => {
    const chunk = Buffer.from('+OK\r\n$3\r\nabc\r\n');
    const parser = parserOf([chunk]);
    const first = (await parser.readFrame())!;
    const second = (await parser.readFrame())!;
    expect([first.buffer, first.byteOffset, first.length]).toEqual([chunk.buffer, chunk.byteOffset, 5]);
    expect([second.buffer, second.byteOffset, second.length]).toEqual([chunk.buffer, chunk.byteOffset + 5, 9]);
  });

  test('a reply spread over chunks comes back whole', async () => {
    const parser = parserOf(['*2\r\n$5\r\nhel', 'lo\r', '\n:4', '2\r\n+next\r\n']);
    expect((await parser.readFrame())!.toString()).toBe('*2\r\n$5\r\nhello\r\n:42\r\n');
    expect(await parser.readReply()).toEqual(simple('next'));
  });

  test('hasBufferedReply tells whether the next reply is already complete', async () => {
    const stream = new PassThrough();
    const parser = new ReplyParser(stream);
    stream.write('+a\r\n+b\r\n+c');
    expect(await parser.readFrame()).toEqual(Buffer.from('+a\r\n'));
    expect(parser.hasBufferedReply()).toBe(true);
    expect(await parser.readFrame()).toEqual(Buffer.from('+b\r\n'));
    expect(parser.hasBufferedReply()).toBe(false);
    stream.end('\r\n');
    expect(await parser.readReply()).toEqual(simple('c'));
  });
});

describe('readFrames', () => {
  test('returns the complete replies buffered as one view and their count, waiting for the first', async () => {
    const stream = new PassThrough();
    const parser = new ReplyParser(stream);
    const first = parser.readFrames();
    stream.write('+OK\r\n*1\r\n:1\r\n$3\r\nab');
    expect(await first).toEqual({ bytes: Buffer.from('+OK\r\n*1\r\n:1\r\n'), count: 2 });
    expect(parser.tryReadFrames()).toBeUndefined(); // '$3\r\nab' is not complete
    stream.end('c\r\n');
    expect(await parser.readFrames()).toEqual({ bytes: Buffer.from('$3\r\nabc\r\n'), count: 1 });
    expect(await parser.readFrames()).toBeNull();
  });

  test('takes at most max replies', async () => {
    const parser = parserOf([':1\r\n:2\r\n:3\r\n']);
    expect(await parser.readFrames(2)).toEqual({ bytes: Buffer.from(':1\r\n:2\r\n'), count: 2 });
    expect(parser.tryReadFrames(2)).toEqual({ bytes: Buffer.from(':3\r\n'), count: 1 });
  });
});

describe('tryReadReply and tryReadFrame', () => {
  test('take buffered replies at once, in order, then say undefined', async () => {
    const stream = new PassThrough();
    const parser = new ReplyParser(stream);
    stream.write('+a\r\n:1\r\n$1\r\nx\r\n+b');
    expect(parser.tryReadReply()).toBeUndefined(); // nothing has been read from the stream yet
    expect(await parser.readReply()).toEqual(simple('a'));
    expect(parser.tryReadReply()).toEqual(int(1));
    expect(parser.tryReadFrame()).toEqual(Buffer.from('$1\r\nx\r\n'));
    expect(parser.tryReadReply()).toBeUndefined(); // '+b' is not complete
    stream.end('\r\n');
    expect(await parser.readReply()).toEqual(simple('b'));
    expect(await parser.readReply()).toBeNull();
  });

  test('throw a malformed reply as readReply rejects, every time', async () => {
    const parser = parserOf(['+OK\r\n:12a\r\n']);
    expect(await parser.readReply()).toEqual(simple('OK'));
    expect(() => parser.tryReadReply()).toThrow('Bad integer value');
    expect(() => parser.tryReadFrame()).toThrow('Bad integer value');
    await expect(parser.readReply()).rejects.toThrow('Bad integer value');
  });

  test('say undefined while a readReply call waits, so replies keep their order', async () => {
    const stream = new PassThrough();
    const parser = new ReplyParser(stream);
    const first = parser.readReply();
    stream.write('+a\r\n+b\r\n');
    expect(parser.tryReadReply()).toBeUndefined();
    expect(await first).toEqual(simple('a'));
    expect(parser.tryReadReply()).toEqual(simple('b'));
  });

  test('say undefined from the moment a waiting call is answered until its caller has run', async () => {
    const stream = new PassThrough();
    const parser = new ReplyParser(stream);
    const first = parser.readReply();
    const meanwhile: unknown[] = [];
    stream.on('data', () => meanwhile.push(parser.tryReadReply(), parser.tryReadFrame()));
    stream.write('+a\r\n+b\r\n');
    expect(await first).toEqual(simple('a'));
    expect(meanwhile).toEqual([undefined, undefined]);
    expect(parser.tryReadReply()).toEqual(simple('b'));
  });

  test('throw a reply cut off by the end of the stream, as readReply rejects', async () => {
    const stream = new PassThrough();
    const parser = new ReplyParser(stream);
    stream.end('+a\r\n$5\r\nab');
    expect(await parser.readReply()).toEqual(simple('a'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(() => parser.tryReadReply()).toThrow('connection closed in the middle of a reply');
    expect(() => parser.tryReadFrame()).toThrow('connection closed in the middle of a reply');
    await expect(parser.readReply()).rejects.toThrow('connection closed in the middle of a reply');
  });

  test("throw the stream's error once the replies buffered before it are taken", async () => {
    const stream = new PassThrough();
    const parser = new ReplyParser(stream);
    stream.write('+a\r\n+b\r\n');
    expect(await parser.readReply()).toEqual(simple('a'));
    stream.destroy(new Error('reset'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(parser.tryReadReply()).toEqual(simple('b'));
    expect(() => parser.tryReadFrame()).toThrow('reset');
    await expect(parser.readReply()).rejects.toThrow('reset');
  });
});

describe('malformed replies are fatal ProtocolErrors in hiredis wording', () => {
  test.each<[string, string, string]>([
    ['an unknown type byte', '?x\r\n', 'Protocol error, got "?" as reply type byte'],
    ['a NUL type byte', '\0', 'Protocol error, got "\\x00" as reply type byte'],
    ['a CR type byte', '\r\n', 'Protocol error, got "\\r" as reply type byte'],
    ['an integer with a letter', ':12a\r\n', 'Bad integer value'],
    ['an integer with a leading zero', ':01\r\n', 'Bad integer value'],
    ['an integer beyond 64 bits', ':9223372036854775808\r\n', 'Bad integer value'],
    ['an empty integer', ':\r\n', 'Bad integer value'],
    ['a lone CR inside an integer line', ':1\r2\r\n', 'Bad integer value'],
    ['a bulk length that is not a number', '$abc\r\n', 'Bad bulk string length'],
    ['a bulk length below -1', '$-2\r\n', 'Bulk string length out of range'],
    ['bulk data not followed by CRLF', '$3\r\nabcXY', 'Protocol error, expected CRLF after bulk data'],
    ['an aggregate count that is not a number', '*x\r\n', 'Bad multi-bulk length'],
    ['an aggregate count below -1', '*-2\r\n', 'Multi-bulk length out of range'],
    ['a null map', '%-1\r\n', 'Multi-bulk length out of range'],
    ['a nil with content', '_x\r\n', 'Bad nil value'],
    ['a boolean other than t or f', '#x\r\n', 'Bad bool value'],
    ['a double that is not a number', ',abc\r\n', 'Bad double value'],
    ['an empty double', ',\r\n', 'Bad double value'],
    ['a double line of 326 bytes', `,${'1'.repeat(326)}\r\n`, 'Double value is too large'],
    ['a big number with a letter', '(12a\r\n', 'Bad bignum value'],
    ['a verbatim string without its format', '=3\r\ntxt\r\n', 'Verbatim string 4 bytes of content type are missing or incorrectly encoded.'],
    ['a verbatim string without the colon', '=5\r\ntxtxy\r\n', 'Verbatim string 4 bytes of content type are missing or incorrectly encoded.'],
    ['a simple string holding an LF', '+a\nb\r\n', 'Bad simple string value'],
    ['a dot line outside a streamed aggregate', '.\r\n', 'Protocol error, got "." as reply type byte'],
    ['a dot line inside a counted aggregate', '*2\r\n:1\r\n.\r\n', 'Protocol error, got "." as reply type byte'],
    ['a string part outside a streamed string', ';3\r\nabc\r\n', 'Protocol error, got ";" as reply type byte'],
    ['a streamed string interrupted by another type', '$?\r\n+x\r\n', "Protocol error, expected ';' in a streamed string"],
    ['a dot line with content', '*?\r\n.x\r\n', 'Bad streamed aggregate end'],
    ['a streamed map ending after a key', '%?\r\n:1\r\n.\r\n', 'Bad streamed aggregate end'],
    ['a streamed push (only *, % and ~ stream)', '>?\r\n', 'Bad multi-bulk length'],
    ['a reply cut off by the end of the stream', '*2\r\n$5\r\nab', 'Protocol error, connection closed in the middle of a reply'],
    ['a line cut off by the end of the stream', '+OK\r', 'Protocol error, connection closed in the middle of a reply'],
  ])('%s', async (_name, bytes, message) => {
    expect(await errorOf(bytes)).toBe(message);
  });

  test('after a fatal error every later call rejects with the same error', async () => {
    const parser = parserOf(['+OK\r\n:x\r\n+more\r\n']);
    expect(await parser.readReply()).toEqual(simple('OK'));
    const first = await parser.readReply().catch((err: unknown) => err);
    expect(first).toMatchObject({ name: 'ProtocolError', fatal: true, message: 'Bad integer value' });
    await expect(parser.readFrame()).rejects.toBe(first);
    await expect(parser.readReply()).rejects.toBe(first);
  });

  test("the stream's own error rejects the read", async () => {
    const stream = new PassThrough();
    const parser = new ReplyParser(stream);
    const read = parser.readReply();
    stream.destroy(new Error('connection reset'));
    await expect(read).rejects.toThrow('connection reset');
  });

  test('garbage is refused at its first byte, without waiting for a line end', async () => {
    const stream = new PassThrough();
    const parser = new ReplyParser(stream);
    stream.write('HTTP/1.1 400 Bad Request'); // no CRLF, and the stream stays open
    await expect(parser.readReply()).rejects.toThrow('Protocol error, got "H" as reply type byte');
  });
});

describe('limits', () => {
  test('a bulk longer than maxBulkLength is refused from its header', async () => {
    expect(await errorOf('$11\r\n', { maxBulkLength: 10 })).toBe('Bulk string length out of range');
    expect(await repliesOf('$10\r\n0123456789\r\n', { maxBulkLength: 10 })).toEqual([bulk('0123456789')]);
  });

  test('a streamed string counts its parts together against maxBulkLength', async () => {
    expect(await errorOf('$?\r\n;6\r\nabcdef\r\n;5\r\n', { maxBulkLength: 10 })).toBe('Bulk string length out of range');
  });

  test('the default bulk limit is 512 MiB, as Redis proto-max-bulk-len', async () => {
    expect(await errorOf(`$${512 * 1024 * 1024 + 1}\r\n`)).toBe('Bulk string length out of range');
  });

  test('an aggregate longer than maxAggregateLength is refused from its header', async () => {
    expect(await errorOf('*3\r\n', { maxAggregateLength: 2 })).toBe('Multi-bulk length out of range');
    expect(await errorOf('%2\r\n', { maxAggregateLength: 1 })).toBe('Multi-bulk length out of range');
    expect(await errorOf(`*${2 ** 32}\r\n`)).toBe('Multi-bulk length out of range');
  });

  test('a streamed aggregate is held to maxAggregateLength by the elements it sends', async () => {
    expect(await repliesOf('*?\r\n:1\r\n:2\r\n.\r\n', { maxAggregateLength: 2 })).toHaveLength(1);
    expect(await errorOf('*?\r\n:1\r\n:2\r\n:3\r\n', { maxAggregateLength: 2 })).toBe('Multi-bulk length out of range');
    expect(await repliesOf('%?\r\n:1\r\n:2\r\n.\r\n', { maxAggregateLength: 1 })).toHaveLength(1);
    expect(await errorOf('%?\r\n:1\r\n:2\r\n:3\r\n', { maxAggregateLength: 1 })).toBe('Multi-bulk length out of range');
  });

  test('nesting deeper than maxDepth (default 1024, as hiredis) is refused', async () => {
    expect(await errorOf('*1\r\n'.repeat(1025) + ':1\r\n')).toBe('Max nesting depth exceeded');
    const [reply] = await repliesOf('*1\r\n'.repeat(1024) + ':1\r\n');
    let depth = 0;
    for (let r = reply; r.type === 'array'; r = r.value[0]) depth++;
    expect(depth).toBe(1024);
  });

  test('an empty aggregate counts as a level of nesting too, as in hiredis', async () => {
    expect(await errorOf('*1\r\n*0\r\n', { maxDepth: 1 })).toBe('Max nesting depth exceeded');
    expect(await repliesOf('*1\r\n*0\r\n', { maxDepth: 2 })).toEqual([{ type: 'array', value: [{ type: 'array', value: [] }] }]);
  });

  test('a reply nested 100,000 deep decodes without overflowing the stack when the limit allows it', async () => {
    const [reply] = await repliesOf('*1\r\n'.repeat(100_000) + ':1\r\n', { maxDepth: 100_000 });
    let depth = 0;
    let r = reply;
    for (; r.type === 'array'; r = r.value[0]) depth++;
    expect([depth, r]).toEqual([100_000, int(1)]);
  });

  test('a huge declared bulk allocates only what arrives', async () => {
    const stream = new PassThrough();
    const parser = new ReplyParser(stream);
    const read = parser.readReply().catch((err: Error) => err.message);
    const before = process.memoryUsage().arrayBuffers;
    stream.write(`$${500 * 1024 * 1024}\r\n`);
    for (let i = 0; i < 16; i++) stream.write(Buffer.alloc(64 * 1024, 0x61));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const grown = process.memoryUsage().arrayBuffers - before;
    stream.end();
    expect(await read).toBe('Protocol error, connection closed in the middle of a reply');
    expect(grown).toBeLessThan(16 * 1024 * 1024); // 1 MiB arrived; 500 MiB were announced
  });

  test('a 1 MiB bulk trickling in 1 KiB at a time is stitched with a few geometric allocations, not one per chunk', async () => {
    const stream = new PassThrough();
    const parser = new ReplyParser(stream);
    const spy = vi.spyOn(Buffer, 'allocUnsafeSlow');
    try {
      const read = parser.readReply();
      stream.write('$1048576\r\n');
      const piece = Buffer.alloc(1024, 0x62);
      for (let i = 0; i < 1024; i++) {
        stream.write(piece);
        if (i % 64 === 0) await new Promise(setImmediate); // let the parser take chunks one by one
      }
      stream.end('\r\n');
      const reply = await read;
      expect(reply).toMatchObject({ type: 'bulk' });
      expect((reply as { value: Buffer }).value.equals(Buffer.alloc(1024 * 1024, 0x62))).toBe(true);
      expect(spy.mock.calls.length).toBeLessThanOrEqual(12);
    } finally {
      spy.mockRestore();
    }
  });

  test('limits must be non-negative safe integers', () => {
    expect(() => new ReplyParser(new PassThrough(), { maxDepth: -1 })).toThrow(TypeError);
  });
});
