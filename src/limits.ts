/**
 * Limits the parser enforces. The defaults are Redis 7's own, so a server
 * built on redisproto accepts and rejects what Redis does.
 */
export interface Limits {
  /** Largest bulk argument in bytes (Redis `proto-max-bulk-len`). Default 512 MiB. */
  maxBulkLength: number;
  /** Largest argument count of one multibulk request (Redis: `INT_MAX`). Default 2^31-1. */
  maxArgs: number;
  /**
   * Longest inline line, and longest `*<count>` / `$<length>` line, in bytes
   * (Redis `PROTO_INLINE_MAX_SIZE`). Default 64 KiB.
   */
  maxInlineLength: number;
  /**
   * Most bytes the parser may hold for one request it has not yet received in
   * full (Redis `client-query-buffer-limit`). Default 1 GiB. A request that
   * outgrows it fails with a fatal `ProtocolError` whose message is
   * `closing client that reached max query buffer length`, the words Redis
   * logs when it drops such a client (Redis sends no reply; close the
   * connection). Complete requests never count against it, however many
   * arrive in one chunk.
   */
  maxQueryBuffer: number;
}

/** Options of a {@link Parser}: any subset of {@link Limits}. */
export type ParserOptions = Partial<Limits>;

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxBulkLength: 512 * 1024 * 1024,
  maxArgs: 2 ** 31 - 1,
  maxInlineLength: 64 * 1024,
  maxQueryBuffer: 1024 * 1024 * 1024,
});

export function resolveLimits(options: ParserOptions = {}): Limits {
  return resolveAgainst(DEFAULT_LIMITS, options);
}

/**
 * Limits a {@link ReplyParser} enforces. The defaults are those of hiredis,
 * the reader inside Redis's own redis-cli, and Redis's bulk limit.
 */
export interface ReplyLimits {
  /**
   * Largest bulk string, bulk error or verbatim string (a streamed string
   * counts in total), and longest simple string, error or big number line,
   * in bytes (Redis `proto-max-bulk-len`). Default 512 MiB.
   */
  maxBulkLength: number;
  /** Largest element count of one aggregate (hiredis: 2^32-1). */
  maxAggregateLength: number;
  /** Deepest nesting of aggregates in one reply (hiredis: 1024). */
  maxDepth: number;
  /**
   * Most a single reply may cost, in bytes: its bytes (an attribute's
   * included) plus 64 per element, about what decoding one costs. A reply
   * that passes it, complete or not, fails with a fatal `ProtocolError`
   * (`Protocol error, reply larger than maxReplyBytes`) as soon as what has
   * arrived of it, or the length of a string it announces, says so. hiredis
   * has no such limit; without one a reply that never ends grows without
   * bound. Default 1 GiB (a 512 MiB string fits, as does a reply of
   * 16 million small elements).
   */
  maxReplyBytes: number;
}

/** Options of a {@link ReplyParser}: any subset of {@link ReplyLimits}. */
export type ReplyParserOptions = Partial<ReplyLimits>;

export const DEFAULT_REPLY_LIMITS: Readonly<ReplyLimits> = Object.freeze({
  maxBulkLength: 512 * 1024 * 1024,
  maxAggregateLength: 2 ** 32 - 1,
  maxDepth: 1024,
  maxReplyBytes: 1024 * 1024 * 1024,
});

export function resolveReplyLimits(options: ReplyParserOptions = {}): ReplyLimits {
  return resolveAgainst(DEFAULT_REPLY_LIMITS, options);
}

/** The defaults with every option given replaced, each checked to be a non-negative safe integer. */
function resolveAgainst<T extends object>(defaults: Readonly<T>, options: Partial<T>): T {
  const limits = { ...defaults } as T;
  for (const key of Object.keys(defaults) as (keyof T & string)[]) {
    const value = options[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || (value as number) < 0) {
      throw new TypeError(`redisproto: option ${key} must be a non-negative safe integer, got ${String(value)}`);
    }
    limits[key] = value as T[keyof T & string];
  }
  return limits;
}
