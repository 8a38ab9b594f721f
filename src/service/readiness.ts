import type { Stores } from '../store/stores.js';
import type { ChangeFeed } from './change-feed.js';

/** Whether this node may serve: its store answers and is migrated, and it hears of every change. */
export class Readiness {
  constructor(private readonly deps: { stores: Pick<Stores, 'ping' | 'pendingMigrations'>; changes: Pick<ChangeFeed, 'live'> }) {}

  /** What keeps this node from serving, for people reading the probe; empty when ready. */
  async problems(): Promise<string[]> {
    const missing: string[] = [];
    const storeProblem = await this.#storeProblem();
    if (storeProblem) missing.push(storeProblem);
    if (!this.deps.changes.live) missing.push('change notifications unavailable');
    return missing;
  }

  async #storeProblem(): Promise<string | undefined> {
    const { stores } = this.deps;
    try {
      if (!(await stores.ping())) return 'store unavailable';
      // Startup migrates before listening; this catches a database swapped or restored underneath.
      if ((await stores.pendingMigrations()).length > 0) return 'migrations pending';
      return undefined;
    } catch {
      return 'store unavailable';
    }
  }
}
