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
  readonly #byId = new Map<string, string>();

  constructor(private readonly options: TokenCacheOptions) {}

  /** undefined: not cached; null: cached as unknown. */
  get(digestKey: string, now: number): TokenRecord | null | undefined {
    const entry = this.#entries.get(digestKey);
    if (!entry) return undefined;
    this.#entries.delete(digestKey);
    if (entry.expiresAt <= now) {
      if (entry.token) this.#byId.delete(entry.token.id);
      return undefined;
    }
    this.#entries.set(digestKey, entry);
    return entry.token;
  }

  set(digestKey: string, token: TokenRecord | null, now: number): void {
    if (this.options.maxEntries <= 0) return;
    this.delete(digestKey);
    this.#entries.set(digestKey, { token, expiresAt: now + this.options.ttlMs });
    if (token) this.#byId.set(token.id, digestKey);
    while (this.#entries.size > this.options.maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.delete(oldest);
    }
  }

  delete(digestKey: string): void {
    const entry = this.#entries.get(digestKey);
    if (!entry) return;
    this.#entries.delete(digestKey);
    if (entry.token) this.#byId.delete(entry.token.id);
  }

  deleteById(tokenId: string): void {
    const key = this.#byId.get(tokenId);
    if (key !== undefined) this.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }
}
