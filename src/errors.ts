// ProtocolError, its codes, and the builders of every error the Parser and the ReplyParser raise.

/**
 * Every {@link ProtocolError.code}, by name: `err.code === ErrorCode.INVALID_BULK_LENGTH`.
 * Codes are stable across versions; messages may be reworded to follow Redis.
 *
 * Request errors (from a {@link Parser}) have plain names; reply errors (from a
 * {@link ReplyParser}) start with `REPLY_`.
 */
export const ErrorCode = {
  /** `*` followed by something that is not a count Redis accepts. */
  INVALID_MULTIBULK_LENGTH: 'INVALID_MULTIBULK_LENGTH',
  /** `$` followed by something that is not a length Redis accepts, or a length over the limit. */
  INVALID_BULK_LENGTH: 'INVALID_BULK_LENGTH',
  /** An argument of a multibulk request that does not start with `$`. */
  EXPECTED_DOLLAR: 'EXPECTED_DOLLAR',
  /** An inline request with an unclosed quote, or a closing quote not followed by a space. Not fatal. */
  UNBALANCED_QUOTES: 'UNBALANCED_QUOTES',
  /** An inline request holding a NUL byte (Redis never answers such a line). */
  NUL_IN_INLINE: 'NUL_IN_INLINE',
  /** An inline request longer than the limit. */
  TOO_BIG_INLINE: 'TOO_BIG_INLINE',
  /** A `*` count line longer than the limit. */
  TOO_BIG_MBULK_COUNT: 'TOO_BIG_MBULK_COUNT',
  /** A `$` length line longer than the limit. */
  TOO_BIG_BULK_COUNT: 'TOO_BIG_BULK_COUNT',
  /** A length line or bulk data not followed by CRLF (Redis does not check). */
  MISSING_CRLF: 'MISSING_CRLF',
  /** One unfinished request holds more than the query-buffer limit. */
  QUERY_BUFFER_LIMIT: 'QUERY_BUFFER_LIMIT',
  /** The stream ended in the middle of a request. */
  TRUNCATED_REQUEST: 'TRUNCATED_REQUEST',

  REPLY_BAD_TYPE_BYTE: 'REPLY_BAD_TYPE_BYTE',
  REPLY_BAD_INTEGER: 'REPLY_BAD_INTEGER',
  REPLY_BAD_DOUBLE: 'REPLY_BAD_DOUBLE',
  REPLY_DOUBLE_TOO_LARGE: 'REPLY_DOUBLE_TOO_LARGE',
  REPLY_BAD_NIL: 'REPLY_BAD_NIL',
  REPLY_BAD_BOOL: 'REPLY_BAD_BOOL',
  REPLY_BAD_BIGNUM: 'REPLY_BAD_BIGNUM',
  REPLY_BAD_SIMPLE_STRING: 'REPLY_BAD_SIMPLE_STRING',
  REPLY_BAD_BULK_LENGTH: 'REPLY_BAD_BULK_LENGTH',
  REPLY_BULK_LENGTH_OUT_OF_RANGE: 'REPLY_BULK_LENGTH_OUT_OF_RANGE',
  REPLY_BAD_VERBATIM: 'REPLY_BAD_VERBATIM',
  REPLY_BAD_MULTIBULK_LENGTH: 'REPLY_BAD_MULTIBULK_LENGTH',
  REPLY_MULTIBULK_LENGTH_OUT_OF_RANGE: 'REPLY_MULTIBULK_LENGTH_OUT_OF_RANGE',
  REPLY_MAX_DEPTH: 'REPLY_MAX_DEPTH',
  REPLY_SIMPLE_STRING_TOO_LONG: 'REPLY_SIMPLE_STRING_TOO_LONG',
  REPLY_BAD_STREAMED_CHUNK: 'REPLY_BAD_STREAMED_CHUNK',
  REPLY_BAD_STREAM_END: 'REPLY_BAD_STREAM_END',
  REPLY_MISSING_CRLF: 'REPLY_MISSING_CRLF',
  REPLY_TRUNCATED: 'REPLY_TRUNCATED',
  /** One reply larger than the ReplyParser's `maxReplyBytes`. */
  REPLY_TOO_BIG: 'REPLY_TOO_BIG',
} as const;

/** One of the {@link ErrorCode} strings: what {@link ProtocolError.code} holds. */
export type ProtocolErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** What a {@link ProtocolError} is built from, besides its message. */
export interface ProtocolErrorOptions {
  /** The kind of failure. */
  code: ProtocolErrorCode;
  /** The error line to send, without `-` and CRLF; a string is UTF-8 encoded, as `writeError` encodes it. `null`: send nothing. */
  reply: Uint8Array | string | null;
  /** Whether the framing is lost (default true). */
  fatal?: boolean;
}

