import type { TokenStatus } from '../token-model';

/** A token's status as a word in a pill; the colour only repeats the word. */
export function StatusBadge({ status, revokedAt }: { status: TokenStatus; revokedAt?: number | null }) {
  const scheduled = status === 'active' && revokedAt !== null && revokedAt !== undefined;
  return <span className={`status ${status}`}>{scheduled ? 'active, rotated' : status}</span>;
}

/** A token reported leaked (`leakedAt`): whatever its status, its secret is public. */
export function LeakedBadge({ leakedAt }: { leakedAt: number | null | undefined }) {
  if (leakedAt === null || leakedAt === undefined) return null;
  return <span className="status leaked">leaked</span>;
}
