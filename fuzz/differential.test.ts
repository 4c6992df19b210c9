// Property 5, differential: random streams of requests (multibulk and inline,
// binary arguments, occasional corruption) go to a real redis-server and to a
// server built on the toolkit (fuzz/diff-server.ts); the replies and whether
// the connection was closed must be identical, byte for byte.
//
// Where the toolkit is deliberately stricter than Redis (docs/parsing.md,
// "Where redisproto deliberately differs from Redis"), the toolkit may instead stop with a fatal
// ProtocolError at that point: its replies before the error must be the
// start of Redis's, and then either the error is a CRLF check (Redis skips
// those two bytes and goes on), or Redis, having met a NUL byte in a line,
// answers nothing more and keeps waiting.
//
// Each stream is sent in one small write: a server that closes with unread
// input sends a TCP reset, which can swallow the reply before it is read.
import net from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requireBinary, type Started, startRedisServer } from '../test/helpers.js';
import { inlineLine, multibulk, repeat } from './arbitraries.js';
import { check, testTimeout } from './config.js';
import { type DiffServer, startDiffServer } from './diff-server.js';
import { decodeResp2 } from './redis-parser.js';

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

// Keys and values use no letter but q and z, so that however a corrupted
// stream is framed, its bytes never spell a real Redis command.
const PAYLOAD_SPECIAL = [...'0123456789qzQZ*$-+: "\'\\\r\n'].map((c) => c.charCodeAt(0));
const payloadByte = fc.oneof(
  { arbitrary: fc.constantFrom(...PAYLOAD_SPECIAL), weight: 3 },
  { arbitrary: fc.integer({ min: 0, max: 31 }), weight: 1 },
  { arbitrary: fc.integer({ min: 128, max: 255 }), weight: 1 },
);
const payload = (maxLength: number): fc.Arbitrary<Buffer> => fc.array(payloadByte, { maxLength }).map((a) => Buffer.from(a));
const value = fc.oneof({ arbitrary: payload(40), weight: 6 }, { arbitrary: payload(2000), weight: 1 });
const key = payload(6);

/** A command name in random letter case. */
const named = (name: string): fc.Arbitrary<Buffer> =>
  fc.array(fc.boolean(), { minLength: name.length, maxLength: name.length }).map((up) =>
    latin1([...name].map((c, i) => (up[i] ? c.toUpperCase() : c)).join('')),
  );
const withArgs = (name: fc.Arbitrary<Buffer>, args: fc.Arbitrary<Buffer[]>): fc.Arbitrary<Buffer[]> =>
  fc.tuple(name, args).map(([n, a]) => [n, ...a]);
/** Mostly the right number of arguments, sometimes not (Redis's arity errors). */
const arity = (right: fc.Arbitrary<Buffer[]>, wrong: fc.Arbitrary<Buffer[]>): fc.Arbitrary<Buffer[]> =>
  fc.oneof({ arbitrary: right, weight: 4 }, { arbitrary: wrong, weight: 1 });

/** Commands on which Redis and the toolkit server must agree (SET in its three-argument form only). */
const requestWith = (value: fc.Arbitrary<Buffer>): fc.Arbitrary<Buffer[]> => fc.oneof(
  withArgs(named('ping'), fc.array(value, { maxLength: 2 })),
  withArgs(named('echo'), arity(fc.tuple(value).map((a) => a), fc.constantFrom<Buffer[]>([], [latin1('1'), latin1('2')]))),
  withArgs(named('set'), arity(fc.tuple(key, value), fc.array(key, { maxLength: 1 }))),
  withArgs(named('get'), arity(fc.tuple(key).map((a) => a), fc.constantFrom<Buffer[]>([], [latin1('q'), latin1('z')]))),
  withArgs(named('del'), fc.array(key, { maxLength: 3 })),
  withArgs(fc.nat(99).map((n) => latin1(`nosuch${n}`)), fc.array(payload(150), { maxLength: 3 })),
);
const request = requestWith(value);
/** Values up to 70 KiB (a pattern repeated), past Redis's 32 KiB big-argument path. */
const bigValue = fc
  .record({ length: fc.integer({ min: 0, max: 70 * 1024 }), pattern: payload(8).filter((p) => p.length > 0) })
  .map(({ length, pattern }) => repeat(pattern, length));

