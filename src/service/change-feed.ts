import type { ChangedToken, ChangeLogStore, TokenChange } from '../store/change-log-store.js';
import type { Runtime } from './runtime.js';
import type { TokenCache } from './token-cache.js';

/** What a signal calls as changes are announced and its connection comes and goes. */
export interface SignalHandlers {
  onChange(change: TokenChange): void;
  /** Listening (again): changes announced from now on arrive. */
  onUp(): void;
  /** The connection is lost: announcements may be missed until onUp. */
  onDown(error: Error): void;
}

/** A way to tell every node at once that changes were logged: PostgreSQL NOTIFY, Redis pub/sub. */
export interface ChangeSignal {
  readonly name: string;
  publish(changes: readonly TokenChange[]): Promise<void>;
  /** Starts listening and keeps reconnecting until closed; returns once the first attempt ended either way. */
  listen(handlers: SignalHandlers): Promise<void>;
  close(): Promise<void>;
}

/** `seq at digest`: how a signal carries one change (a NOTIFY payload, a Redis message). */
export function encodeChange(change: TokenChange): string {
  return `${change.seq} ${change.at} ${change.digest.toString('base64url')}`;
}

export function decodeChange(payload: string): TokenChange | undefined {
  const match = /^(\d+) (\d+) ([A-Za-z0-9_-]+)$/.exec(payload);
  if (!match) return undefined;
  return { seq: Number(match[1]), at: Number(match[2]), digest: Buffer.from(match[3]!, 'base64url') };
}

/** What hears of this node's progress through the log (the verifiers' change streams, VerifierFeed). */
export interface FeedListener {
  /** Changes up to `seq` are logged and evicted here; the log may be read up to there. */
  advanced(seq: number): void;
  /** See ChangeFeed.live. */
  liveChanged(live: boolean): void;
}

export interface ChangeFeedOptions {
  /** How often the log is read even without a signal: the bound on how late a change can arrive. */
  pollMs: number;
  /** How long the log keeps changes for nodes that were away. */
  retentionMs: number;
}

const PAGE = 1000;
const PRUNE_EVERY_MS = 60_000;

/**
 * Keeps this node's token cache true to the store when other nodes change tokens.
 *
 * A change that can turn a valid token invalid is published: evicted here at once, appended
 * to the change log (numbered without gaps), and announced on the signal. Every node evicts
 * what is announced, and reads the log every `pollMs` and whenever a number was skipped, so a
 * lost announcement costs at most one poll. While the signal is down, or the log cannot be
 * read, the cache is suspended: the node answers from the store until it is listening again
 * and has read the log.
 */
export class ChangeFeed {
  #lastSeq = 0;
  #started = false;
  #signalUp = false;
  #live: boolean;
  #catchingUp: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastPrune = 0;
  readonly #listeners = new Set<FeedListener>();

  constructor(
    private readonly deps: {
      log: ChangeLogStore;
      cache: TokenCache;
      runtime: Runtime;
      signal?: ChangeSignal;
      /** How late a change reached this node, in ms after it was logged. */
      observeLag?: (ms: number) => void;
      onError?: (error: unknown) => void;
      onStateChange?: (live: boolean, error?: Error) => void;
    },
    private readonly options: ChangeFeedOptions = { pollMs: 500, retentionMs: 3_600_000 },
  ) {
    this.#live = deps.signal === undefined;
  }

  /** True when this node hears of every change: its cache may be served. */
  get live(): boolean {
    return this.#live;
  }

  /** The last change this node has applied. */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /**
   * Up to where this node's cache is true to the log: the last change applied once the feed has
   * started; before that (a process that never follows the log, as in tests) nothing is held back.
   */
  get appliedSeq(): number {
    return this.#started ? this.#lastSeq : Number.MAX_SAFE_INTEGER;
  }

