import { randomBytes } from 'node:crypto';
import type { ChangedToken, ChangeLogStore, LoggedChange } from '../change-log-store.js';

export class MemoryChangeLogStore implements ChangeLogStore {
  #changes: LoggedChange[] = [];
  #latest = 0;
  readonly #logId = randomBytes(8).toString('hex');

  async append(tokens: readonly ChangedToken[], at: number): Promise<LoggedChange[]> {
    const appended = tokens.map((t) => ({
      seq: ++this.#latest,
      digest: Buffer.from(t.digest),
      at,
      owner: { type: t.type, ownerUserId: t.ownerUserId, teamId: t.teamId },
    }));
    this.#changes.push(...appended);
    return appended.map(copy);
  }

  async since(seq: number, limit: number): Promise<LoggedChange[]> {
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

function copy(change: LoggedChange): LoggedChange {
  return { ...change, digest: Buffer.from(change.digest), owner: change.owner && { ...change.owner } };
}
