import { AppError } from '../../core/errors.js';
import type { SessionRecord, SessionStore } from '../session-store.js';

export class MemorySessionStore implements SessionStore {
  readonly #sessions = new Map<string, SessionRecord>();

  async insert(session: SessionRecord): Promise<void> {
    if (this.#sessions.has(session.digest)) throw new AppError('CONFLICT', 'the session exists');
    this.#sessions.set(session.digest, { ...session });
  }

  async find(digest: string): Promise<SessionRecord | undefined> {
    const session = this.#sessions.get(digest);
    return session && { ...session };
  }

  async touch(digest: string, at: number): Promise<boolean> {
    const session = this.#sessions.get(digest);
    if (!session) return false;
    session.lastSeenAt = Math.max(session.lastSeenAt, at);
    return true;
  }

  async delete(digest: string): Promise<boolean> {
    return this.#sessions.delete(digest);
  }

  async deleteExpired(now: number): Promise<number> {
    let deleted = 0;
    for (const [digest, session] of this.#sessions) {
      if (session.expiresAt <= now) {
        this.#sessions.delete(digest);
        deleted++;
      }
    }
    return deleted;
  }
}
