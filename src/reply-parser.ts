/**
 * ReplyParser: Redis replies read from a Node stream, on demand; a
 * {@link ReplyDecoder} driven by a {@link StreamAdapter}.
 */
import type { Readable } from 'node:stream';
import type { ReplyParserOptions } from './limits.js';
import type { Frames, Reply } from './reply.js';
import { ReplyDecoder } from './reply-decoder.js';
import { StreamAdapter, type Take } from './stream-adapter.js';

const takeReply: Take<ReplyDecoder, Reply> = (decoder) => decoder.next();
const takeFrame: Take<ReplyDecoder, Buffer> = (decoder) => decoder.nextFrame();
const takeFrames: Take<ReplyDecoder, Frames> = (decoder, max) => decoder.nextFrames(max);

/**
 * Reads Redis replies from a stream, one at a time, on demand: the client side
 * of the protocol, for proxies and clients built on redisproto.
 *
 * Every RESP2 and RESP3 type is understood, streamed strings (`$?`) and
 * streamed aggregates (`*?` … `.`) included. {@link ReplyParser.readReply}
 * decodes a reply into a {@link Reply}; {@link ReplyParser.readFrame} returns
 * its raw bytes untouched, for forwarding. Both can be mixed.
 *
 * Like {@link Parser}, it pauses the stream once a chunk arrives that nobody
 * has asked for; results do not depend on how the bytes are split into chunks;
 * memory follows the bytes received, not the lengths announced; a reply
 * trickling in costs time linear in its size (scanning resumes where it
 * stopped). Malformed bytes reject with a fatal {@link ProtocolError}; every
 * later call then rejects with the same error. Nesting is bounded by
 * `maxDepth` and both scanning and decoding are iterative, so no reply can
 * overflow the stack.
 *
 * @example
 * ```ts
 * const upstream = net.connect(6379);
 * const replies = new ReplyParser(upstream);
 * const out = new Writer(upstream);
 * out.writeCommand(['GET', 'greeting']);
 * await out.flush();
 * const reply = await replies.readReply(); // { type: 'bulk', value: <Buffer …> }
 * ```
 */
export class ReplyParser implements AsyncIterable<Reply> {
  private readonly decoder: ReplyDecoder;
  private readonly adapter: StreamAdapter<ReplyDecoder>;

  constructor(stream: Readable, options?: ReplyParserOptions) {
    this.decoder = new ReplyDecoder(options);
    this.adapter = new StreamAdapter(stream, this.decoder);
  }

  /**
   * The next reply, decoded; `null` at a clean end of the stream. Rejects with
   * a fatal {@link ProtocolError} for malformed bytes or a reply cut off by the
   * end of the stream, or with the stream's own error. An error reply from the
   * server is a value (`type: 'error'`), not a rejection.
   */
  readReply(): Promise<Reply | null> {
    return this.adapter.read(takeReply);
  }

  /**
   * The raw bytes of exactly the next complete reply (an attribute together
   * with the reply it annotates), without decoding them; `null` at a clean end
   * of the stream. A reply that arrived within one chunk is a zero-copy view
   * of it; one spread over chunks is stitched once. Rejects as
   * {@link ReplyParser.readReply} does.
   */
  readFrame(): Promise<Buffer | null> {
    return this.adapter.read(takeFrame);
  }

  /**
   * The raw bytes of the complete replies buffered, at most `max` of them, as
   * one zero-copy view and how many replies it holds (waiting for the first
   * one if none is buffered); `null` at a clean end of the stream. A proxy
   * forwards a burst of replies with one write and no object per reply. See {@link ReplyDecoder.nextFrames}; rejects
   * as {@link ReplyParser.readReply} does.
   */
  readFrames(max?: number): Promise<Frames | null> {
    return this.adapter.read(takeFrames, max ?? Infinity);
  }

  /**
   * The next reply, decoded, if it is already buffered; `undefined` when it
   * is not (then call {@link ReplyParser.readReply}, which also reports the
   * end of the stream). Throws what `readReply()` would reject with. As with
   * `Parser#tryReadCommand`, a burst of buffered replies then costs no
   * promise each.
   */
  tryReadReply(): Reply | undefined {
    // Straight to the decoder while the adapter allows it: its layers cost
    // as much as decoding a small reply.
    return this.adapter.direct ? this.decoder.next() : this.adapter.tryRead(takeReply);
  }

  /** {@link ReplyParser.readFrame} for a reply already buffered; `undefined` otherwise (see {@link ReplyParser.tryReadReply}). */
  tryReadFrame(): Buffer | undefined {
    return this.adapter.direct ? this.decoder.nextFrame() : this.adapter.tryRead(takeFrame);
  }

  /** {@link ReplyParser.readFrames} for replies already buffered; `undefined` when none is (see {@link ReplyParser.tryReadReply}). */
  tryReadFrames(max?: number): Frames | undefined {
    return this.adapter.direct ? this.decoder.nextFrames(max) : this.adapter.tryRead(takeFrames, max ?? Infinity);
  }

  /**
   * Whether a complete reply is already buffered, so that the next read
   * resolves without waiting for the stream: when false, a proxy has
   * forwarded everything that arrived and should flush.
   */
  hasBufferedReply(): boolean {
    try {
      return this.decoder.hasReply();
    } catch {
      return true; // the next read rejects at once
    }
  }

  /** Iterates decoded replies until the end of the stream. */
  [Symbol.asyncIterator](): AsyncIterableIterator<Reply> {
    return this.adapter.iterate(takeReply);
  }
}
