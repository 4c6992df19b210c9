/**
 * The bytes RESP is framed with, named once for both directions: the line
 * terminator, the request markers, and every RESP2/RESP3 reply type byte.
 */

export const CR = 0x0d;
export const LF = 0x0a;
export const ZERO = 0x30;
export const NINE = 0x39;
export const MINUS = 0x2d;
export const QUESTION = 0x3f;

/** `*` a multibulk request or an array. */
export const STAR = 0x2a;
/** `$` a bulk string. */
export const DOLLAR = 0x24;
/** `+` a simple string. */
export const PLUS = 0x2b;
/** `-` an error (MINUS is the same byte). */
export const ERROR = MINUS;
/** `:` an integer. */
export const COLON = 0x3a;
/** `,` a double. */
export const COMMA = 0x2c;
/** `_` the RESP3 null. */
export const UNDERSCORE = 0x5f;
/** `#` a boolean. */
export const HASH = 0x23;
/** `(` a big number. */
export const LPAREN = 0x28;
/** `!` a bulk error. */
export const BANG = 0x21;
/** `=` a verbatim string. */
export const EQUALS = 0x3d;
/** `%` a map. */
export const PERCENT = 0x25;
/** `~` a set. */
export const TILDE = 0x7e;
/** `>` a push. */
export const GREATER = 0x3e;
/** `|` an attribute. */
export const PIPE = 0x7c;
/** `;` a part of a streamed string. */
export const SEMICOLON = 0x3b;
/** `.` the end of a streamed aggregate. */
export const DOT = 0x2e;

/** What a reply type byte introduces. */
export const LINE = 1, BLOB = 2, AGGREGATE = 3, STREAM_PART = 4, STREAM_END = 5;

/** The kind of each reply type byte (0: not a type byte), one table read per reply. */
export const KIND = new Uint8Array(256);
for (const c of [PLUS, ERROR, COLON, COMMA, UNDERSCORE, HASH, LPAREN]) KIND[c] = LINE;
for (const c of [DOLLAR, BANG, EQUALS]) KIND[c] = BLOB;
for (const c of [STAR, PERCENT, TILDE, PIPE, GREATER]) KIND[c] = AGGREGATE;
KIND[SEMICOLON] = STREAM_PART;
KIND[DOT] = STREAM_END;
