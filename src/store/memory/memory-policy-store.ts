import type { PolicyRecord, PolicyStore } from '../policy-store.js';

export class MemoryPolicyStore implements PolicyStore {
  readonly #records = new Map<string, PolicyRecord>();

  async find(scope: string): Promise<PolicyRecord | undefined> {
    const record = this.#records.get(scope);
    return record && structuredClone(record);
  }

  async put(record: PolicyRecord): Promise<void> {
    this.#records.set(record.scope, structuredClone(record));
  }

  async list(): Promise<PolicyRecord[]> {
    return [...this.#records.values()].map((r) => structuredClone(r)).sort((a, b) => (a.scope < b.scope ? -1 : a.scope > b.scope ? 1 : 0));
  }
}
