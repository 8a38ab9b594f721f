import { formatDuration, formatTable, formatTime } from './table.js';
import { listCell } from './client-kit.js';

/** A token as the API shows it (the fields the CLI prints; --json prints them all). */
export interface TokenView {
  id: string;
  name: string;
  type: string;
  status: string;
  suffix: string;
  scopes: string[];
  ownerUserId: string;
  teamId: string | null;
  environment: string | null;
  projects: string[];
  ipAllowlist: string[];
  expiresAt: number | null;
  activeAt: number | null;
  useCount: number;
  createdAt: number;
  revokedAt: number | null;
  disabledAt: number | null;
  ownerDisabledAt: number | null;
  leakedAt: number | null;
  rotatedFromId: string | null;
  credits: string | null;
  creditsActive: boolean;
  creditPool: string | null;
  refill: { amount: string; interval: string; dayOfMonth: number | null } | null;
  lastRefillAt: number | null;
  rateLimits: RateLimit[];
}

export interface RateLimit {
  name: string;
  limit: number;
  durationMs: number;
}

export interface Issued {
  token: TokenView;
  secret: string;
}

/** `requests=100/1m` */
export const formatRateLimit = (l: RateLimit): string => `${l.name}=${l.limit}/${formatDuration(l.durationMs)}`;

/** `100 monthly (day 1)` */
export function formatRefill(refill: TokenView['refill']): string {
  if (!refill) return '-';
  return `${refill.amount} ${refill.interval}${refill.interval === 'monthly' ? ` (day ${refill.dayOfMonth ?? 1})` : ''}`;
}

/**
 * Which of two tokens of one rotation each listed token is. A rotation makes a new token whose
 * `rotatedFromId` names the old one; the old one's `revokedAt` is the end of the grace period,
 * in the future while it still verifies.
 */
export function rotationLabels(tokens: readonly TokenView[], now: number): Map<string, string> {
  const labels = new Map<string, string>();
  const successorOf = new Map<string, string>();
  for (const t of tokens) if (t.rotatedFromId) successorOf.set(t.rotatedFromId, t.id);
  for (const t of tokens) {
    const successor = successorOf.get(t.id);
    const graceLeft = t.revokedAt !== null && t.revokedAt > now;
    const parts: string[] = [];
    if (t.rotatedFromId) parts.push(`new ← ${t.rotatedFromId}`);
    if (successor) parts.push(`old → ${successor}${graceLeft ? ` until ${formatTime(t.revokedAt)}` : ''}`);
    else if (graceLeft && t.status === 'active') parts.push(`old until ${formatTime(t.revokedAt)}`);
    if (parts.length) labels.set(t.id, parts.join('; '));
  }
  return labels;
}

/** The token listing: who owns each, what it may do, and which of a rotation's pair is the old one. */
export function tokenTable(tokens: readonly TokenView[], ownerName: (userId: string) => string, now: number): string {
  const rotation = rotationLabels(tokens, now);
  return formatTable(
    ['ID', 'NAME', 'TYPE', 'STATUS', 'OWNER', 'TEAM', 'SCOPES', 'SECRET', 'EXPIRES', 'LAST USED', 'ROTATION'],
    tokens.map((t) => [
      t.id,
      t.name,
      t.type,
      t.status,
      ownerName(t.ownerUserId),
      t.teamId ?? '-',
      listCell(t.scopes),
      `…${t.suffix}`,
      formatTime(t.expiresAt),
      formatTime(t.activeAt),
      rotation.get(t.id) ?? '-',
    ]),
  );
}

/** One token, field by field. */
export function describeToken(t: TokenView, now: number): string {
  const rows: string[][] = [
    ['id', t.id],
    ['name', t.name],
    ['type', t.type],
    ['status', t.status],
    ['secret', `…${t.suffix}`],
    ['owner', t.ownerUserId],
    ['team', t.teamId ?? '-'],
    ['scopes', listCell(t.scopes)],
    ['environment', t.environment ?? '-'],
    ['projects', listCell(t.projects)],
    ['ip allowlist', listCell(t.ipAllowlist)],
    ['rate limits', listCell(t.rateLimits.map(formatRateLimit))],
    ['credits', describeCredits(t)],
    ['expires', formatTime(t.expiresAt)],
    ['last used', formatTime(t.activeAt)],
    ['uses', String(t.useCount)],
    ['created', formatTime(t.createdAt)],
    ['revoked', formatTime(t.revokedAt)],
  ];
  if (t.rotatedFromId) rows.push(['rotated from', t.rotatedFromId]);
  if (t.revokedAt !== null && t.revokedAt > now) rows.push(['rotation', `old: its secret verifies until ${formatTime(t.revokedAt)}`]);
  if (t.disabledAt !== null) rows.push(['suspended', formatTime(t.disabledAt)]);
  if (t.ownerDisabledAt !== null) rows.push(['owner disabled', formatTime(t.ownerDisabledAt)]);
  if (t.leakedAt !== null) rows.push(['leaked', formatTime(t.leakedAt)]);
  return formatTable(['field', 'value'], rows);
}

/** `97.5`, `97.5 (off: not charged)`, `pool usr_…`, or '-'. */
export function describeCredits(t: TokenView): string {
  // Every verification of a pooled token charges the pool, whatever its own creditsActive says.
  if (t.creditPool) return `pool ${t.creditPool}`;
  if (t.credits === null) return '-';
  return `${t.credits}${t.creditsActive ? '' : ' (off: not charged)'}`;
}

export function describeIssued(issued: Issued, verb: string): string {
  return (
    `${verb} token ${issued.token.id} "${issued.token.name}" (${issued.token.type}).\n` +
    `Its secret is shown this once; tessera keeps only a digest:\n\n    ${issued.secret}\n`
  );
}
