/**
 * StreamAdapter: a synchronous decoder driven by a Node Readable, with
 * pull-style reads. Holds what only streams have, once for both directions:
 * pausing the stream while nobody asks, calls waiting for input, the end and
 * the failure of the stream, and async iteration.
 */
import type { Readable } from 'node:stream';
import { StreamFeed } from './reader.js';

/** What a StreamAdapter drives: a decoder's input side. */
export interface Source {
  /** Adds a chunk of input. */
  push(chunk: Buffer): void;
  /** Says no more input comes; throws a fatal ProtocolError when a unit was cut off. */
  end(): void;
  /** Whether input or a result is buffered that nobody has taken yet. */
  holding(): boolean;
  /** Whether a fatal error ended decoding (nothing more is read then). */
  failed(): boolean;
}

/**
 * Takes the next result out of the decoder: `undefined` when more input is
 * needed; throws as the decoder does. `max` is the caller's argument, if any.
 * Module-level functions, not closures made per parser: optimised code that
 * inlined a parser's own closure was thrown away once that parser was
 * collected ("weak objects" in --trace-deopt), so each closed connection
 * cost every other one a deoptimisation.
 */
export type Take<S, T> = (source: S, max: number) => T | undefined;

/** A read() call waiting for input. */
interface Waiter<S> {
  take: Take<S, unknown>;
  max: number;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/**
 * Reads results from a decoder fed by a stream, on demand. Input is taken as
 * the stream delivers it, but once a chunk arrives that nobody has asked for
 * yet, the stream is paused until the next call: a consumer that stops
 * asking stops reading after at most one chunk, and the stream's own
 * backpressure holds the peer back. Calls are answered in the order they
 * were made.
 */
export class StreamAdapter<S extends Source> {
  /**
   * Whether a call may take a result from the decoder itself, bypassing
   * {@link StreamAdapter.tryRead}, and return what the decoder says, even
   * `undefined`: no call waits or is being answered, and the stream has
   * neither failed nor ended (tryRead() decides then). One field rather than
   * a method reading four: a `tryRead…` on a buffered reply cost 23 more
   * instructions that way (callgrind, 10-byte bulk frames, ReplyParser).
   * Kept by {@link StreamAdapter.refresh} whenever one of them changes.
   */
  direct = true;
  private readonly feed: StreamFeed;
  private readonly source: S;
  // How the stream ended, seen once the input buffered before it is used up.
  private ended = false;
  private streamError: unknown = null;
  // The stream's error once reported: every later call gets it too.
  private failure: unknown = null;
  // read() calls not answered yet, oldest first (more than one only when a
  // caller does not await).
  private readonly waiters: Waiter<S>[] = [];
  // Chunks that arrived while nobody asked, not given to the source yet
  // (at most one: the stream is paused when one arrives).
  private readonly arrived: Buffer[] = [];
  // Set from the moment a waiting call is answered until the microtasks
  // then queued have run: tryRead() says undefined meanwhile, so a call made
  // before the caller has seen that answer cannot take what comes after it.
  private answering = false;
  private readonly answered = (): void => {
    this.answering = false;
    this.refresh();
  };
  /** Gives the source what arrived while nobody asked. */
  private readonly deliver = (): void => {
    const arrived = this.arrived;
    for (let i = 0; i < arrived.length; i++) this.source.push(arrived[i]);
    arrived.length = 0;
    this.answer();
  };

  constructor(stream: Readable, source: S) {
    this.source = source;
    this.feed = new StreamFeed(stream, {
      chunk: (chunk) => {
        if (source.failed() || this.failure !== null) return this.feed.pause(); // nothing more will be read
        if (this.waiters.length === 0) {
          // Nobody asked: hold the stream, and take the chunk in a microtask
          // (or at the next read()), so that it reaches the decoder after
          // whatever the caller is doing now.
          this.feed.pause();
          this.arrived.push(chunk);
          if (this.arrived.length === 1) microtask(this.deliver);
          return;
        }
        // Somebody waits: straight in, in the callback the stream delivered
        // it in (no tick, no promise between them).
        source.push(chunk);
        this.answer();
      },
      end: () => {
        this.ended = true;
        this.refresh();
        this.answer();
      },
      error: (err) => {
        this.streamError = err;
        this.refresh();
        this.answer();
      },
    });
  }

