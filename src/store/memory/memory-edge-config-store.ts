import { EDGE_CONFIG_RESOURCE, type EdgeConfigRecord } from '../../core/vercel-edge-config.js';
import { AppError } from '../../core/errors.js';
import { isExpired, isRevoked, type TokenRecord } from '../../core/token.js';
import type { EdgeConfigStore, EdgeConfigTokenInsert } from '../edge-config-store.js';
import type { MemoryTokenStore } from './memory-token-store.js';

/** The in-memory fake; its config tokens live in the token store, as the SQL stores keep them in `tokens`. */
export class MemoryEdgeConfigStore implements EdgeConfigStore {
  readonly #configs = new Map<string, EdgeConfigRecord>();

  constructor(private readonly tokens: MemoryTokenStore) {}

  async insert(config: EdgeConfigRecord): Promise<void> {
    if (this.#configs.has(config.id) || [...this.#configs.values()].some((c) => c.slug === config.slug)) {
      throw new AppError('CONFLICT', 'edge config exists');
    }
    this.#configs.set(config.id, structuredClone(config));
  }

  async find(id: string): Promise<EdgeConfigRecord | undefined> {
    const config = this.#configs.get(id);
    return config && structuredClone(config);
  }

  async replaceItems(id: string, expectedDigest: string, items: Record<string, unknown>, digest: string, now: number): Promise<boolean> {
    const config = this.#configs.get(id);
    if (!config || config.digest !== expectedDigest) return false;
    Object.assign(config, { items: structuredClone(items), digest, updatedAt: now });
    return true;
  }

  async insertToken(configId: string, token: TokenRecord, limit: number): Promise<EdgeConfigTokenInsert> {
    if (token.resource?.kind !== EDGE_CONFIG_RESOURCE || token.resource.id !== configId) {
      throw new Error(`insertToken: token ${token.id} is not a token of edge config ${configId}`);
    }
    // Nothing below awaits before the write (insert's body runs synchronously up to it), so no
    // other call can slip between the count and the insert: that is this fake's transaction.
    if (!this.#configs.has(configId)) return 'missing-config';
    const live = [...this.tokens.records()].filter(
      (t) => t.resource?.kind === EDGE_CONFIG_RESOURCE && t.resource.id === configId && !isRevoked(t, token.createdAt) && !isExpired(t, token.createdAt),
    );
    if (live.some((t) => t.name === token.name)) return 'duplicate-label';
    if (live.length >= limit) return 'limit';
    await this.tokens.insert(token);
    return 'inserted';
  }
}
