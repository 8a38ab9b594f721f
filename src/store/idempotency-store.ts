/** A request made with an `Idempotency-Key`, and once answered, its answer. */
export interface IdempotencyRecord {
  scope: string;
  key: string;
  /** SHA-256 of the request (method, path, query and body): the same key with another request is a client error, not a replay. */
  requestHash: string;
  /** Null while the first request is still being answered. */
  status: number | null;
  body: string | null;
  createdAt: number;
  expiresAt: number;
}

export interface IdempotencyStore {
  /**
   * Claims the key for a new request: true when this call claimed it, else the record that
   * holds it (in flight or answered). An expired record is replaced.
   */
  claim(record: IdempotencyRecord, now: number): Promise<true | IdempotencyRecord>;
  /** Stores the answer of a claimed request. */
  complete(scope: string, key: string, status: number, body: string): Promise<void>;
  /** Releases a claim whose request was refused (changing nothing), so a retry runs again. */
  release(scope: string, key: string): Promise<void>;
  /** Forgets expired records; returns how many. */
  purge(now: number): Promise<number>;
}
