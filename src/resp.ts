/**
 * The bytes RESP is framed with, named once for both directions: the line
 * terminator, the request markers, and every RESP2/RESP3 reply type byte.
 *
 * They are `const enum`s so that the compiler writes each use as its number:
 * an exported `const` would be read from the module's exports object at
 * every use, a load and a shape check per byte compared, which cost the reply
 * decoder about a quarter of its time on small replies.
 */

export const enum Byte {
  CR = 0x0d,
  LF = 0x0a,
  ZERO = 0x30,
  NINE = 0x39,
  MINUS = 0x2d,
  QUESTION = 0x3f,
  /** `*` a multibulk request or an array. */
  STAR = 0x2a,
  /** `$` a bulk string. */
  DOLLAR = 0x24,
  /** `+` a simple string. */
  PLUS = 0x2b,
  /** `-` an error (MINUS is the same byte). */
  ERROR = MINUS,
  /** `:` an integer. */
  COLON = 0x3a,
  /** `,` a double. */
  COMMA = 0x2c,
  /** `_` the RESP3 null. */
  UNDERSCORE = 0x5f,
  /** `#` a boolean. */
  HASH = 0x23,
  /** `(` a big number. */
  LPAREN = 0x28,
  /** `!` a bulk error. */
  BANG = 0x21,
  /** `=` a verbatim string. */
  EQUALS = 0x3d,
  /** `%` a map. */
  PERCENT = 0x25,
  /** `~` a set. */
  TILDE = 0x7e,
  /** `>` a push. */
  GREATER = 0x3e,
  /** `|` an attribute. */
  PIPE = 0x7c,
  /** `;` a part of a streamed string. */
  SEMICOLON = 0x3b,
  /** `.` the end of a streamed aggregate. */
  DOT = 0x2e,
}

/** What a reply type byte introduces (0 in {@link KIND}: not a type byte). */
export const enum Kind {
  LINE = 1,
  BLOB = 2,
  AGGREGATE = 3,
  STREAM_PART = 4,
  STREAM_END = 5,
}

/** The kind of each reply type byte (0: not a type byte), one table read per reply. */
export const KIND = new Uint8Array(256);
for (const c of [Byte.PLUS, Byte.ERROR, Byte.COLON, Byte.COMMA, Byte.UNDERSCORE, Byte.HASH, Byte.LPAREN]) KIND[c] = Kind.LINE;
for (const c of [Byte.DOLLAR, Byte.BANG, Byte.EQUALS]) KIND[c] = Kind.BLOB;
for (const c of [Byte.STAR, Byte.PERCENT, Byte.TILDE, Byte.PIPE, Byte.GREATER]) KIND[c] = Kind.AGGREGATE;
KIND[Byte.SEMICOLON] = Kind.STREAM_PART;
KIND[Byte.DOT] = Kind.STREAM_END;
