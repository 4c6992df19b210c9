// One client of the proxy: reads its requests, sends each to the master serving its slot over a
// connection of the session's own, follows MOVED/ASK/TRYAGAIN out of the client's sight, and sends
// the replies back in the client's order as the raw frames the nodes sent. Connection state
// (MULTI/EXEC, WATCH) is pinned to one node; what cannot work through a proxy is refused.
import type net from 'node:net';
import { type Command, Parser, ProtocolError, type ReplyParserOptions, Writer } from 'redisproto';
import type { CommandKeys } from './command-keys.js';
import { type LinkOwner, NodeLink } from './node-link.js';
import { type Request, Replies, errorFrame, request, silentRequest } from './request.js';
import { ASK_GETKEYS, CROSSSLOT, route, slotFromNode } from './route.js';
import type { ClusterNode, SlotMap } from './slot-map.js';

/** Requests a client may have in flight; past it, its socket is not read until replies have gone out. */
const MAX_IN_FLIGHT = 1024;
/** MOVED, ASK and TRYAGAIN followed for one request before the node's answer is passed on as it is. */
const MAX_REDIRECTS = 8;
/** Pause before retrying a TRYAGAIN (a multi-key request during a slot migration). */
const TRYAGAIN_DELAY_MS = 20;
const MINUS = 0x2d;

/** What the sessions share: the slot map, the command table, the limits on replies from nodes. */
export interface Cluster {
  map: SlotMap;
  keys: CommandKeys;
  /** A reply past `maxReplyBytes` ends its node connection: the most one link holds at once. */
  replyLimits: ReplyParserOptions;
}

/** Commands the proxy answers or treats itself, by lower-case name. */
const TRANSACTION = 1, REFUSED = 2, QUIT = 3, HELLO = 4, CLIENT = 5;
const SPECIAL = new Map<string, number>([
  ['multi', TRANSACTION], ['exec', TRANSACTION], ['discard', TRANSACTION], ['watch', TRANSACTION], ['unwatch', TRANSACTION],
  // Pub/Sub turns the connection into a stream of pushes that belong to no request; MONITOR and
  // RESET change the connection as a whole: none of them fit a proxy that splits one client over nodes.
  ['subscribe', REFUSED], ['psubscribe', REFUSED], ['ssubscribe', REFUSED],
  ['unsubscribe', REFUSED], ['punsubscribe', REFUSED], ['sunsubscribe', REFUSED],
  ['monitor', REFUSED], ['reset', REFUSED],
  ['quit', QUIT], ['hello', HELLO], ['client', CLIENT],
]);

function refusal(name: string): Buffer {
  return errorFrame(`ERR ${name.toUpperCase()} is not supported by the cluster proxy`);
}

export class Session implements LinkOwner {
  private readonly parser: Parser;
  private readonly out: Writer;
  /** Requests in the client's order, oldest not yet answered to the client at `head`. */
  private queue: Request[] = [];
  private head = 0;
  /** Requests in `queue` still waiting for their reply. */
  private unanswered = 0;
  private readonly links = new Map<ClusterNode, NodeLink>();
  private dirty: NodeLink[] = [];
  /** The slot map version the requests in flight were routed with. */
  private routedVersion: number;
  private waiter: { until: () => boolean; resolve: () => void } | null = null;
  private ended = false;
  /** A write to the client is scheduled for the end of this turn of the event loop. */
  private flushScheduled = false;
  /** While the client's socket is full: settles once it has drained (the links stop reading until then). */
  private clientFull: Promise<void> | undefined = undefined;
  /** The protocol the client chose with HELLO; every node connection is switched to it. */
  private protocol = '2';

  // A transaction, and WATCH before it, live on one node: the owner of the first key seen.
  private multi = false;
  private txSlot = -1;
  private txNode: ClusterNode | null = null;
  /** MULTI has been sent to txNode. */
  private txOpen = false;
  /** Requests of the transaction waiting for its node to be known. */
  private txHeld: Request[] = [];
  /** A request of the transaction was refused (or its node lost): EXEC gets EXECABORT, as from Redis. */
  private txFailed = false;

  constructor(
    private readonly client: net.Socket,
    private readonly cluster: Cluster,
  ) {
    client.setNoDelay(true);
    this.parser = new Parser(client);
    this.out = new Writer(client);
    this.routedVersion = cluster.map.version;
  }

