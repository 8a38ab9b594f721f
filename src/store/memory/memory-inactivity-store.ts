import { lastActivity, type InactivityWarning } from '../../core/lifecycle-policy.js';
import type { TokenRecord } from '../../core/token.js';
import type { InactivityCandidate, InactivityStore } from '../inactivity-store.js';
import type { MemoryTokenStore } from './memory-token-store.js';

/** Reads and changes the memory token store's records in place, without awaiting between check and write, as the SQL guards do. */
export class MemoryInactivityStore implements InactivityStore {
  readonly #warnings = new Map<string, InactivityWarning>();

  constructor(private readonly tokens: MemoryTokenStore) {}

  async candidates(query: { activeBefore: number; afterId?: string; limit: number }): Promise<InactivityCandidate[]> {
    const found: InactivityCandidate[] = [];
    for (const t of this.tokens.records()) {
      if (!isLive(t) || lastActivity(t) > query.activeBefore) continue;
      if (query.afterId !== undefined && t.id <= query.afterId) continue;
      const warning = this.#warnings.get(t.id);
      found.push({ id: t.id, type: t.type, teamId: t.teamId, createdAt: t.createdAt, activeAt: t.activeAt, warning: warning ? { ...warning } : null });
    }
    return found.sort((a, b) => (a.id < b.id ? -1 : 1)).slice(0, query.limit);
  }

  async markWarned(id: string, warnedFor: number, at: number): Promise<boolean> {
    const token = this.tokens.live(id);
    if (!token || !isLive(token) || lastActivity(token) !== warnedFor) return false;
    const warning = this.#warnings.get(id);
    if (warning && warning.warnedFor >= warnedFor) return false;
    this.#warnings.set(id, { warnedFor, warnedAt: at });
    return true;
  }

  async revokeInactive(id: string, activeBefore: number, at: number): Promise<TokenRecord | undefined> {
    const token = this.tokens.live(id);
    if (!token || !isLive(token) || lastActivity(token) > activeBefore) return undefined;
    token.revokedAt = at;
    token.updatedAt = at;
    return this.tokens.findById(id);
  }
}

function isLive(token: TokenRecord): boolean {
  return token.revokedAt === null && token.leakedAt === null;
}
