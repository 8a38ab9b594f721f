import { classifyKeyText } from './foreign-key.js';
import { digestSecret } from './digest.js';
import { metadataProblem } from './metadata.js';
import { NANOS_PER_CREDIT } from './credits.js';
import { rateLimitRuleProblem, type RateLimitRule } from './rate-limit.js';
import { isUnleashTokenType, normalizeProjects } from './unleash-edge-token.js';
import {
  FieldProblem,
  optionalCount,
  optionalFlag,
  optionalObject,
  optionalText,
  optionalTime,
  parseDigest,
  pick,
  scopeList,
  textList,
  type Row,
} from './import-fields.js';

/** The formats of another system's keys that `tessera import` reads. */
export const FOREIGN_FORMATS = ['jsonl', 'csv', 'unkey', 'unleash'] as const;
export type ForeignFormat = (typeof FOREIGN_FORMATS)[number];

/** What one row of another system's keys says, before an owner, a team and an id are given to it. */
export interface ImportedKey {
  digest: Buffer;
  /** True unless the row gave a tessera-format text: a by-hash key, or a text of another format. */
  foreign: boolean;
  name: string;
  type: string;
  prefix: string;
  suffix: string;
  /** The source's owner: a tessera user id when one exists, else kept in metadata. */
  owner: string | null;
  scopes: string[];
  environment: string | null;
  projects: string[];
  expiresAt: number | null;
  createdAt: number | null;
  activeAt: number | null;
  /** Remaining uses as whole credits (10⁻⁹ units); null when the source set no limit. */
  credits: bigint | null;
  rateLimits: RateLimitRule[];
  metadata: Record<string, unknown>;
  disabled: boolean;
}

export type ImportedKeyResult = { key: ImportedKey } | { problem: string };

/** Reads one row of `format`; a problem names the field and what is wrong with it. */
export function importedKeyOf(format: ForeignFormat, row: Row): ImportedKeyResult {
  try {
    const key = format === 'unkey' ? unkeyKey(row) : format === 'unleash' ? unleashKey(row) : genericKey(row);
    const problem = metadataProblem(key.metadata);
    if (problem) return { problem: `metadata ${problem}` };
    const limit = key.rateLimits[0] && rateLimitRuleProblem(key.rateLimits[0]);
    return limit ? { problem: `ratelimit: ${limit}` } : { key };
  } catch (error) {
    if (error instanceof FieldProblem) return { problem: error.message };
    throw error;
  }
}

/**
 * The digest, and what the text tells, from a plaintext `key`; or the digest from a `hash`. The
 * readers below copy its fields by name: `{ ...secret, name, … }` cost 24 µs a row in V8 (see
 * newTokenRecord).
 */
function secretOf(row: Row, textNames: string[], hashNames: string[]): Pick<ImportedKey, 'digest' | 'foreign' | 'suffix'> {
  const [textName, text] = pick(row, ...textNames);
  const [hashName, hash] = pick(row, ...hashNames);
  if (text !== undefined && hash !== undefined) throw new FieldProblem(`give ${textName} or ${hashName}, not both`);
  if (text !== undefined) {
    if (typeof text !== 'string') throw new FieldProblem(`${textName} must be text`);
    const kind = classifyKeyText(text);
    if (kind === 'malformed')
      throw new FieldProblem(`${textName} is not a key tessera can take (8 to 512 visible ASCII characters, and not tessera's shape with a wrong checksum)`);
    return { digest: digestSecret(text), foreign: kind === 'foreign', suffix: text.slice(-4) };
  }
  if (hash === undefined)
    throw new FieldProblem(hashNames.length > 0 ? `give ${textNames[0]} (the key's text) or ${hashNames[0]} (its SHA-256)` : `${textNames[0]} is missing`);
  // Unkey's migration API: { value, variant: 'sha256_base64' }.
  if (typeof hash === 'object' && hash !== null && !Array.isArray(hash)) {
    const { value, variant } = hash as Record<string, unknown>;
    if (variant !== undefined && variant !== 'sha256_base64') throw new FieldProblem(`${hashName}.variant must be sha256_base64`);
    if (typeof value !== 'string') throw new FieldProblem(`${hashName}.value must be text`);
    return { digest: parseDigest(`${hashName}.value`, value), foreign: true, suffix: '' };
  }
  if (typeof hash !== 'string') throw new FieldProblem(`${hashName} must be text`);
  return { digest: parseDigest(hashName, hash), foreign: true, suffix: '' };
}

function wholeCredits(count: number | null): bigint | null {
  return count === null ? null : BigInt(count) * NANOS_PER_CREDIT;
}

