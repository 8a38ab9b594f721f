import type { LifecyclePolicy } from '../core/lifecycle-policy.js';

/** The key of the installation's policy; a team's is its id (`team_…`), so the two never meet. */
export const INSTALLATION_POLICY = 'installation';

/** One level's lifecycle policy as stored: the installation's, or a team's. */
export interface PolicyRecord {
  /** INSTALLATION_POLICY, or a team's id. */
  scope: string;
  policy: LifecyclePolicy;
  updatedAt: number;
  /** The user who set it last. */
  updatedBy: string | null;
}

export interface PolicyStore {
  find(scope: string): Promise<PolicyRecord | undefined>;
  /** Replaces the level's policy as a whole (an empty policy is no rules). */
  put(record: PolicyRecord): Promise<void>;
  /** Every level that has a policy: few (one per team at most), read whole by the sweep. */
  list(): Promise<PolicyRecord[]>;
}
