import type { EdgeConfigRecord } from '../core/vercel-edge-config.js';
import type { TokenRecord } from '../core/token.js';

/** What `insertToken` did: only `inserted` wrote anything. */
export type EdgeConfigTokenInsert = 'inserted' | 'missing-config' | 'duplicate-label' | 'limit';

export interface EdgeConfigStore {
  /** Throws AppError CONFLICT when the id or slug exists. */
  insert(config: EdgeConfigRecord): Promise<void>;
  find(id: string): Promise<EdgeConfigRecord | undefined>;
  /** Replaces the items only if the digest is still `expectedDigest`; false when another write came first. */
  replaceItems(id: string, expectedDigest: string, items: Record<string, unknown>, digest: string, now: number): Promise<boolean>;
  /**
   * In one transaction, serialized with every other insertToken for the same config (on this
   * node or any other sharing the database): inserts `token` — a resource token of config
   * `configId` — unless the config does not exist, one of its live tokens is already named
   * `token.name` (`duplicate-label`, checked first), or it has `limit` live tokens or more.
   * Live means neither revoked nor expired at `token.createdAt`. Throws AppError CONFLICT when
   * the token's id or digest exists.
   */
  insertToken(configId: string, token: TokenRecord, limit: number): Promise<EdgeConfigTokenInsert>;
}
