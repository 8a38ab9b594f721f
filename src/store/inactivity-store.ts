import type { InactivityWarning } from '../core/lifecycle-policy.js';
import type { TokenRecord } from '../core/token.js';

/** What the inactivity sweep reads of a live token: who governs it, when it last did anything, and its warning. */
export interface InactivityCandidate {
  id: string;
  type: string;
  teamId: string | null;
  createdAt: number;
  activeAt: number | null;
  warning: InactivityWarning | null;
}

/**
 * The inactivity sweep's reads and its two guarded writes. Every node sweeps; these writes are
 * what make each warning and each revocation happen once: of nodes racing, exactly one call
 * answers that it acted, and only that node announces it.
 */
export interface InactivityStore {
  /**
   * Live tokens (neither revoked, nor rotated, nor leaked) whose last activity (last use, else
   * creation) is at or before `activeBefore`, in id order after `afterId`, at most `limit`.
   */
  candidates(query: { activeBefore: number; afterId?: string; limit: number }): Promise<InactivityCandidate[]>;
  /**
   * Records that the token was warned, at `at`, of the stretch of inactivity since `warnedFor` —
   * only if it is still live, `warnedFor` is still its last activity, and no warning of that
   * stretch is recorded. True when this call recorded it.
   */
  markWarned(id: string, warnedFor: number, at: number): Promise<boolean>;
  /**
   * Revokes the token at `at` only if it is live and its last activity is still at or before
   * `activeBefore`: the token as revoked when this call did it, else undefined.
   */
  revokeInactive(id: string, activeBefore: number, at: number): Promise<TokenRecord | undefined>;
}
