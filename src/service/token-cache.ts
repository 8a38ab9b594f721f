import type { TokenRecord } from '../core/token.js';

export interface TokenCacheOptions {
  maxEntries: number;
  /** How long an entry may be served before the store is asked again. */
  ttlMs: number;
}

interface Entry {
  token: TokenRecord | null;
  expiresAt: number;
  /** Served since it was stored: spared once when its turn to be evicted comes. */
  used: boolean;
}

/**
 * A bounded cache of token records keyed by secret digest, with negative entries (null) so a
 * flood of unknown tokens does not reach the store.
 *
 * Entries sit in the Map's insertion order, oldest first. Storing one drops the expired ones at
 * the old end and, past the bound, evicts from there too, sparing once an entry served since it
 * was stored (second chance): a hot token stays, a token seen once goes first. A hit only sets
 * that flag. Moving the entry to the new end on every hit (LRU by re-insertion) cost more the
 * bigger the cache: V8's Map keeps each deleted slot in its bucket's chain until it rehashes,
 * so re-inserting one hot key over and over made each hit walk all the slots it left behind
 * (30–100 µs a verification with 100k tokens cached).
 *
 * Evictions bump an epoch: a lookup that read the store before an eviction must not put what
 * it read back afterwards (`set` with the epoch it started in), or a revoked token could
 * return to the cache. While suspended (the node may have missed changes) nothing is served.
 */
export class TokenCache {
  readonly #entries = new Map<string, Entry>();
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
    this.#entries.delete(digestKey);
    this.#entries.set(digestKey, { token, expiresAt: now + this.options.ttlMs, used: false });
    this.#trim(now);
  }

  /** From the old end: expired entries go; past the bound, unused ones go and used ones move to the new end, unflagged. */
  #trim(now: number): void {
    for (const [key, entry] of this.#entries) {
      const expired = entry.expiresAt <= now;
      if (!expired && this.#entries.size <= this.options.maxEntries) return;
      this.#entries.delete(key);
      if (!expired && entry.used) {
        entry.used = false;
        this.#entries.set(key, entry);
      }
    }
  }

  delete(digestKey: string): void {
    this.#entries.delete(digestKey);
    this.#epoch++;
  }

  /** Forgets every entry. */
  clear(): void {
    this.#entries.clear();
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