/** A way to break one request, or the stream, where Redis's handling is known. */
type Fault =
  | { kind: 'count' | 'length'; at: number; text: string }
  | { kind: 'crlfAfterCount' | 'crlfAfterLength' | 'crlfAfterData'; at: number; text: string }
  | { kind: 'dollar'; at: number; byte: number }
  | { kind: 'nulInLength'; at: number; where: number }
  | { kind: 'unbalanced' | 'glued' | 'inlineNul' | 'overwrite' | 'truncate'; at: number; byte: number }
  | { kind: 'garbage'; bytes: Buffer };

const BAD_NUMBERS = ['', 'x', '-1', '-2147483648', '0', '01', '+1', ' 1', '1 ', '1x', '2147483648', '536870913', '9223372036854775808', '99999999999999999999'];
const number = fc.oneof(fc.constantFrom(...BAD_NUMBERS), fc.nat(6).map(String));
const twoBytes = fc.constantFrom('\r\r', '\n\n', 'zz', '\rz', 'z\n', '\n\r', '\0\0');
const fault: fc.Arbitrary<Fault> = fc.oneof(
  fc.record({ kind: fc.constantFrom('count' as const, 'length' as const), at: fc.nat(), text: number }),
  fc.record({ kind: fc.constantFrom('crlfAfterCount' as const, 'crlfAfterLength' as const, 'crlfAfterData' as const), at: fc.nat(), text: twoBytes }),
  fc.record({ kind: fc.constant('dollar' as const), at: fc.nat(), byte: payloadByte }),
  fc.record({ kind: fc.constant('nulInLength' as const), at: fc.nat(), where: fc.nat(3) }),
  fc.record({ kind: fc.constantFrom('unbalanced' as const, 'glued' as const, 'inlineNul' as const, 'overwrite' as const, 'truncate' as const), at: fc.nat(), byte: payloadByte }),
  fc.record({ kind: fc.constant('garbage' as const), bytes: payload(20) }),
);

/** An argument as inline text: plain if it can be, else double-quoted with escapes. */
function inlineArg(arg: Buffer): string {
  if (/^[0-9a-zA-Z]+$/.test(arg.toString('latin1'))) return arg.toString('latin1');
  let out = '"';
  for (const c of arg) {
    out += c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c ? String.fromCharCode(c) : '\\x' + c.toString(16).padStart(2, '0');
  }
  return out + '"';
}

/** One request in its form, with the fault aimed at it (if any) applied. */
function render(args: Buffer[], inline: boolean, f: Fault | undefined): Buffer {
  if (inline) {
    let line = args.map(inlineArg).join(' ');
    if (f?.kind === 'unbalanced') line += ' "q';
    if (f?.kind === 'glued') line += ' "q"z';
    if (f?.kind === 'inlineNul') line = line.slice(0, f.at % (line.length + 1)) + '\0' + line.slice(f.at % (line.length + 1));
    return latin1(line + '\r\n');
  }
  if (f === undefined || !['count', 'length', 'crlfAfterCount', 'crlfAfterLength', 'crlfAfterData', 'dollar', 'nulInLength'].includes(f.kind)) {
    return multibulk(args);
  }
  const target = (f as { at: number }).at % args.length;
  const fits = (kind: string, i: number): boolean => f.kind === kind && i === target;
  const withNul = (line: string, i: number): string =>
    fits('nulInLength', i) ? line.slice(0, 1 + ((f as { where: number }).where % line.length)) + '\0' + line.slice(1 + ((f as { where: number }).where % line.length)) : line;
  const parts: string[] = [];
  const countLine = '*' + (f.kind === 'count' ? f.text : String(args.length));
  parts.push(f.kind === 'nulInLength' && target === 0 && (f.where & 1) === 1 ? withNul(countLine, 0) : countLine);
  parts.push(f.kind === 'crlfAfterCount' ? f.text : '\r\n');
  args.forEach((arg, i) => {
    const dollar = fits('dollar', i) ? String.fromCharCode((f as { byte: number }).byte) : '$';
    const len = fits('length', i) ? (f as { text: string }).text : String(arg.length);
    parts.push(f.kind === 'nulInLength' && !(target === 0 && (f.where & 1) === 1) ? withNul(dollar + len, i) : dollar + len);
    parts.push(fits('crlfAfterLength', i) ? (f as { text: string }).text : '\r\n');
    parts.push(arg.toString('latin1'));
    parts.push(fits('crlfAfterData', i) ? (f as { text: string }).text : '\r\n');
  });
  return latin1(parts.join(''));
}

