import type { LeakPolicyStore, StoredLeakPolicy } from '../leak-policy-store.js';

export class MemoryLeakPolicyStore implements LeakPolicyStore {
  readonly #policies = new Map<string | null, StoredLeakPolicy>();

  async find(teamId: string | null): Promise<StoredLeakPolicy | undefined> {
    const policy = this.#policies.get(teamId);
    return policy && { ...policy };
  }

  async put(policy: StoredLeakPolicy): Promise<void> {
    this.#policies.set(policy.teamId, { ...policy });
  }

  async remove(teamId: string | null): Promise<boolean> {
    return this.#policies.delete(teamId);
  }
}
