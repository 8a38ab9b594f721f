import type { EdgeConfigRecord } from '../../core/edge-config.js';
import { AppError } from '../../core/errors.js';
import type { EdgeConfigStore } from '../edge-config-store.js';

export class MemoryEdgeConfigStore implements EdgeConfigStore {
  readonly #configs = new Map<string, EdgeConfigRecord>();

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
}
