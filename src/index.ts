export { Parser } from './parser.js';
export { Command } from './command.js';
export { Writer, type WriterOptions, type ReplyValue } from './writer.js';
export { ProtocolError } from './errors.js';
export { DEFAULT_LIMITS, type Limits, type ParserOptions } from './limits.js';
