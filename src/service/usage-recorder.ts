import type { TokenStore, TokenUse } from '../store/token-store.js';

/**
 * Counts each token's uses and keeps its last-used time in memory, and writes them behind in
 * one batch, so a verification never waits on a write.
 */
export class UsageRecorder {
  #pending = new Map<string, TokenUse>();
  #timer: NodeJS.Timeout | undefined;
  /** The write under way; the next flush starts after it, so stop() waits for a timer's flush. */
  #writing: Promise<void> = Promise.resolve();

  constructor(private readonly tokens: TokenStore) {}

  /** `count` uses of a token, the last at `at`. */
  record(tokenId: string, at: number, count = 1): void {
    const use = this.#pending.get(tokenId);
    if (!use) this.#pending.set(tokenId, { id: tokenId, at, count });
    else {
      use.count += count;
      if (use.at < at) use.at = at;
    }
  }

  flush(): Promise<void> {
    const write = this.#writing.then(() => this.#write());
    this.#writing = write.catch(() => {});
    return write;
  }

  async #write(): Promise<void> {
    if (this.#pending.size === 0) return;
    const batch = [...this.#pending.values()];
    this.#pending = new Map();
    try {
      await this.tokens.recordUses(batch);
    } catch (error) {
      // The batch is one transaction, so it is all or nothing: put it back for the next flush
      // rather than lose the counts of a database that was briefly away.
      for (const use of batch) {
        const later = this.#pending.get(use.id);
        this.#pending.set(use.id, later ? { id: use.id, at: Math.max(use.at, later.at), count: use.count + later.count } : use);
      }
      throw error;
    }
  }

  start(intervalMs: number, onError: (error: unknown) => void): void {
    this.#timer = setInterval(() => {
      this.flush().catch(onError);
    }, intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}
