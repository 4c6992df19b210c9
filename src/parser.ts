/**
 * Parser: Redis requests read from a Node stream, on demand; a
 * {@link RequestDecoder} driven by a {@link StreamAdapter}.
 */
import type { Readable } from 'node:stream';
import type { Command } from './command.js';
import type { ParserOptions } from './limits.js';
import { RequestDecoder } from './request-decoder.js';
import { StreamAdapter, type Take } from './stream-adapter.js';

const takeCommand: Take<RequestDecoder, Command> = (decoder) => decoder.next();

/**
 * Reads Redis requests from a stream, one at a time, on demand.
 *
 * Both request forms are understood, mixed and pipelined: multibulk
 * (`*<n>\r\n$<len>\r\n<bytes>\r\n…`, what clients send) and inline (a line of
 * words, what a person types into telnet). Results do not depend on how the
 * bytes are split into chunks.
 *
 * Input is taken as the stream delivers it, but once a chunk arrives that
 * nobody has asked for yet, the parser pauses the stream until the next call:
 * a server that stops asking stops reading after at most one chunk, and the
 * stream's own backpressure holds the client back.
 *
 * The parser listens for the stream's `'error'`: an I/O failure rejects the
 * pending or next `readCommand()` with that error instead of being thrown.
 *
 * @example
 * ```ts
 * const parser = new Parser(socket);
 * const writer = new Writer(socket);
 * for await (const cmd of parser) {
 *   if (cmd.name() === 'ping') writer.writeSimpleString('PONG');
 *   if (cmd.isLast()) await writer.flush();
 * }
 * ```
 *
 * A busy server takes buffered commands without a promise each (see
 * {@link Parser.tryReadCommand}):
 * ```ts
 * for (let cmd; (cmd = parser.tryReadCommand() ?? (await parser.readCommand())) !== null; ) {
 *   // …
 * }
 * ```
 */
export class Parser implements AsyncIterable<Command> {
  private readonly decoder: RequestDecoder;
  private readonly adapter: StreamAdapter<RequestDecoder>;

  constructor(stream: Readable, options?: ParserOptions) {
    this.decoder = new RequestDecoder(options);
    this.adapter = new StreamAdapter(stream, this.decoder);
  }

  /**
   * The next command; `null` at a clean end of the stream.
   *
   * Rejects with a {@link ProtocolError} for malformed input (a request cut
   * off by the end of the stream is a fatal one), or with the stream's own
   * error on I/O failure. After a fatal error every later call rejects with
   * the same error; after a recoverable one the next call goes on.
   *
   * A call pending when the stream goes away always settles:
   * - the peer closes, or the stream is destroyed without an error: `null`
   *   (a fatal `ProtocolError` instead if a request was half received);
   * - the stream fails (a reset gives `ECONNRESET`, `destroy(err)` gives
   *   `err`): rejects with that error.
   *
   * Each call costs a promise even when the command is already buffered; a
   * server loop that takes buffered commands with {@link Parser.tryReadCommand}
   * first pays for one only when it really has to wait.
   */
  readCommand(): Promise<Command | null> {
    return this.adapter.read(takeCommand);
  }

  /**
   * The next command if it is already buffered, without waiting; `undefined`
   * when it is not (then call {@link Parser.readCommand}, which also reports
   * the end of the stream). Throws what `readCommand()` would reject with.
   *
   * A pipelined burst arrives as many commands in one chunk; taking them
   * synchronously skips a promise and a microtask per command, which is a
   * large share of a small command's cost:
   *
   * ```ts
   * for (;;) {
   *   const cmd = parser.tryReadCommand() ?? (await parser.readCommand());
   *   if (cmd === null) break;
   *   // …
   * }
   * ```
   */
  tryReadCommand(): Command | undefined {
    // Straight to the decoder while the adapter allows it (see ReplyParser#tryReadReply).
    return this.adapter.direct ? this.decoder.next() : this.adapter.tryRead(takeCommand);
  }

  /** Iterates commands until the end of the stream; throws as {@link Parser.readCommand} rejects. */
  [Symbol.asyncIterator](): AsyncIterableIterator<Command> {
    return this.adapter.iterate(takeCommand);
  }
}
