import type { EdgeConfigRecord } from '../core/edge-config.js';

export interface EdgeConfigStore {
  /** Throws AppError CONFLICT when the id or slug exists. */
  insert(config: EdgeConfigRecord): Promise<void>;
  find(id: string): Promise<EdgeConfigRecord | undefined>;
  /** Replaces the items only if the digest is still `expectedDigest`; false when another write came first. */
  replaceItems(id: string, expectedDigest: string, items: Record<string, unknown>, digest: string, now: number): Promise<boolean>;
}