/**
 * The failure a {@link Parser} reports for bytes that are not valid RESP
 * requests, and a {@link ReplyParser} for bytes that are not valid replies.
 *
 * - `code` says which failure it is, for a program to branch on
 *   ({@link ErrorCode}); `message` says it in words (Redis's own for
 *   requests, hiredis's for replies where hiredis has some).
 * - `reply` is the error line Redis 7 sends for that request, without the
 *   leading `-` and the CRLF, so a server answers as Redis does with
 *   `if (err.reply !== null) writer.writeError(err.reply)`. It is `null` where
 *   Redis sends nothing: a request cut off by the end of the stream (the peer
 *   has gone), the query-buffer limit (Redis closes at once), and every
 *   ReplyParser error (a reply has nobody to answer). Where redisproto is
 *   stricter than Redis (CRLF checked, a NUL byte in a line) Redis has no
 *   error of its own; `reply` is then a line in Redis's form saying what was
 *   wrong.
 *
 *   `reply` is bytes (a Buffer), not a string, because Redis echoes the
 *   client's raw byte in `expected '$', got '<byte>'`: a byte of 0x80 or more
 *   is one byte in Redis's reply, and would become two if it went through a
 *   JavaScript string and UTF-8.
 * - `fatal: true`: the framing is lost; reply, then close the connection.
 *   Every later `readCommand()` rejects with the same error.
 *   `fatal: false`: the parser skipped exactly the offending request (its end
 *   was known, as for an inline line with unbalanced quotes) and can go on.
 */
export class ProtocolError extends Error {
  readonly code: ProtocolErrorCode;
  readonly reply: Buffer | null;
  readonly fatal: boolean;

  constructor(message: string, options: ProtocolErrorOptions) {
    super(message);
    this.name = 'ProtocolError';
    this.code = options.code;
    const reply = options.reply;
    this.reply = reply === null ? null : typeof reply === 'string' ? Buffer.from(reply, 'utf8') : Buffer.from(reply);
    this.fatal = options.fatal ?? true;
  }
}

/**
 * A request error whose reply is Redis's: `ERR ` and the message, one byte
 * per char (a message holds a client's raw byte as the char of that code).
 */
function requestError(code: ProtocolErrorCode, message: string, fatal = true): ProtocolError {
  return new ProtocolError(message, { code, reply: Buffer.from('ERR ' + message, 'latin1'), fatal });
}

/** Builders for every error the parser can raise, in one place so they stay Redis's wording. */
export const Errors = {
  invalidMultibulkLength: () => requestError(ErrorCode.INVALID_MULTIBULK_LENGTH, 'Protocol error: invalid multibulk length'),
  invalidBulkLength: () => requestError(ErrorCode.INVALID_BULK_LENGTH, 'Protocol error: invalid bulk length'),
  // Redis turns CR and LF in an error reply into spaces (addReplyErrorFormat);
  // any other byte it echoes raw, so the message (and the Latin-1 reply) hold the byte itself.
  expectedDollar: (byte: number) =>
    requestError(
      ErrorCode.EXPECTED_DOLLAR,
      `Protocol error: expected '$', got '${byte === 0x0d || byte === 0x0a ? ' ' : String.fromCharCode(byte)}'`,
    ),
  unbalancedQuotes: () => requestError(ErrorCode.UNBALANCED_QUOTES, 'Protocol error: unbalanced quotes in request', false),
  // Redis looks for the end of an inline line with strchr, which stops at a NUL byte,
  // so it never answers such a line; we say so at once.
  nulInline: () => requestError(ErrorCode.NUL_IN_INLINE, 'Protocol error: NUL byte in inline request'),
  tooBigInline: () => requestError(ErrorCode.TOO_BIG_INLINE, 'Protocol error: too big inline request'),
  tooBigMbulkCount: () => requestError(ErrorCode.TOO_BIG_MBULK_COUNT, 'Protocol error: too big mbulk count string'),
  tooBigBulkCount: () => requestError(ErrorCode.TOO_BIG_BULK_COUNT, 'Protocol error: too big bulk count string'),
  // Redis skips the two bytes after a length line or bulk data without looking at them; we check.
  missingCrlf: (after: string) => requestError(ErrorCode.MISSING_CRLF, `Protocol error: expected CRLF after ${after}`),
  // Redis logs these words and closes the client without a reply (networking.c, client-query-buffer-limit).
  queryBufferLimit: () =>
    new ProtocolError('closing client that reached max query buffer length', { code: ErrorCode.QUERY_BUFFER_LIMIT, reply: null }),
  // Redis has no reply here: the peer has closed, and Redis drops its half-sent request.
  truncated: () =>
    new ProtocolError('Protocol error: connection closed in the middle of a request', { code: ErrorCode.TRUNCATED_REQUEST, reply: null }),
} as const;

