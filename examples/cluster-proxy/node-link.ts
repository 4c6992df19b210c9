// One client session's connection to one cluster node: requests go out in order, and the reply
// frames that come back are matched to them in the same order and handed to the session.
import net from 'node:net';
import { ReplyParser, type ReplyParserOptions, Writer } from 'redisproto';
import { type Request, writeRequest } from './request.js';
import type { ClusterNode } from './slot-map.js';

/** What a link reports to the session that owns it. */
export interface LinkOwner {
  /** `frame` is the reply to `req`, which this link sent. Called in the order the requests were sent. */
  replied(req: Request, frame: Buffer, link: NodeLink): void;
  /**
   * Every reply buffered so far has been handed over: send them to the client. A promise
   * while the client's socket is full: the link reads no further until it settles, so a
   * client that does not read holds the node back.
   */
  caughtUp(): Promise<void> | undefined;
  /** The link is gone; `unanswered` were sent and will get no reply. */
  lost(link: NodeLink, unanswered: Request[], reason: string): void;
}

export class NodeLink {
  private readonly socket: net.Socket;
  private readonly out: Writer;
  private readonly replies: ReplyParser;
  /** Sent and not yet answered, oldest at `head`. */
  private sent: Request[] = [];
  private head = 0;
  /** Whether the TCP connection was ever made (a refused one means the node is down). */
  connected = false;
  /** Requests written and not yet flushed. */
  dirty = false;
  /** Whether the session ended the connection itself (so its end says nothing about the node). */
  closed = false;

  constructor(
    readonly node: ClusterNode,
    private readonly owner: LinkOwner,
    limits: ReplyParserOptions,
  ) {
    this.socket = net.connect(node.port, node.host).setNoDelay(true);
    this.socket.once('connect', () => (this.connected = true));
    this.out = new Writer(this.socket);
    this.replies = new ReplyParser(this.socket, limits);
    void this.pump();
  }

  /** Queues a request; it goes out at the next {@link NodeLink.flush}. */
  send(req: Request): void {
    writeRequest(this.out, req);
    this.sent.push(req);
    this.dirty = true;
  }

  /** Sends what was queued in one write. A failure shows up as the end of the pump. */
  flush(): void {
    this.dirty = false;
    this.out.flush().catch(() => this.socket.destroy());
  }

  /** Requests sent and not yet answered. */
  get pending(): number {
    return this.sent.length - this.head;
  }

  /** Ends the connection once the node has answered what was sent (the node sees a normal close). */
  close(): void {
    this.closed = true;
    this.socket.end();
  }

  /** Ends the connection at once. */
  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private async pump(): Promise<void> {
    const replies = this.replies;
    let reason = 'closed the connection';
    try {
      for (;;) {
        const frame = replies.tryReadFrame() ?? (await replies.readFrame());
        if (frame === null) break;
        if (this.head === this.sent.length) throw new Error('sent a reply to no request');
        const req = this.sent[this.head];
        this.sent[this.head++] = undefined as unknown as Request; // let it go now
        if (this.head === this.sent.length) {
          this.sent = [];
          this.head = 0;
        }
        this.owner.replied(req, frame, this);
        if (!replies.hasBufferedReply()) {
          const full = this.owner.caughtUp();
          if (full !== undefined) await full;
        }
      }
    } catch (err) {
      reason = (err as Error).message;
    }
    this.socket.destroy();
    const unanswered = this.sent.slice(this.head);
    this.sent = [];
    this.head = 0;
    if (!this.closed || unanswered.length > 0) this.owner.lost(this, unanswered, reason);
  }
}
