import type { MembershipRecord, TeamRecord, UserRecord } from './account.js';
import { TEAM_ROLES, USER_ROLES } from './account.js';
import { isStorableTime } from './token-input.js';
import type { TokenRecord } from './token.js';

/** The first line's `format` and `version`: an import refuses a file of another format or a newer version. */
export const EXPORT_FORMAT = 'tessera-export';
export const EXPORT_VERSION = 1;

export interface ExportHeader {
  kind: 'header';
  format: typeof EXPORT_FORMAT;
  version: number;
  exportedAt: string;
  /** The exporting store's server-key fingerprint: the key tokens derived from it (Unleash Edge's) need. */
  serverKeyFingerprint: string | null;
  /** The team exported, or null for every token. */
  teamId: string | null;
}

export type ExportLine =
  | ExportHeader
  | { kind: 'user'; user: Omit<UserRecord, 'numId'> }
  | { kind: 'team'; team: TeamRecord }
  | { kind: 'membership'; membership: MembershipRecord }
  | { kind: 'token'; token: ExportedToken };

/** A token as exported: its record with the digest as base64url and 10⁻⁹-credit amounts as decimal text. Never a secret. */
export type ExportedToken = Omit<TokenRecord, 'digest' | 'credits' | 'refill'> & {
  digest: string;
  credits: string | null;
  refill: (Omit<NonNullable<TokenRecord['refill']>, 'amount'> & { amount: string }) | null;
};

export function exportedToken(token: TokenRecord): ExportedToken {
  return {
    ...token,
    digest: token.digest.toString('base64url'),
    credits: token.credits === null ? null : token.credits.toString(),
    refill: token.refill && { ...token.refill, amount: token.refill.amount.toString() },
  };
}

const isText = (v: unknown): v is string => typeof v === 'string';
const isTextOrNull = (v: unknown): boolean => v === null || typeof v === 'string';
const isTimeOrNull = (v: unknown): boolean => v === null || (typeof v === 'number' && isStorableTime(v));
const isTextList = (v: unknown): boolean => Array.isArray(v) && v.every(isText);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Each field of an exported token and its test, so a line is refused naming the field. */
const TOKEN_FIELDS: Record<keyof ExportedToken, (v: unknown) => boolean> = {
  id: (v) => isText(v) && /^tok_[0-9a-z]{26}$/.test(v),
  digest: (v) => isText(v) && /^[A-Za-z0-9_-]{43}$/.test(v),
  name: (v) => isText(v) && v.length <= 1024,
  type: isText,
  origin: isText,
  prefix: isText,
  suffix: isText,
  scopes: isTextList,
  resource: (v) => v === null || (isObject(v) && isText(v.kind) && isText(v.id)),
  environment: isTextOrNull,
  projects: isTextList,
  ownerUserId: isText,
  teamId: isTextOrNull,
  metadata: isObject,
  ipAllowlist: isTextList,
  expiresAt: isTimeOrNull,
  createdAt: (v) => isTimeOrNull(v) && v !== null,
  updatedAt: (v) => isTimeOrNull(v) && v !== null,
  activeAt: isTimeOrNull,
  useCount: (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0,
  revokedAt: isTimeOrNull,
  leakedAt: isTimeOrNull,
  leakedUrl: isTextOrNull,
  disabledAt: isTimeOrNull,
  ownerDisabledAt: isTimeOrNull,
  parentId: isTextOrNull,
  rotatedFromId: isTextOrNull,
  credits: (v) => v === null || (isText(v) && /^-?\d{1,30}$/.test(v)),
  creditsActive: (v) => typeof v === 'boolean',
  creditPool: isTextOrNull,
  refill: (v) =>
    v === null ||
    (isObject(v) &&
      isText(v.amount) &&
      /^\d{1,30}$/.test(v.amount) &&
      (v.interval === 'daily' || v.interval === 'monthly') &&
      (v.dayOfMonth === null || (Number.isInteger(v.dayOfMonth) && (v.dayOfMonth as number) >= 1 && (v.dayOfMonth as number) <= 31))),
  lastRefillAt: isTimeOrNull,
  rateLimits: (v) => Array.isArray(v) && v.every((r) => isObject(r) && isText(r.name) && Number.isSafeInteger(r.limit) && Number.isSafeInteger(r.durationMs)),
};

/** The record a `token` line holds, or what is wrong with it (naming the field). */
export function tokenFromExport(value: unknown): TokenRecord | string {
  if (!isObject(value)) return 'token must be an object';
  for (const [field, valid] of Object.entries(TOKEN_FIELDS)) {
    if (!(field in value)) return `token.${field} is missing`;
    if (!valid(value[field])) return `token.${field} is not valid`;
  }
  const t = value as unknown as ExportedToken;
  return {
    ...t,
    digest: Buffer.from(t.digest, 'base64url'),
    credits: t.credits === null ? null : BigInt(t.credits),
    refill: t.refill && { ...t.refill, amount: BigInt(t.refill.amount) },
  };
}

/** A line that is no token: the header, or an account the tokens need; else what is wrong. */
export function accountFromExport(line: Record<string, unknown>): ExportLine | string {
  switch (line.kind) {
    case 'header':
      if (line.format !== EXPORT_FORMAT) return `format must be ${EXPORT_FORMAT}`;
      if (typeof line.version !== 'number' || line.version > EXPORT_VERSION)
        return `version ${String(line.version)} is newer than this tessera reads (${EXPORT_VERSION})`;
      return line as unknown as ExportHeader;
    case 'user': {
      const u = line.user;
      if (!isObject(u) || !isText(u.id) || !isText(u.name) || !isTextOrNull(u.email) || !USER_ROLES.includes(u.role as never) || !isTimeOrNull(u.createdAt))
        return 'user must have id, name, email, role (admin or member) and createdAt';
      return line as unknown as ExportLine;
    }
    case 'team': {
      const t = line.team;
      if (!isObject(t) || !isText(t.id) || !isText(t.slug) || !isText(t.name) || !isTimeOrNull(t.createdAt))
        return 'team must have id, slug, name and createdAt';
      return line as unknown as ExportLine;
    }
    case 'membership': {
      const m = line.membership;
      if (!isObject(m) || !isText(m.teamId) || !isText(m.userId) || !TEAM_ROLES.includes(m.role as never) || !isTimeOrNull(m.createdAt))
        return 'membership must have teamId, userId, role (owner, member or viewer) and createdAt';
      return line as unknown as ExportLine;
    }
    default:
      return 'kind must be header, user, team, membership or token';
  }
}