/** `{hash | key, name, owner, scopes, expiresAt, environment, projects, credits, metadata, prefix, suffix, createdAt}`. */
function genericKey(row: Row): ImportedKey {
  const secret = secretOf(row, ['key'], ['hash']);
  return {
    digest: secret.digest,
    foreign: secret.foreign,
    name: optionalText(row, 'name') ?? 'imported key',
    type: 'api',
    prefix: optionalText(row, 'prefix') ?? '',
    suffix: optionalText(row, 'suffix') ?? secret.suffix,
    owner: optionalText(row, 'owner', 'ownerId', 'owner_id'),
    scopes: scopeList(row, 'scopes'),
    environment: optionalText(row, 'environment'),
    projects: textList(row, 'projects'),
    expiresAt: optionalTime(row, 'expiresAt', 'expires_at', 'expires'),
    createdAt: optionalTime(row, 'createdAt', 'created_at'),
    activeAt: null,
    credits: wholeCredits(optionalCount(row, 'credits', 'remaining')),
    rateLimits: [],
    metadata: optionalObject(row, 'metadata', 'meta') ?? {},
    disabled: optionalFlag(row, 'disabled') ?? false,
  };
}

/**
 * Unkey: an item of `migrations.createKeys` (`hash: {value, variant}` or `plaintext`, `start`,
 * `ownerId`, `meta`, `expires`, `remaining`, `ratelimit`, `enabled`, `permissions`) or a row of its
 * `keys` table (`hash` base64, `owner_id`, `meta` JSON text, `remaining_requests`, `ratelimit_limit`…).
 */
function unkeyKey(row: Row): ImportedKey {
  const secret = secretOf(row, ['plaintext', 'key'], ['hash']);
  const start = optionalText(row, 'start');
  const owner = optionalText(row, 'externalId', 'external_id', 'ownerId', 'owner_id');
  const ratelimit = optionalObject(row, 'ratelimit');
  const limit = ratelimit ? optionalCount(ratelimit, 'limit') : optionalCount(row, 'ratelimit_limit', 'ratelimitLimit');
  const duration = ratelimit ? optionalCount(ratelimit, 'duration', 'refillInterval') : optionalCount(row, 'ratelimit_duration', 'ratelimitDuration');
  if ((limit === null) !== (duration === null)) throw new FieldProblem('ratelimit needs both a limit and a duration');
  const metadata: Record<string, unknown> = { ...(optionalObject(row, 'meta') ?? {}) };
  if (owner !== null) metadata.unkeyOwnerId = owner;
  const keyId = optionalText(row, 'id', 'keyId');
  if (keyId !== null) metadata.unkeyKeyId = keyId;
  if (start !== null) metadata.unkeyStart = start;
  return {
    digest: secret.digest,
    foreign: secret.foreign,
    suffix: secret.suffix,
    name: optionalText(row, 'name') ?? 'imported unkey key',
    type: 'api',
    prefix: optionalText(row, 'prefix') ?? start ?? '',
    owner,
    scopes: scopeList(row, 'permissions'),
    environment: optionalText(row, 'environment'),
    projects: [],
    expiresAt: optionalTime(row, 'expires'),
    createdAt: optionalTime(row, 'createdAt', 'created_at_m', 'created_at'),
    activeAt: null,
    credits: wholeCredits(optionalCount(row, 'remaining', 'remaining_requests', 'remainingRequests')),
    rateLimits: limit !== null && duration !== null ? [{ name: 'default', limit, durationMs: duration }] : [],
    metadata,
    disabled: optionalFlag(row, 'enabled') === false,
  };
}

/**
 * An Unleash `api_tokens` row (`secret`, `username` or `token_name`, `type`, `environment`,
 * `project`, `expires_at`, `created_at`, `seen_at`), with `projects` from api_token_project when
 * the dump joined them in (a JSON array, or names split by commas or spaces).
 */
function unleashKey(row: Row): ImportedKey {
  const [, text] = pick(row, 'secret');
  const secret = secretOf(row, ['secret'], []);
  const type = (optionalText(row, 'type') ?? 'client').toLowerCase();
  if (!isUnleashTokenType(type)) throw new FieldProblem('type must be client, backend, frontend or admin');
  let projects = textList(row, 'projects');
  if (projects.length === 0) {
    const project = optionalText(row, 'project');
    // The secret's own `<project>:<environment>.` names one project or `*`; `[]` means several, listed elsewhere.
    const fromSecret = typeof text === 'string' ? /^([^:[\]]+):[^.]*\./.exec(text)?.[1] : undefined;
    projects = project !== null ? [project] : fromSecret !== undefined ? [fromSecret] : [];
  }
  if (projects.length === 0 && type !== 'admin') throw new FieldProblem('projects unknown: give project, or projects from api_token_project');
  return {
    digest: secret.digest,
    foreign: secret.foreign,
    suffix: secret.suffix,
    name: optionalText(row, 'token_name', 'tokenName', 'username') ?? 'imported unleash token',
    type,
    prefix: '',
    owner: null,
    scopes: [],
    environment: optionalText(row, 'environment'),
    projects: normalizeProjects(projects),
    expiresAt: optionalTime(row, 'expires_at', 'expiresAt'),
    createdAt: optionalTime(row, 'created_at', 'createdAt'),
    activeAt: optionalTime(row, 'seen_at', 'seenAt'),
    credits: null,
    rateLimits: [],
    metadata: { unleashType: type },
    disabled: false,
  };
}
