import { AppError } from '../core/errors.js';
import type { ChangeLogStore, LoggedChange } from '../store/change-log-store.js';
import { audienceSees, type VerifierAudience } from './access-policy.js';
import type { ChangeFeed, FeedListener } from './change-feed.js';

/**
 * One verifier's change stream as the feed drives it; the HTTP layer writes it as Server-Sent
 * Events (docs/sdk.md). Calls come in this order: `reset` at most once, then `changes` for the
 * backlog, `ready`, then `changes` and `heartbeat` live, until `stale` or `close`.
 */
export interface VerifierSink {
  /**
   * Changes the verifier may see, oldest first. `through` is the last number considered, changes
   * of others' tokens included: where the stream resumes from.
   */
  changes(visible: readonly LoggedChange[], through: number): void;
  /** The number asked for is not in the log (pruned, or from another database): drop everything, take a new snapshot. */
  reset(latest: number): void;
  /** The backlog is sent: from here on changes arrive as they are made. */
  ready(through: number): void;
  heartbeat(through: number): void;
  /** This node can no longer promise every change; the stream ends. */
  stale(): void;
  /** The stream ends: the server is closing, or the log could not be read. */
  close(): void;
}

interface Subscriber {
  sink: VerifierSink;
  audience: VerifierAudience;
  /** The last number considered for it. */
  through: number;
  /** Past its backlog: the feed's reads reach it. */
  live: boolean;
  closed: boolean;
  /** Whether its caller may still hold it; asked at each heartbeat. */
  allowed?: () => Promise<boolean>;
  checking: boolean;
}

const PAGE = 1000;

/**
 * The verifiers' change streams of this node. One reader follows the change log as the node's
 * ChangeFeed learns of changes (a signal, a poll, this node's own publish) and hands each change
 * to the streams that may see it, after the node has evicted it from its own cache; a stream that
 * resumes reads its backlog from the log itself, then joins. One heartbeat timer serves them all.
 * So hundreds of streams cost a log read per burst of changes and a write per stream, never work
 * on the verify path.
 */
