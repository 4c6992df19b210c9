/**
 * The failure a {@link Parser} reports for bytes that are not valid RESP requests.
 *
 * `message` is Redis's own wording (Redis 7, `src/networking.c`), so
 * `writer.writeError('ERR ' + err.message)` sends the reply Redis would send.
 *
 * - `fatal: true` — the framing is lost; reply, then close the connection.
 *   Every later `readCommand()` rejects with the same error.
 * - `fatal: false` — the parser skipped exactly the offending request (its end
 *   was known, as for an inline line with unbalanced quotes) and can go on.
 */
export class ProtocolError extends Error {
  readonly fatal: boolean;

  constructor(message: string, fatal = true) {
    super(message);
    this.name = 'ProtocolError';
    this.fatal = fatal;
  }
}

/** Builders for every message the parser can produce, in one place so they stay Redis's wording. */
export const Errors = {
  invalidMultibulkLength: () => new ProtocolError('Protocol error: invalid multibulk length'),
  invalidBulkLength: () => new ProtocolError('Protocol error: invalid bulk length'),
  // Redis turns CR and LF in an error reply into spaces (addReplyErrorFormat), so a CR or LF here reads as ' '.
  expectedDollar: (byte: number) =>
    new ProtocolError(`Protocol error: expected '$', got '${byte === 0x0d || byte === 0x0a ? ' ' : String.fromCharCode(byte)}'`),
  unbalancedQuotes: () => new ProtocolError('Protocol error: unbalanced quotes in request', false),
  // Redis looks for the end of an inline line with strchr, which stops at a NUL byte,
  // so it never answers such a line; we say so at once.
  nulInline: () => new ProtocolError('Protocol error: NUL byte in inline request'),
  tooBigInline: () => new ProtocolError('Protocol error: too big inline request'),
  tooBigMbulkCount: () => new ProtocolError('Protocol error: too big mbulk count string'),
  tooBigBulkCount: () => new ProtocolError('Protocol error: too big bulk count string'),
  // Redis skips the two bytes after a length line or bulk data without looking at them; we check.
  missingCrlf: (after: string) => new ProtocolError(`Protocol error: expected CRLF after ${after}`),
  // Redis logs these words and closes the client without a reply (networking.c, client-query-buffer-limit).
  queryBufferLimit: () => new ProtocolError('closing client that reached max query buffer length'),
  // Redis has no reply here (it just drops a half-sent request when the peer closes).
  truncated: () => new ProtocolError('Protocol error: connection closed in the middle of a request'),
} as const;

/**
 * Builders for every message a {@link ReplyParser} can produce: hiredis's
 * wording (deps/hiredis/read.c, the reader of Redis's own redis-cli) wherever
 * hiredis has a message; the others say plainly what is wrong.
 */
export const ReplyErrors = {
  badTypeByte: (byte: number) => new ProtocolError(`Protocol error, got ${describeByte(byte)} as reply type byte`),
  badInteger: () => new ProtocolError('Bad integer value'),
  badDouble: () => new ProtocolError('Bad double value'),
  doubleTooLarge: () => new ProtocolError('Double value is too large'),
  badNil: () => new ProtocolError('Bad nil value'),
  badBool: () => new ProtocolError('Bad bool value'),
  badBignum: () => new ProtocolError('Bad bignum value'),
  badSimpleString: () => new ProtocolError('Bad simple string value'),
  badBulkLength: () => new ProtocolError('Bad bulk string length'),
  bulkLengthOutOfRange: () => new ProtocolError('Bulk string length out of range'),
  badVerbatim: () =>
    new ProtocolError('Verbatim string 4 bytes of content type are missing or incorrectly encoded.'),
  badMultiBulkLength: () => new ProtocolError('Bad multi-bulk length'),
  multiBulkLengthOutOfRange: () => new ProtocolError('Multi-bulk length out of range'),
  maxDepth: () => new ProtocolError('Max nesting depth exceeded'),
  // hiredis has no limit on simple lines, and no streamed types; it does not check CRLF after bulk data.
  simpleStringTooLong: () => new ProtocolError('Simple string length out of range'),
  badStreamedChunk: () => new ProtocolError("Protocol error, expected ';' in a streamed string"),
  badStreamEnd: () => new ProtocolError('Bad streamed aggregate end'),
  missingCrlf: () => new ProtocolError('Protocol error, expected CRLF after bulk data'),
  truncated: () => new ProtocolError('Protocol error, connection closed in the middle of a reply'),
  // hiredis has no limit on a whole reply.
  replyTooBig: () => new ProtocolError('Protocol error, reply larger than maxReplyBytes'),
} as const;

/** A byte as hiredis's `chrtos` quotes it: `"x"`, `"\n"`, `"\x00"`. */
function describeByte(byte: number): string {
  const escapes: Record<number, string> = { 0x5c: '\\\\', 0x22: '\\"', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x07: '\\a', 0x08: '\\b' };
  const text = escapes[byte] ?? (byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`);
  return `"${text}"`;
}
