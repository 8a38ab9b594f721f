import { randomBytes } from 'node:crypto';
import type { ChangeLogStore, TokenChange } from '../change-log-store.js';

export class MemoryChangeLogStore implements ChangeLogStore {
  #changes: TokenChange[] = [];
  #latest = 0;
  readonly #logId = randomBytes(8).toString('hex');

  async append(digests: readonly Buffer[], at: number): Promise<TokenChange[]> {
    const appended = digests.map((digest) => ({ seq: ++this.#latest, digest: Buffer.from(digest), at }));
    this.#changes.push(...appended);
    return appended.map(copy);
  }

  async since(seq: number, limit: number): Promise<TokenChange[]> {
    return this.#changes
      .filter((c) => c.seq > seq)
      .slice(0, limit)
      .map(copy);
  }

  async latest(): Promise<number> {
    return this.#latest;
  }

  async logId(): Promise<string> {
    return this.#logId;
  }

  async prune(before: number): Promise<number> {
    const kept = this.#changes.filter((c) => c.at >= before || c.seq === this.#latest);
    const pruned = this.#changes.length - kept.length;
    this.#changes = kept;
    return pruned;
  }
}

function copy(change: TokenChange): TokenChange {
  return { ...change, digest: Buffer.from(change.digest) };
}