export class VerifierFeed implements FeedListener {
  readonly #subscribers = new Set<Subscriber>();
  /** Every change up to here has been handed to the live subscribers. */
  #through = 0;
  #reading: Promise<void> | undefined;
  #readAgain = false;
  #heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: {
      log: ChangeLogStore;
      changes: Pick<ChangeFeed, 'live' | 'subscribe' | 'appliedSeq'>;
      heartbeatMs: number;
      onError?: (error: unknown) => void;
    },
  ) {
    deps.changes.subscribe(this);
  }

  /** Streams open now, backlog or live. */
  get size(): number {
    return this.#subscribers.size;
  }

  /** Refuses a new stream while this node cannot promise every change: the client asks another node, or retries. */
  assertLive(): void {
    if (!this.deps.changes.live) throw new AppError('UNAVAILABLE', 'this node is not hearing of every change now; try another node or again shortly');
  }

  /**
   * Starts a stream for `audience` after change `after` (none: from the latest, no backlog);
   * returns what ends it. The backlog is read now; a failure to read it closes the stream.
   */
  open(sink: VerifierSink, audience: VerifierAudience, after: number | undefined, allowed?: () => Promise<boolean>): () => void {
    const subscriber: Subscriber = { sink, audience, through: 0, live: false, closed: false, checking: false, ...(allowed ? { allowed } : {}) };
    this.#subscribers.add(subscriber);
    this.#startHeartbeat();
    this.#catchUp(subscriber, after).catch((error) => {
      this.deps.onError?.(error);
      this.#end(subscriber, 'close');
    });
    return () => this.#remove(subscriber);
  }

  /** Ends every stream (the server is closing). */
  closeAll(): void {
    for (const subscriber of this.#subscribers) this.#end(subscriber, 'close');
  }

  advanced(seq: number): void {
    if (!this.#hasLive()) {
      // Nobody to hand changes to: a stream that opens reads its backlog from the log.
      if (this.#reading === undefined) this.#through = Math.max(this.#through, Math.min(seq, this.deps.changes.appliedSeq));
      return;
    }
    if (seq > this.#through) this.#read();
  }

  liveChanged(live: boolean): void {
    if (live) return;
    // The node may miss changes now: a verifier that kept listening would keep accepting revoked tokens.
    for (const subscriber of this.#subscribers) this.#end(subscriber, 'stale');
  }

  async #catchUp(subscriber: Subscriber, after: number | undefined): Promise<void> {
    const latest = await this.deps.log.latest();
    if (subscriber.closed) return;
    // From where this node stands: what it has not applied yet comes when it has.
    if (after === undefined) subscriber.through = Math.min(latest, this.deps.changes.appliedSeq);
    else if (after > latest) this.#reset(subscriber, latest);
    else subscriber.through = after;
    for (;;) {
      const read = await this.deps.log.since(subscriber.through, PAGE);
      if (subscriber.closed) return;
      if (read.length > 0 && read[0]!.seq > subscriber.through + 1) {
        // What was asked for is pruned: start over from the latest, with a new snapshot.
        const now = await this.deps.log.latest();
        if (subscriber.closed) return;
        this.#reset(subscriber, now);
        continue;
      }
      const changes = this.#applied(read);
      this.#deliver(subscriber, changes);
      // Joins the live readers in the same turn as it reads their position: nothing falls between.
      if ((changes.length < read.length || read.length < PAGE) && subscriber.through >= this.#through) break;
    }
    subscriber.live = true;
    subscriber.sink.ready(subscriber.through);
    if (this.#reading === undefined && this.#liveCount() === 1)
      this.#through = Math.max(this.#through, Math.min(subscriber.through, this.deps.changes.appliedSeq));
  }

  #reset(subscriber: Subscriber, latest: number): void {
    subscriber.sink.reset(latest);
    subscriber.through = latest;
  }

  #deliver(subscriber: Subscriber, changes: readonly LoggedChange[]): void {
    const fresh = changes.filter((c) => c.seq > subscriber.through);
    if (fresh.length === 0) return;
    subscriber.through = fresh[fresh.length - 1]!.seq;
    subscriber.sink.changes(
      fresh.filter((c) => audienceSees(subscriber.audience, c.owner)),
      subscriber.through,
    );
  }

  /** Reads the log from `#through` on and hands it to the live subscribers; one read at a time, again if asked meanwhile. */
  #read(): void {
    if (this.#reading) {
      this.#readAgain = true;
      return;
    }
    this.#reading = this.#readLog()
      .catch((error) => {
        this.deps.onError?.(error);
        // Their next change cannot be promised: they reconnect and resume from what they have.
        for (const subscriber of this.#subscribers) if (subscriber.live) this.#end(subscriber, 'close');
      })
      .finally(() => {
        this.#reading = undefined;
      });
  }

  async #readLog(): Promise<void> {
    do {
      this.#readAgain = false;
      for (;;) {
        const read = await this.deps.log.since(this.#through, PAGE);
        const changes = this.#applied(read);
        if (changes.length === 0) break;
        const pruned = changes[0]!.seq > this.#through + 1;
        for (const subscriber of this.#subscribers) {
          if (!subscriber.live) continue;
          // Only a reader that fell behind by the whole retention meets this; its streams start over.
          if (pruned && subscriber.through < changes[0]!.seq - 1) this.#reset(subscriber, changes[0]!.seq - 1);
          this.#deliver(subscriber, changes);
        }
        this.#through = changes[changes.length - 1]!.seq;
        if (changes.length < PAGE) break;
      }
    } while (this.#readAgain && this.#hasLive());
  }

  /**
   * The changes this node has applied (evicted from its own cache), of those read. A verifier
   * told of a change asks this node next: had the node not applied it yet, it would answer from
   * its cache what the change made wrong, and the verifier would keep that answer.
   */
  #applied(changes: readonly LoggedChange[]): readonly LoggedChange[] {
    const applied = this.deps.changes.appliedSeq;
    if (changes.length === 0 || changes[changes.length - 1]!.seq <= applied) return changes;
    return changes.filter((c) => c.seq <= applied);
  }

  #hasLive(): boolean {
    for (const subscriber of this.#subscribers) if (subscriber.live) return true;
    return false;
  }

  #liveCount(): number {
    let count = 0;
    for (const subscriber of this.#subscribers) if (subscriber.live) count++;
    return count;
  }

  #startHeartbeat(): void {
    if (this.#heartbeat || this.deps.heartbeatMs <= 0) return;
    this.#heartbeat = setInterval(() => {
      for (const subscriber of this.#subscribers) {
        if (!subscriber.live) continue;
        subscriber.sink.heartbeat(subscriber.through);
        this.#recheck(subscriber);
      }
    }, this.deps.heartbeatMs);
    this.#heartbeat.unref();
  }

  /**
   * Ends a stream whose caller lost the right to it since it opened (token revoked or suspended,
   * user disabled, removed from the team): within a heartbeat, on whichever node holds it.
   */
  #recheck(subscriber: Subscriber): void {
    if (!subscriber.allowed || subscriber.checking) return;
    subscriber.checking = true;
    void subscriber
      .allowed()
      .catch((error: unknown) => {
        this.deps.onError?.(error);
        return true;
      })
      .then((allowed) => {
        subscriber.checking = false;
        if (!allowed) this.#end(subscriber, 'close');
      });
  }

  #end(subscriber: Subscriber, how: 'stale' | 'close'): void {
    if (subscriber.closed) return;
    this.#remove(subscriber);
    if (how === 'stale') subscriber.sink.stale();
    else subscriber.sink.close();
  }

  #remove(subscriber: Subscriber): void {
    subscriber.closed = true;
    this.#subscribers.delete(subscriber);
    if (this.#subscribers.size === 0) {
      clearInterval(this.#heartbeat);
      this.#heartbeat = undefined;
    }
  }
}
