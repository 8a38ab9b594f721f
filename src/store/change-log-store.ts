import type { TokenRecord } from '../core/token.js';

/** One change to a token that may make a cached copy of it wrong, as every node reads it. */
export interface TokenChange {
  /** 1, 2, 3, … with no gaps, in the order the changes committed. */
  seq: number;
  /** The secret digest the change concerns: the cache key on every node. */
  digest: Buffer;
  /** When it was recorded (ms since the epoch), to measure how late a node learns of it. */
  at: number;
}

/** What the log records of a changed token: its digest, and whose it is. */
export type ChangedToken = Pick<TokenRecord, 'digest' | 'type' | 'ownerUserId' | 'teamId'>;

/** Whose token a change concerns: what decides which verifiers may hear of it (docs/sdk.md). */
export type ChangeOwner = Pick<TokenRecord, 'type' | 'ownerUserId' | 'teamId'>;

/** A change as the log keeps it. `owner` is null for a change logged before owners were (2026-12-05T1200-change-owners). */
export interface LoggedChange extends TokenChange {
  owner: ChangeOwner | null;
}

/**
 * The log nodes catch up from. Sequence numbers are handed out under one row lock (or
 * SQLite's single writer), so a missing number is a change a node has not seen yet, never a
 * rolled-back one: a node that receives 7 after 5 knows to read 6 here.
 */
export interface ChangeLogStore {
  /** Appends one change per token under consecutive numbers; returns them. */
  append(tokens: readonly ChangedToken[], at: number): Promise<LoggedChange[]>;
  /** Changes after `seq`, oldest first, at most `limit`. */
  since(seq: number, limit: number): Promise<LoggedChange[]>;
  /** The last number handed out (0 before the first change). */
  latest(): Promise<number>;
  /** A name for this log, the same for every node of one database: scopes a shared channel. */
  logId(): Promise<string>;
  /** Forgets changes recorded before `before`, always keeping the latest. */
  prune(before: number): Promise<number>;
}
