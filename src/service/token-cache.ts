import type { TokenRecord } from '../core/token.js';

export interface TokenCacheOptions {
  maxEntries: number;
  /** How long an entry may be served before the store is asked again. */
  ttlMs: number;
}

interface Entry {
  token: TokenRecord | null;
  expiresAt: number;
}

/**
 * A bounded cache of token records keyed by secret digest, with negative entries (null) so a
 * flood of unknown tokens does not reach the store. Map insertion order gives LRU eviction.
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
    this.#entries.delete(digestKey);
    this.#entries.set(digestKey, entry);
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
    this.#entries.set(digestKey, { token, expiresAt: now + this.options.ttlMs });
    while (this.#entries.size > this.options.maxEntries) {
      this.#entries.delete(this.#entries.keys().next().value as string);
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