  async run(): Promise<void> {
    const parser = this.parser;
    for (;;) {
      let cmd: Command | null;
      try {
        cmd = parser.tryReadCommand() ?? (await parser.readCommand());
      } catch (err) {
        if (!(err instanceof ProtocolError)) break; // the client's socket failed
        // Redis's own line (none where Redis sends nothing), after the replies before it.
        if (err.reply !== null) this.answer(errorFrame(err.reply));
        if (err.fatal) break;
        continue;
      }
      if (cmd === null) break;
      if (this.queue.length - this.head >= MAX_IN_FLIGHT) {
        await this.until(() => this.queue.length - this.head < MAX_IN_FLIGHT);
      }
      // The map changed: what was sent under the old one settles first, so that a request
      // redirected from its old node is not overtaken by a later one sent straight to the new.
      const version = this.cluster.map.version;
      if (version !== this.routedVersion) {
        if (this.unanswered > 0) await this.until(() => this.unanswered === 0);
        this.routedVersion = version;
      }
      const handled = this.handle(cmd);
      if (handled === QUIT) break;
      if (handled !== undefined) await handled;
      if (cmd.isLast()) this.sendAll();
    }
    // The client is done: let the replies in flight reach it, then close everything.
    await this.until(() => this.head === this.queue.length);
    await this.out.flush().catch(() => {});
    this.client.end();
    this.ended = true;
    for (const link of this.links.values()) link.close();
  }

  // --- requests -------------------------------------------------------------------------------

  /** Routes one request; a promise when its keys had to be asked for, QUIT when the client quits. */
  private handle(cmd: Command): Promise<void> | typeof QUIT | undefined {
    const name = cmd.name();
    const special = SPECIAL.get(name);
    if (special !== undefined) {
      switch (special) {
        case QUIT:
          this.answer(Replies.ok);
          return QUIT;
        case REFUSED:
          this.answer(refusal(name));
          return undefined;
        case HELLO: {
          // The HELLO itself goes to one node, which answers it (or refuses the version as Redis
          // does); every other connection of the session, now or later, switches with it, so
          // that all replies the client gets speak one protocol.
          const version = cmd.getString(1, 'latin1');
          if (version === '2' || version === '3') {
            this.protocol = version;
            const home = this.cluster.map.anyNode();
            for (const link of this.links.values()) {
              if (link.node !== home) this.sendOn(link, silentRequest('HELLO', version));
            }
          }
          break;
        }
        case CLIENT: {
          // Replies switched off, or invalidation pushes, would leave the proxy unable to tell which reply answers what.
          const sub = cmd.getString(1, 'latin1')?.toLowerCase();
          if (sub === 'reply' || sub === 'tracking') {
            this.answer(refusal(`client ${sub}`));
            return undefined;
          }
          break;
        }
      }
    }
    const args = cmd.args();
    const slot = route(this.cluster.keys, cmd, args);
    if (slot === ASK_GETKEYS) {
      return slotFromNode(this.cluster.map.someAddress(), args)
        .catch(() => -1)
        .then((found) => this.routed(args, name, special, found));
    }
    this.routed(args, name, special, slot);
    return undefined;
  }

  /** Sends a request whose slot (or code) is known. */
  private routed(args: Buffer[], name: string, special: number | undefined, slot: number): void {
    if (special === TRANSACTION) return this.transaction(args, name, slot);
    if (this.multi) return this.inTransaction(args, slot);
    if (slot === CROSSSLOT) return this.answer(Replies.crossSlot);
    const req = request(args, slot < 0 ? -1 : slot);
    this.enqueue(req);
    this.sendTo(req, slot < 0 ? this.cluster.map.anyNode() : this.cluster.map.owner(slot));
  }

  /** A reply the proxy gives itself, in its place in the client's order. */
  private answer(frame: Buffer): void {
    const req = request([], -1);
    req.reply = frame;
    this.queue.push(req);
  }

  private enqueue(req: Request): void {
    this.queue.push(req);
    this.unanswered++;
  }

  /** Queues `req` on this session's link to `node`; false (and the request answered) when the node cannot be reached. */
  private sendTo(req: Request, node: ClusterNode | null, asking = false): boolean {
    const link = node === null || this.ended ? null : this.linkTo(node);
    if (link === null) {
      this.complete(req, Replies.slotNotServed);
      return false;
    }
    if (asking) link.send(silentRequest('ASKING'));
    this.sendOn(link, req);
    return true;
  }

