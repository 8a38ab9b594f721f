import type { TokenRecord } from '../core/token.js';

export interface TokenCacheOptions {
  maxEntries: number;
  /** How long an entry may be served before the store is asked again. */
  ttlMs: number;
}

interface Entry {
  key: string;
  token: TokenRecord | null;
  expiresAt: number;
  /** Served since it was stored: spared once when its turn to be evicted comes. */
  used: boolean;
}

/**
 * A bounded cache of token records keyed by secret digest, with negative entries (null) so a
 * flood of unknown tokens does not reach the store.
 *
 * A queue holds the entries in the order they were stored, oldest first. Storing one drops the
 * expired ones at the old end and, past the bound, evicts from there too, sparing once an entry
 * served since it was stored (second chance): a hot token stays, a token seen once goes first.
 * A hit only sets that flag. The queue is a plain array read from a moving head, not the Map's
 * own order: walking a Map from its start passes every slot deleted since it last rehashed,
 * and with the old end always being deleted that walk grew to tens of thousands of slots on
 * every store (docs/performance.md). Moving a hot entry to the new end on every hit (LRU by
 * re-insertion) would cost the same way on the hit path.
 *
 * Evictions bump an epoch: a lookup that read the store before an eviction must not put what
 * it read back afterwards (`set` with the epoch it started in), or a revoked token could
 * return to the cache. While suspended (the node may have missed changes) nothing is served.
 */
export class TokenCache {
  readonly #entries = new Map<string, Entry>();
  /** Entries from #head on, oldest first; one replaced or deleted since is passed over when reached. */
  #queue: Array<Entry | undefined> = [];
  #head = 0;
  #epoch = 0;
  #suspended = false;
  hits = 0;
  misses = 0;

  constructor(private readonly options: TokenCacheOptions) {}

  /** undefined: not cached; null: cached as unknown. */
  get(digestKey: string, now: number): TokenRecord | null | undefined {
    const entry = this.#entries.get(digestKey);
    if (!entry || entry.expiresAt <= now) {
      if (entry) this.#entries.delete(digestKey);
      this.misses++;
      return undefined;
    }
    entry.used = true;
    this.hits++;
    return entry.token;
  }

  /** Changes on every eviction; pass the value read before a store lookup to `set`. */
  get epoch(): number {
    return this.#epoch;
  }

  set(digestKey: string, token: TokenRecord | null, now: number, epoch = this.#epoch): void {
    if (this.options.maxEntries <= 0 || this.#suspended || epoch !== this.#epoch) return;
    const entry: Entry = { key: digestKey, token, expiresAt: now + this.options.ttlMs, used: false };
    this.#entries.set(digestKey, entry);
    this.#queue.push(entry);
    this.#trim(now);
  }

  /** From the old end: expired entries go; past the bound, unused ones go and used ones move to the new end, unflagged. */
  #trim(now: number): void {
    const queue = this.#queue;
    while (this.#head < queue.length) {
      const entry = queue[this.#head]!;
      const current = this.#entries.get(entry.key) === entry;
      const expired = entry.expiresAt <= now;
      if (current && !expired && this.#entries.size <= this.options.maxEntries) break;
      queue[this.#head++] = undefined;
      if (!current) continue;
      if (expired || !entry.used) {
        this.#entries.delete(entry.key);
      } else {
        entry.used = false;
        queue.push(entry);
      }
    }
    const waiting = queue.length - this.#head;
    if (this.#head >= 1024 && this.#head >= waiting) {
      // The passed-over start is most of the array: drop it.
      this.#queue = queue.slice(this.#head);
      this.#head = 0;
    } else if (waiting > 2 * this.#entries.size + 1024) {
      // Entries replaced or deleted wait for their turn behind a live one (a token stored
      // again and again while the oldest entry is still fresh): once they outnumber the live
      // ones, drop them, so the queue stays within a few times the cache whatever the rate.
      this.#queue = queue.slice(this.#head).filter((entry) => this.#entries.get(entry!.key) === entry);
      this.#head = 0;
    }
  }

  delete(digestKey: string): void {
    this.#entries.delete(digestKey);
    this.#epoch++;
  }

  /** Forgets every entry. */
  clear(): void {
    this.#entries.clear();
    this.#queue = [];
    this.#head = 0;
    this.#epoch++;
  }

  /** Forgets everything and caches nothing until `resume`: the node cannot tell what changed. */
  suspend(): void {
    this.#suspended = true;
    this.clear();
  }

  resume(): void {
    this.clear();
    this.#suspended = false;
  }

  get size(): number {
    return this.#entries.size;
  }
}