interface Case {
  stream: Buffer;
  /** Replies a stream without faults must get: one per request. */
  replies: number | null;
}

const smallCase: fc.Arbitrary<Case> = fc
  .record({
    requests: fc.array(
      fc.oneof(
        { arbitrary: fc.record({ args: request, inline: fc.nat(3).map((n) => n === 0) }), weight: 5 },
        // Lines of every quoting rule: mostly unknown commands, whose error reply shows how Redis split them.
        { arbitrary: fc.record({ line: inlineLine }), weight: 1 },
      ),
      { minLength: 1, maxLength: 6 },
    ),
    faults: fc.oneof({ arbitrary: fc.constant([]), weight: 1 }, { arbitrary: fc.array(fault, { minLength: 1, maxLength: 2 }), weight: 2 }),
  })
  .map(({ requests, faults }) => {
    const aimed = new Map<number, Fault>();
    for (const f of faults) if ('at' in f && f.kind !== 'overwrite' && f.kind !== 'truncate') aimed.set(f.at % requests.length, f);
    let stream = Buffer.concat(requests.map((r, i) => ('line' in r ? r.line : render(r.args, r.inline, aimed.get(i)))));
    for (const f of faults) {
      if (f.kind === 'garbage') stream = Buffer.concat([stream, f.bytes]);
      if (f.kind === 'overwrite') (stream = Buffer.from(stream))[f.at % stream.length] = f.byte;
      if (f.kind === 'truncate') stream = stream.subarray(0, f.at % stream.length);
    }
    // A line may be blank (no reply) or fail: only streams of plain requests have a known count.
    return { stream, replies: faults.length === 0 && requests.every((r) => 'args' in r) ? requests.length : null };
  });

/**
 * Large values, as multibulk without faults only: they take several reads,
 * and an inline line of them would pass Redis's line limit in one read and not
 * in another (docs/parsing.md: line limits do not depend on chunking).
 */
const bigCase: fc.Arbitrary<Case> = fc
  .array(requestWith(fc.oneof(value, bigValue)), { minLength: 1, maxLength: 3 })
  .map((requests) => ({ stream: Buffer.concat(requests.map(multibulk)), replies: requests.length }));

const testCase = fc.oneof({ arbitrary: smallCase, weight: 9 }, { arbitrary: bigCase, weight: 1 });

/** One connection: sends a stream in one write, gathers the replies and notices the close. */
class Conversation {
  private readonly socket: net.Socket;
  private readonly chunks: Buffer[] = [];
  private closed = false;
  private lastActivity = Date.now();

  constructor(port: number, stream: Buffer) {
    this.socket = net.connect(port, '127.0.0.1', () => this.socket.write(stream));
    this.socket.on('data', (d: Buffer) => {
      this.chunks.push(d);
      this.lastActivity = Date.now();
    });
    this.socket.on('end', () => (this.closed = true));
    this.socket.on('close', () => (this.closed = true));
    this.socket.on('error', () => (this.closed = true));
  }