  /** The next result; `null` at a clean end of the stream. Rejects with what `take` throws, or the stream's error. */
  read<T>(take: Take<S, T>, max = 0): Promise<T | null> {
    if (this.arrived.length > 0) this.deliver();
    let value: T | null | undefined;
    try {
      value = this.ready(take, max);
    } catch (err) {
      return Promise.reject(err);
    }
    if (value !== undefined) return Promise.resolve(value);
    return new Promise<T | null>((resolve, reject) => {
      this.waiters.push({ take, max, resolve: resolve as (value: unknown) => void, reject });
      this.refresh();
      this.feed.resume();
    });
  }

  /**
   * The next result if it is already buffered, `undefined` when it is not,
   * and while earlier read() calls wait or have just been answered and their
   * callers have not run yet (they come first).
   * A clean end reads as `undefined` too: read() reports it.
   */
  tryRead<T>(take: Take<S, T>, max = 0): T | undefined {
    return this.answering ? undefined : (this.ready(take, max) ?? undefined);
  }

  /** Iterates results until the end of the stream; throws as {@link StreamAdapter.read} rejects. */
  iterate<T>(take: Take<S, T>): AsyncIterableIterator<T> {
    // Not an async generator: each of its steps costs several promise hops,
    // which made `for await` twice as slow as a read() loop. Here a buffered
    // result costs one resolved promise, as in read().
    let finished = false;
    const done: IteratorReturnResult<undefined> = { value: undefined, done: true };
    const step = (value: T | null): IteratorResult<T> => {
      if (value !== null) return { value, done: false };
      finished = true;
      return done;
    };
    const stop = (err: unknown): never => {
      finished = true;
      throw err;
    };
    const iterator: AsyncIterableIterator<T> = {
      next: () => {
        if (finished) return Promise.resolve(done);
        let value: T | null | undefined;
        try {
          value = this.ready(take, 0);
        } catch (err) {
          finished = true;
          return Promise.reject(err);
        }
        if (value !== undefined) return Promise.resolve(step(value));
        return this.read(take).then(step, stop);
      },
      return: () => {
        finished = true;
        return Promise.resolve(done);
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** {@link StreamAdapter.step} for a new call, or `undefined` while earlier calls wait: they are answered first. */
  private ready<T>(take: Take<S, T>, max: number): T | null | undefined {
    return this.waiters.length === 0 ? this.step(take, max) : undefined;
  }

  /**
   * What a call gets without waiting: a result, `null` at the end of the
   * stream, or `undefined` when more input is needed. Throws what the call
   * is to reject with.
   */
  private step<T>(take: Take<S, T>, max: number): T | null | undefined {
    if (this.failure !== null) throw this.failure;
    const value = take(this.source, max);
    if (value !== undefined) return value;
    if (this.streamError !== null && this.arrived.length === 0) {
      this.failure = this.streamError;
      this.refresh();
      throw this.failure;
    }
    if (!this.ended || this.arrived.length > 0) return undefined;
    this.source.end();
    return null;
  }

  /**
   * Marks a waiting call as being answered until the microtasks already
   * queued have run. Queued before the call's promise settles, so the flag
   * is down again when the caller's own continuation runs.
   */
  private settling(): void {
    if (this.answering) return;
    this.answering = true;
    this.refresh();
    microtask(this.answered);
  }

  /** Sets {@link StreamAdapter.direct} from the state it sums up. */
  private refresh(): void {
    this.direct = this.waiters.length === 0 && !this.answering && this.failure === null && this.streamError === null && !this.ended;
  }

  /** Settles waiting calls, in order, from what is buffered; holds the stream while nobody asks. */
  private answer(): void {
    const waiters = this.waiters;
    while (waiters.length > 0) {
      const waiter = waiters[0];
      let value: unknown;
      try {
        value = this.step(waiter.take, waiter.max);
      } catch (err) {
        waiters.shift();
        this.settling();
        waiter.reject(err);
        continue;
      }
      if (value === undefined) return; // keep reading: somebody waits for more input
      waiters.shift();
      this.settling();
      waiter.resolve(value);
    }
    // Nobody asks and input is left over: stop reading until somebody does.
    // Input used up leaves the stream flowing: unpipelined, the next unit then
    // needs no resume() (a tick and a stream flow) before it can be read.
    if (this.source.holding()) this.feed.pause();
  }
}

const RESOLVED = Promise.resolve();

/**
 * Runs `task` as a microtask, in order with promise reactions (as
 * queueMicrotask does). Node's queueMicrotask wraps every task in an async
 * resource and a bound function: per chunk of a stream that cost more than
 * reading the chunk, and the wrapper's code was deoptimised whenever those
 * objects were all collected.
 */
function microtask(task: () => void): void {
  void RESOLVED.then(task);
}
