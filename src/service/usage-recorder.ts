import type { TokenStore } from '../store/token-store.js';

/**
 * Collects each token's last-used time in memory and writes it behind in one batch, so a
 * verification never waits on a write.
 */
export class UsageRecorder {
  #pending = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly tokens: TokenStore) {}

  record(tokenId: string, at: number): void {
    const previous = this.#pending.get(tokenId);
    if (previous === undefined || previous < at) this.#pending.set(tokenId, at);
  }

  async flush(): Promise<void> {
    if (this.#pending.size === 0) return;
    const batch = this.#pending;
    this.#pending = new Map();
    await this.tokens.recordUses([...batch].map(([id, at]) => ({ id, at })));
  }

  start(intervalMs: number, onError: (error: unknown) => void): void {
    this.#timer = setInterval(() => this.flush().catch(onError), intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}