  /** Waits until the peer closed, or `replies` replies came, or nothing came for `quietMs`. */
  async settle(quietMs: number, replies: number | null): Promise<void> {
    for (;;) {
      if (this.closed) return;
      if (replies !== null && this.chunks.length > 0 && decodeResp2(this.chunks).length >= replies) return;
      if (Date.now() - this.lastActivity >= quietMs) return;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  outcome(): { reply: string; closed: boolean } {
    return { reply: Buffer.concat(this.chunks).toString('latin1'), closed: this.closed };
  }

  destroy(): void {
    this.socket.destroy();
  }
}

const DELIBERATE = /^-ERR Protocol error: [^\r\n]*\r\n$/;

/** Whether the toolkit's outcome differs from Redis's only where docs/parsing.md says it deliberately does. */
function deliberatelyStricter(redis: { reply: string; closed: boolean }, ours: { reply: string; closed: boolean }, stream: Buffer): boolean {
  if (!ours.closed) return false;
  const at = ours.reply.lastIndexOf('-ERR Protocol error: ');
  if (at < 0 || !DELIBERATE.test(ours.reply.slice(at))) return false;
  const before = ours.reply.slice(0, at);
  if (!redis.reply.startsWith(before)) return false;
  if (ours.reply.slice(at).startsWith('-ERR Protocol error: expected CRLF after ')) return true;
  // A NUL byte in a line: Redis's strchr never finds the line end, so it answers nothing more.
  return stream.includes(0) && redis.reply === before && !redis.closed;
}

/** Sends FLUSHALL on a connection of its own and waits for +OK. */
async function flushAll(port: number): Promise<void> {
  const c = new Conversation(port, multibulk([latin1('FLUSHALL')]));
  await c.settle(5_000, 1);
  c.destroy();
  expect(c.outcome().reply).toBe('+OK\r\n');
}

describe.skipIf(!requireBinary('redis-server'))('differential against redis-server', () => {
  let redis: Started;
  let ours: DiffServer;
  beforeAll(async () => {
    redis = await startRedisServer();
    ours = await startDiffServer();
  });
  afterAll(async () => {
    await redis?.stop();
    await ours?.close();
  });

  test('the toolkit server answers every stream byte for byte as redis-server does', { timeout: testTimeout(60_000) }, async () => {
    // How the cases ended, printed so that a run shows what it exercised.
    const tally = { identical: 0, identicalAndClosed: 0, deliberate: 0 };
    await check(
      'differential',
      fc.asyncProperty(testCase, async ({ stream, replies }) => {
        await flushAll(redis.port);
        ours.reset();
        const a = new Conversation(redis.port, stream);
        const b = new Conversation(ours.port, stream);
        try {
          await Promise.all([a.settle(60, replies), b.settle(60, replies)]);
          let same = JSON.stringify(a.outcome()) === JSON.stringify(b.outcome());
          if (!same && !deliberatelyStricter(a.outcome(), b.outcome(), stream)) {
            // A busy machine may be slow to answer: give both a generous while before judging.
            await Promise.all([a.settle(1_000, null), b.settle(1_000, null)]);
            same = JSON.stringify(a.outcome()) === JSON.stringify(b.outcome());
          }
          if (!same && replies === null && deliberatelyStricter(a.outcome(), b.outcome(), stream)) {
            tally.deliberate++;
            return;
          }
          if (same) tally[a.outcome().closed ? 'identicalAndClosed' : 'identical']++;
          if (!same) {
            // In full, where an assertion's message would be cut short.
            const show = (o: { reply: string; closed: boolean }): string => `${JSON.stringify(o.reply)}${o.closed ? ', then closed' : ', left open'}`;
            throw new Error(`stream ${JSON.stringify(stream.toString('latin1'))}\n  redis-server: ${show(a.outcome())}\n  toolkit:      ${show(b.outcome())}`);
          }
        } finally {
          a.destroy();
          b.destroy();
        }
      }),
      100,
    );
    console.log(`[fuzz] differential: ${tally.identical} identical, ${tally.identicalAndClosed} identical with the connection closed, ${tally.deliberate} where the toolkit is deliberately stricter`);
  });
});
