import type { LeakPolicy } from '../core/leak-policy.js';

/** A leak policy as kept: for one team, or (teamId null) the installation's default. */
export interface StoredLeakPolicy extends LeakPolicy {
  teamId: string | null;
  updatedAt: number;
  /** The user who set it. */
  updatedBy: string;
}

export interface LeakPolicyStore {
  /** The team's policy (null: the installation's default); undefined when none was set. */
  find(teamId: string | null): Promise<StoredLeakPolicy | undefined>;
  /** Sets the policy of its team (or the default), replacing any before it. */
  put(policy: StoredLeakPolicy): Promise<void>;
  /** Removes a team's own policy: its tokens follow the default again. Says whether there was one. */
  remove(teamId: string | null): Promise<boolean>;
}