/** A reply error: a client has no one to answer, so its reply is null. */
function replyError(code: ProtocolErrorCode, message: string): ProtocolError {
  return new ProtocolError(message, { code, reply: null });
}

/**
 * Builders for every error a {@link ReplyParser} can raise: hiredis's
 * wording (deps/hiredis/read.c, the reader of Redis's own redis-cli) wherever
 * hiredis has a message; the others say plainly what is wrong. Their
 * `reply` is null: a malformed reply comes from a server, which is not
 * answered.
 */
export const ReplyErrors = {
  badTypeByte: (byte: number) => replyError(ErrorCode.REPLY_BAD_TYPE_BYTE, `Protocol error, got ${describeByte(byte)} as reply type byte`),
  badInteger: () => replyError(ErrorCode.REPLY_BAD_INTEGER, 'Bad integer value'),
  badDouble: () => replyError(ErrorCode.REPLY_BAD_DOUBLE, 'Bad double value'),
  doubleTooLarge: () => replyError(ErrorCode.REPLY_DOUBLE_TOO_LARGE, 'Double value is too large'),
  badNil: () => replyError(ErrorCode.REPLY_BAD_NIL, 'Bad nil value'),
  badBool: () => replyError(ErrorCode.REPLY_BAD_BOOL, 'Bad bool value'),
  badBignum: () => replyError(ErrorCode.REPLY_BAD_BIGNUM, 'Bad bignum value'),
  badSimpleString: () => replyError(ErrorCode.REPLY_BAD_SIMPLE_STRING, 'Bad simple string value'),
  badBulkLength: () => replyError(ErrorCode.REPLY_BAD_BULK_LENGTH, 'Bad bulk string length'),
  bulkLengthOutOfRange: () => replyError(ErrorCode.REPLY_BULK_LENGTH_OUT_OF_RANGE, 'Bulk string length out of range'),
  badVerbatim: () =>
    replyError(ErrorCode.REPLY_BAD_VERBATIM, 'Verbatim string 4 bytes of content type are missing or incorrectly encoded.'),
  badMultiBulkLength: () => replyError(ErrorCode.REPLY_BAD_MULTIBULK_LENGTH, 'Bad multi-bulk length'),
  multiBulkLengthOutOfRange: () => replyError(ErrorCode.REPLY_MULTIBULK_LENGTH_OUT_OF_RANGE, 'Multi-bulk length out of range'),
  maxDepth: () => replyError(ErrorCode.REPLY_MAX_DEPTH, 'Max nesting depth exceeded'),
  // hiredis has no limit on simple lines, and no streamed types; it does not check CRLF after bulk data.
  simpleStringTooLong: () => replyError(ErrorCode.REPLY_SIMPLE_STRING_TOO_LONG, 'Simple string length out of range'),
  badStreamedChunk: () => replyError(ErrorCode.REPLY_BAD_STREAMED_CHUNK, "Protocol error, expected ';' in a streamed string"),
  badStreamEnd: () => replyError(ErrorCode.REPLY_BAD_STREAM_END, 'Bad streamed aggregate end'),
  missingCrlf: () => replyError(ErrorCode.REPLY_MISSING_CRLF, 'Protocol error, expected CRLF after bulk data'),
  truncated: () => replyError(ErrorCode.REPLY_TRUNCATED, 'Protocol error, connection closed in the middle of a reply'),
  // hiredis has no limit on a whole reply.
  replyTooBig: () => replyError(ErrorCode.REPLY_TOO_BIG, 'Protocol error, reply larger than maxReplyBytes'),
} as const;

/** A byte as hiredis's `chrtos` quotes it: `"x"`, `"\n"`, `"\x00"`. */
function describeByte(byte: number): string {
  const escapes: Record<number, string> = { 0x5c: '\\\\', 0x22: '\\"', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x07: '\\a', 0x08: '\\b' };
  const text = escapes[byte] ?? (byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`);
  return `"${text}"`;
}