  /** Tells `listener` of every change this node applies (after evicting it) and of every change of `live`; returns the unsubscribe. */
  subscribe(listener: FeedListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get signalName(): string {
    return this.deps.signal?.name ?? 'poll';
  }

  async start(): Promise<void> {
    this.#lastSeq = await this.deps.log.latest();
    this.#started = true;
    this.#lastPrune = this.deps.runtime.now();
    const { signal } = this.deps;
    if (signal) {
      this.deps.cache.suspend();
      await signal.listen({
        onChange: (change) => this.#onChange(change),
        onUp: () => {
          this.#signalUp = true;
          void this.#refresh();
        },
        onDown: (error) => {
          this.#signalUp = false;
          this.#setLive(false, error);
        },
      });
    }
    this.#timer = setInterval(() => void this.#tick(), this.options.pollMs);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.deps.signal?.close();
    await this.#catchingUp;
  }

  /** Evicts these tokens here, logs the change (with whose they are) and tells every other node. */
  async publish(tokens: readonly ChangedToken[]): Promise<void> {
    for (const token of tokens) this.deps.cache.delete(token.digest.toString('base64url'));
    const changes = await this.deps.log.append(tokens, this.deps.runtime.now());
    if (changes.length > 0) this.#advanced(changes[changes.length - 1]!.seq);
    // Without the announcement the others still read it from the log within one poll.
    await this.deps.signal?.publish(changes).catch((error) => this.deps.onError?.(error));
  }

  /** Reads the log from the last applied change on; one read at a time. */
  catchUp(): Promise<void> {
    this.#catchingUp ??= this.#readLog().finally(() => (this.#catchingUp = undefined));
    return this.#catchingUp;
  }

  #onChange(change: TokenChange): void {
    if (change.seq <= this.#lastSeq) return;
    this.#apply(change);
    if (change.seq === this.#lastSeq + 1) this.#lastSeq = change.seq;
    // A number was skipped: an announcement went missing; the log has it.
    else void this.catchUp().catch((error) => this.deps.onError?.(error));
    // Announced once committed: the log holds it, and every number before it.
    this.#advanced(change.seq);
  }

  #advanced(seq: number): void {
    for (const listener of this.#listeners) listener.advanced(seq);
  }

  async #readLog(): Promise<void> {
    for (;;) {
      const changes = await this.deps.log.since(this.#lastSeq, PAGE);
      // The changes after ours were pruned while we were away: nothing cached can be trusted.
      if (changes.length > 0 && changes[0]!.seq > this.#lastSeq + 1) this.deps.cache.clear();
      for (const change of changes) this.#apply(change);
      if (changes.length > 0) {
        this.#lastSeq = Math.max(this.#lastSeq, changes[changes.length - 1]!.seq);
        this.#advanced(this.#lastSeq);
      }
      if (changes.length < PAGE) return;
    }
  }

  #apply(change: TokenChange): void {
    this.deps.cache.delete(change.digest.toString('base64url'));
    this.deps.observeLag?.(Math.max(0, this.deps.runtime.now() - change.at));
  }

  /** Reads the log; trusts the cache again when that worked and the signal (if any) is up, else stops trusting it. */
  async #refresh(): Promise<void> {
    try {
      await this.catchUp();
    } catch (error) {
      this.deps.onError?.(error);
      // A node that cannot read the log cannot know what changed: answer from the store (or fail) instead.
      this.#setLive(false, error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (!this.#live && (this.deps.signal === undefined || this.#signalUp)) {
      this.deps.cache.resume();
      this.#setLive(true);
    }
  }

  async #tick(): Promise<void> {
    await this.#refresh();
    const now = this.deps.runtime.now();
    if (this.#live && now - this.#lastPrune >= PRUNE_EVERY_MS) {
      this.#lastPrune = now;
      await this.deps.log.prune(now - this.options.retentionMs).catch((error) => this.deps.onError?.(error));
    }
  }

  #setLive(live: boolean, error?: Error): void {
    if (!live) this.deps.cache.suspend();
    if (this.#live === live) return;
    this.#live = live;
    this.deps.onStateChange?.(live, error);
    for (const listener of this.#listeners) listener.liveChanged(live);
  }
}