  private sendOn(link: NodeLink, req: Request): void {
    link.send(req);
    if (this.dirty.length === 0 || this.dirty[this.dirty.length - 1] !== link) this.dirty.push(link);
  }

  private linkTo(node: ClusterNode): NodeLink | null {
    let link = this.links.get(node);
    if (link === undefined) {
      if (node.downUntil > Date.now()) return null;
      link = new NodeLink(node, this, this.cluster.replyLimits);
      this.links.set(node, link);
      if (this.protocol !== '2') link.send(silentRequest('HELLO', this.protocol));
    }
    return link;
  }

  private complete(req: Request, frame: Buffer): void {
    if (req.silent || req.reply !== null) return;
    req.reply = frame;
    this.unanswered--;
  }

  /** One write per node for the burst just read, then the replies the proxy has ready. */
  private sendAll(): void {
    this.flushLinks();
    this.deliver();
    this.out.flush().catch(() => this.abort());
  }

  private flushLinks(): void {
    const dirty = this.dirty;
    if (dirty.length === 0) return;
    for (const link of dirty) if (link.dirty) link.flush();
    this.dirty = [];
  }

  /** Writes the replies that are next in the client's order and known. */
  private deliver(): void {
    const queue = this.queue, out = this.out;
    let i = this.head;
    for (; i < queue.length; i++) {
      const reply = queue[i].reply;
      if (reply === null) break;
      out.writeRaw(reply);
    }
    if (i === queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (i > MAX_IN_FLIGHT) {
      this.queue = queue.slice(i);
      this.head = 0;
    } else {
      this.head = i;
    }
    this.poke();
  }

  /** Resolves once `until()` holds, after sending everything that can be sent. */
  private until(until: () => boolean): Promise<void> {
    this.sendAll();
    if (until()) return Promise.resolve();
    return new Promise((resolve) => (this.waiter = { until, resolve }));
  }

  private poke(): void {
    const waiter = this.waiter;
    if (waiter !== null && waiter.until()) {
      this.waiter = null;
      waiter.resolve();
    }
  }

  /** The client is gone: drop the node connections (their requests are answered into the void). */
  private abort(): void {
    if (this.ended) return;
    this.ended = true;
    this.client.destroy();
    for (const link of this.links.values()) link.destroy();
  }

  // --- what the links report ------------------------------------------------------------------

  replied(req: Request, frame: Buffer): void {
    if (req.silent) return;
    // Only an error reply can be a redirect; the first byte settles it for everything else.
    if (frame[0] === MINUS && req.slot >= 0 && !req.inTransaction && this.redirect(req, frame)) return;
    req.reply = frame;
    this.unanswered--;
  }

  caughtUp(): Promise<void> | undefined {
    this.flushLinks(); // redirected requests
    // The replies of one burst come from several nodes, often within one turn of the event loop:
    // one write to the client after all of them (setImmediate runs once the sockets that are
    // ready have been read) rather than one per node. No promise per batch: the links only
    // wait while the client's socket is full.
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushClient);
    }
    return this.clientFull;
  }

  private readonly flushClient = (): void => {
    this.flushScheduled = false;
    this.deliver();
    const flushed = this.out.flush();
    if (this.client.writableNeedDrain) {
      this.clientFull ??= flushed.then(
        () => {
          this.clientFull = undefined;
        },
        () => {
          this.clientFull = undefined;
          this.abort();
        },
      );
    } else {
      flushed.catch(() => this.abort());
    }
  };

  lost(link: NodeLink, unanswered: Request[], reason: string): void {
    if (this.links.get(link.node) === link) this.links.delete(link.node);
    if (!link.closed) this.cluster.map.markDown(link.node);
    // A node never reached serves no slot for now; a node lost mid-way may have run what it was sent.
    const frame = link.connected ? errorFrame(`ERR cluster node ${link.node.address}: ${reason}`) : Replies.slotNotServed;
    for (const req of unanswered) this.complete(req, frame);
    if (link.node === this.txNode) {
      this.txFailed = true; // its MULTI or WATCH died with the connection
      this.txOpen = false;
    }
    this.deliver();
    this.out.flush().catch(() => this.abort());
  }

  /** Follows a MOVED, ASK or TRYAGAIN; false when `frame` is none of them (or too many were followed). */
  private redirect(req: Request, frame: Buffer): boolean {
    const text = frame.toString('latin1', 1, frame.length - 2);
    const moved = text.startsWith('MOVED ');
    const tryAgain = !moved && text.startsWith('TRYAGAIN');
    if (!moved && !tryAgain && !text.startsWith('ASK ')) return false;
    if (req.redirects++ >= MAX_REDIRECTS) return false;
    const map = this.cluster.map;
    if (tryAgain) {
      setTimeout(() => {
        this.sendTo(req, map.owner(req.slot));
        this.sendAll();
      }, TRYAGAIN_DELAY_MS);
      return true;
    }
    const [, slot, address] = text.split(' ');
    if (address === undefined) return false;
    if (moved) {
      map.moved(Number(slot), address);
      this.sendTo(req, map.node(address));
    } else {
      this.sendTo(req, map.node(address), true);
    }
    return true;
  }

  // --- transactions ---------------------------------------------------------------------------

  private transaction(args: Buffer[], name: string, slot: number): void {
    const map = this.cluster.map;
    if (name === 'multi') {
      if (this.multi) return this.answer(Replies.nestedMulti);
      this.multi = true;
      if (this.txNode === null) return this.answer(Replies.ok); // MULTI goes to the node of the first key
      const req = request(args, -1, true);
      this.enqueue(req);
      if (this.sendTo(req, this.txNode)) this.txOpen = true;
      else this.txFailed = true;
      return;
    }
    if (this.multi && name !== 'exec' && name !== 'discard') return this.inTransaction(args, slot); // WATCH/UNWATCH inside: the node refuses
    if (name === 'watch') {
      if (slot === CROSSSLOT || (slot >= 0 && this.txSlot >= 0 && slot !== this.txSlot)) return this.answer(Replies.crossSlot);
      const req = request(args, -1);
      this.enqueue(req);
      if (slot >= 0 && this.txSlot < 0) {
        this.txSlot = slot;
        this.txNode = map.owner(slot);
      }
      this.sendTo(req, this.txNode ?? map.anyNode());
      return;
    }
    // EXEC, DISCARD, UNWATCH: the end of the transaction and of the WATCH pin.
    if (this.multi) {
      // A transaction with no key yet still needs a node: its requests wait for their QUEUED.
      if (!this.txOpen) this.openTransaction(this.txNode ?? map.anyNode());
      if (!this.txOpen) {
        this.answer(name === 'exec' ? Replies.execAbort : Replies.ok); // no node to run it on
      } else if (name === 'exec' && this.txFailed) {
        this.sendTo(silentRequest('DISCARD'), this.txNode);
        this.answer(Replies.execAbort);
      } else {
        const req = request(args, -1, true);
        this.enqueue(req);
        this.sendTo(req, this.txNode);
      }
    } else {
      const req = request(args, -1);
      this.enqueue(req);
      this.sendTo(req, this.txNode ?? map.anyNode()); // the node says 'EXEC without MULTI' as Redis does
    }
    this.multi = false;
    this.txSlot = -1;
    this.txNode = null;
    this.txOpen = false;
    this.txFailed = false;
    this.txHeld = [];
  }

  /** A request between MULTI and EXEC: queued on the transaction's node, which answers QUEUED. */
  private inTransaction(args: Buffer[], slot: number): void {
    if (slot === CROSSSLOT || (slot >= 0 && this.txSlot >= 0 && slot !== this.txSlot)) {
      // Redis rejects such a request and flags the transaction; so does the proxy.
      this.txFailed = true;
      return this.answer(Replies.crossSlot);
    }
    const req = request(args, slot < 0 ? -1 : slot, true);
    this.enqueue(req);
    if (slot >= 0 && this.txSlot < 0) {
      this.txSlot = slot;
      if (this.txNode === null) this.openTransaction(this.cluster.map.owner(slot));
    }
    if (!this.txOpen) this.txHeld.push(req);
    else if (!this.sendTo(req, this.txNode)) this.txFailed = true;
  }

  /** Opens the transaction on `node`: MULTI (answered already), then the requests held so far. */
  private openTransaction(node: ClusterNode | null): void {
    this.txNode = node;
    const held = this.txHeld;
    this.txHeld = [];
    if (this.sendTo(silentRequest('MULTI'), node)) {
      this.txOpen = true;
      for (const req of held) this.sendTo(req, node);
    } else {
      this.txFailed = true;
      for (const req of held) this.complete(req, Replies.slotNotServed);
    }
  }
}
