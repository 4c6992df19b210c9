export { Parser } from './parser.js';
export { Command } from './command.js';
export { Writer, type WriterOptions, type ReplyValue } from './writer.js';
export { ProtocolError, ErrorCode, type ProtocolErrorCode, type ProtocolErrorOptions } from './errors.js';
export { DEFAULT_LIMITS, type Limits, type ParserOptions } from './limits.js';
export { ReplyParser } from './reply-parser.js';
export { type Reply, type ReplyType } from './reply.js';
export { DEFAULT_REPLY_LIMITS, type ReplyLimits, type ReplyParserOptions } from './limits.js';
