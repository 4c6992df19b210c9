/**
 * One reply as a {@link ReplyParser} decodes it: every RESP2 and RESP3 type,
 * told apart by `type`, so an error is never mistaken for a string nor a map
 * for an array.
 *
 * | bytes | reply |
 * | --- | --- |
 * | `+OK` | `{ type: 'simple', value: 'OK' }` |
 * | `-ERR bad` | `{ type: 'error', value: 'ERR bad' }` |
 * | `:42` | `{ type: 'integer', value: 42 }` (a `bigint` beyond ±2^53-1) |
 * | `$2\r\nhi` | `{ type: 'bulk', value: <Buffer 68 69> }`; a streamed string `$?` … `;0` too |
 * | `$-1`, `*-1`, `_` | `{ type: 'null', origin: '$' \| '*' \| '_' }` |
 * | `*2 …` | `{ type: 'array', value: [a, b] }`; a streamed `*?` … `.` too |
 * | `#t` | `{ type: 'boolean', value: true }` |
 * | `,1.5`, `,inf`, `,nan` | `{ type: 'double', value: 1.5 }` |
 * | `(3492890328409238509324850943850943825024385` | `{ type: 'bigNumber', value: 3492…n }` |
 * | `!21\r\nSYNTAX invalid syntax` | `{ type: 'bulkError', value: 'SYNTAX invalid syntax' }` |
 * | `=15\r\ntxt:Some string` | `{ type: 'verbatim', format: 'txt', value: <Buffer 'Some string'> }` |
 * | `%1 k v` | `{ type: 'map', value: [[k, v]] }` (pairs in the order received) |
 * | `~2 a b` | `{ type: 'set', value: [a, b] }` |
 * | `>2 a b` | `{ type: 'push', value: [a, b] }` |
 * | `\|1 k v` then a reply r | `{ type: 'attribute', value: [[k, v]], reply: r }` |
 *
 * Bulk and verbatim `value`s are zero-copy views of the received bytes, as
 * {@link Command.get} is: keep `Buffer.from(value)` to store one for long.
 */
export type Reply =
  | { type: 'simple'; value: string }
  | { type: 'error'; value: string }
  | { type: 'integer'; value: number | bigint }
  | { type: 'bulk'; value: Buffer }
  | { type: 'null'; origin: '$' | '*' | '_' }
  | { type: 'array'; value: Reply[] }
  | { type: 'boolean'; value: boolean }
  | { type: 'double'; value: number }
  | { type: 'bigNumber'; value: bigint }
  | { type: 'bulkError'; value: string }
  | { type: 'verbatim'; format: string; value: Buffer }
  | { type: 'map'; value: [Reply, Reply][] }
  | { type: 'set'; value: Reply[] }
  | { type: 'push'; value: Reply[] }
  | { type: 'attribute'; value: [Reply, Reply][]; reply: Reply };

/** The `type` of a {@link Reply}. */
export type ReplyType = Reply['type'];

/**
 * Several complete replies as the bytes they arrived in, from
 * {@link ReplyDecoder.nextFrames} or {@link ReplyParser.readFrames}: what a
 * proxy forwards in one write.
 */
export interface Frames {
  /** The replies' raw bytes, back to back: a zero-copy view of the input. */
  bytes: Buffer;
  /** How many replies `bytes` holds (an attribute and the reply it annotates count as one). */
  count: number;
}
