import type { IdempotencyRecord, IdempotencyStore } from '../idempotency-store.js';

export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly #records = new Map<string, IdempotencyRecord>();

  async claim(record: IdempotencyRecord, now: number): Promise<true | IdempotencyRecord> {
    const id = `${record.scope}\n${record.key}`;
    const existing = this.#records.get(id);
    if (existing && existing.expiresAt > now) return { ...existing };
    this.#records.set(id, { ...record });
    return true;
  }

  async complete(scope: string, key: string, status: number, body: string): Promise<void> {
    const record = this.#records.get(`${scope}\n${key}`);
    if (record) Object.assign(record, { status, body });
  }

  async release(scope: string, key: string): Promise<void> {
    const id = `${scope}\n${key}`;
    if (this.#records.get(id)?.status === null) this.#records.delete(id);
  }

  async purge(now: number): Promise<number> {
    let purged = 0;
    for (const [id, record] of this.#records) {
      if (record.expiresAt <= now) {
        this.#records.delete(id);
        purged++;
      }
    }
    return purged;
  }
}
