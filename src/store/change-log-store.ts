/** One change to a token that may make a cached copy of it wrong, as every node reads it. */
export interface TokenChange {
  /** 1, 2, 3, … with no gaps, in the order the changes committed. */
  seq: number;
  /** The secret digest the change concerns: the cache key on every node. */
  digest: Buffer;
  /** When it was recorded (ms since the epoch), to measure how late a node learns of it. */
  at: number;
}

/**
 * The log nodes catch up from. Sequence numbers are handed out under one row lock (or
 * SQLite's single writer), so a missing number is a change a node has not seen yet, never a
 * rolled-back one: a node that receives 7 after 5 knows to read 6 here.
 */
export interface ChangeLogStore {
  /** Appends one change per digest under consecutive numbers; returns them. */
  append(digests: readonly Buffer[], at: number): Promise<TokenChange[]>;
  /** Changes after `seq`, oldest first, at most `limit`. */
  since(seq: number, limit: number): Promise<TokenChange[]>;
  /** The last number handed out (0 before the first change). */
  latest(): Promise<number>;
  /** A name for this log, the same for every node of one database: scopes a shared channel. */
  logId(): Promise<string>;
  /** Forgets changes recorded before `before`, always keeping the latest. */
  prune(before: number): Promise<number>;
}
