/**
 * A dashboard sign-in: a personal token's session, found by the SHA-256 of the id its cookie
 * carries. The id itself is never stored (core/session.ts).
 */
export interface SessionRecord {
  /** sessionDigestOf(id): SHA-256 of the session id, base64url. */
  digest: string;
  /** The personal token that signed in; every request re-checks it. */
  tokenId: string;
  userId: string;
  createdAt: number;
  /** The session ends then, whatever happens in between. */
  expiresAt: number;
  /** When a request last used it (written at most once a minute, see SessionService). */
  lastSeenAt: number;
}

export interface SessionStore {
  /** Throws AppError CONFLICT when a session with the digest exists. */
  insert(session: SessionRecord): Promise<void>;
  find(digest: string): Promise<SessionRecord | undefined>;
  /** Moves lastSeenAt forward to `at` (never back); false when there is no such session. */
  touch(digest: string, at: number): Promise<boolean>;
  /** False when there was no such session. */
  delete(digest: string): Promise<boolean>;
  /** Deletes the sessions that expired at or before `now`; answers how many. */
  deleteExpired(now: number): Promise<number>;
}
