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
 */
export class TokenCache {
  readonly #entries = new Map<string, Entry>();

  constructor(private readonly options: TokenCacheOptions) {}

  /** undefined: not cached; null: cached as unknown. */
  get(digestKey: string, now: number): TokenRecord | null | undefined {
    const entry = this.#entries.get(digestKey);
    if (!entry) return undefined;
    this.#entries.delete(digestKey);
    if (entry.expiresAt <= now) return undefined;
    this.#entries.set(digestKey, entry);
    return entry.token;
  }

  set(digestKey: string, token: TokenRecord | null, now: number): void {
    if (this.options.maxEntries <= 0) return;
    this.#entries.delete(digestKey);
    this.#entries.set(digestKey, { token, expiresAt: now + this.options.ttlMs });
    while (this.#entries.size > this.options.maxEntries) {
      this.#entries.delete(this.#entries.keys().next().value as string);
    }
  }

  delete(digestKey: string): void {
    this.#entries.delete(digestKey);
  }

  get size(): number {
    return this.#entries.size;
  }
}
