import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { parseSecret } from '../core/secret.js';
import { TOKEN_PREFIX, TOKEN_TYPES } from '../core/token.js';
import { isPostgresUrl } from '../store/postgres-url.js';
import { webhookConfig, type WebhookConfig } from './webhook-config.js';

export interface ServerConfig {
  host: string;
  port: number;
  dataDir: string;
  /** postgres://… selects PostgreSQL; otherwise SQLite in dataDir. */
  databaseUrl: string | undefined;
  bootstrapToken: string | undefined;
  logLevel: string;
  /**
   * Whose X-Forwarded-For tells the client's address: how many proxies stand in front of
   * tessera, or their addresses and CIDR ranges; 0: nobody's, the peer is the client.
   */
  trustProxy: number | string[];
  /** Verified tokens (and unknown ones) are served from memory for at most this long. */
  cacheTtlMs: number;
  cacheMaxEntries: number;
  secretKey: string | undefined;
  /** `clientId:base64urlSecret[,…]`: Unleash Edge clients that sign their requests. */
  edgeClients: string | undefined;
  edgeConfigTokenLimit: number;
  /** redis://…: rate-limit counters shared by every node; in this process when not given. */
  redisUrl: string | undefined;
  /** What rate limits do while Redis cannot be reached. */
  rateLimitOnRedisDown: 'open' | 'closed';
  failedAttemptsPerMinute: number;
  /** How often each node reads the change log; undefined: 500 ms on PostgreSQL (NOTIFY is the fast path), 100 ms on SQLite. */
  changePollMs: number | undefined;
  /** How nodes hear of token changes at once; `auto`: Redis when REDIS_URL is set, else NOTIFY on PostgreSQL, else the log alone. */
  changeSignal: ChangeSignalKind;
  /** Processes serving the port; more than 1 runs a cluster: a primary and this many workers. */
  workers: number;
  /** How often use counts and last-used times are written behind. */
  usageFlushMs: number;
  /** How often each node runs the lifecycle policies' inactivity sweep (TESSERA_POLICY_SWEEP_MS); 0 = never on this node. */
  policySweepMs: number;
  /** PostgreSQL connections each process keeps for queries (plus one LISTEN and up to two NOTIFY connections). */
  poolSize: number;
  /** How often a verifier's change stream (GET /v1/verifier/changes) gets a heartbeat comment. */
  streamHeartbeatMs: number;
  /** How long a shutdown waits for requests under way before it cuts their connections. */
  shutdownTimeoutMs: number;
  /**
   * The URL clients reach tessera at (TESSERA_PUBLIC_URL): the issuer of its OAuth metadata and
   * JWTs. Not given: each request's own address.
   */
  publicUrl: string | undefined;
  /** How long a JWT from POST /oauth/token lives, in seconds (never past its API key's expiry): 1 to 3600. */
  jwtTtlSeconds: number;
  /** How long a node trusts what it read of the signing keys: a rotation elsewhere reaches it within this. */
  signingKeyRefreshMs: number;
  /** How long a dashboard session lasts from sign-in (TESSERA_SESSION_TTL_MS): a minute to 30 days. */
  sessionTtlMs: number;
  /** Whether verifications are counted per token and minute (TESSERA_ANALYTICS=off turns it off). */
  analytics: boolean;
  /** Minute rows older than this roll into hours (TESSERA_ANALYTICS_MINUTE_RETENTION). */
  analyticsMinuteRetentionMs: number;
  /** Hour rows older than this roll into days (TESSERA_ANALYTICS_HOUR_RETENTION). */
  analyticsHourRetentionMs: number;
  /** Rows older than this many days are deleted (TESSERA_ANALYTICS_RETENTION_DAYS). */
  analyticsRetentionDays: number;
  /**
   * GitHub's secret scanning public keys, as GitHub publishes them (`{"public_keys": [...]}`): a file
   * (TESSERA_GITHUB_SCANNING_KEYS_FILE) or the JSON itself (TESSERA_GITHUB_SCANNING_KEYS). Neither:
   * POST /v1/leaks/github answers 404.
   */
  githubScanningKeys: { file: string } | { json: string } | undefined;
  /** The pre-shared token GitLab presents to its token revocation API (TESSERA_GITLAB_REVOCATION_TOKEN); none: 404. */
  gitlabRevocationToken: string | undefined;
  /** Public leak reports one address may make per minute (TESSERA_LEAK_REPORTS_PER_MINUTE); 0 = no limit. */
  leakReportsPerMinute: number;
  /** Webhook delivery (TESSERA_WEBHOOK_*). */
  webhooks: WebhookConfig;
}

/** The longest JWT lifetime TESSERA_JWT_TTL_SECONDS may ask for: an hour. A JWT cannot be revoked; its key can. */
export const MAX_JWT_TTL_SECONDS = 3600;

export const CHANGE_SIGNALS = ['auto', 'notify', 'redis', 'poll'] as const;
export type ChangeSignalKind = (typeof CHANGE_SIGNALS)[number];

export interface ServerFlags {
  host?: string;
  port?: string;
  dataDir?: string;
  databaseUrl?: string;
  logLevel?: string;
  workers?: string;
}

/** Flags win over environment variables, which win over defaults. */
export function serverConfig(flags: ServerFlags, env: NodeJS.ProcessEnv): ServerConfig {
  const portText = flags.port ?? env.PORT ?? '8420';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new Error(`${flags.port !== undefined ? '--port' : 'PORT'} must be a port number from 0 to 65535, got "${portText}"`);
  }
  return {
    host: flags.host ?? env.HOST ?? '127.0.0.1',
    port,
    dataDir: resolve(flags.dataDir ?? env.TESSERA_DATA_DIR ?? './data'),
    databaseUrl: flags.databaseUrl ?? (env.DATABASE_URL || undefined),
    bootstrapToken: bootstrapToken(env.TESSERA_BOOTSTRAP_TOKEN),
    logLevel: flags.logLevel ?? env.LOG_LEVEL ?? 'info',
    trustProxy: trustedProxies(env.TESSERA_TRUST_PROXY),
    cacheTtlMs: nonNegativeInteger('TESSERA_CACHE_TTL_MS', env.TESSERA_CACHE_TTL_MS, 10_000),
    cacheMaxEntries: nonNegativeInteger('TESSERA_CACHE_MAX_ENTRIES', env.TESSERA_CACHE_MAX_ENTRIES, 100_000),
    secretKey: env.TESSERA_SECRET_KEY || undefined,
    edgeClients: env.TESSERA_EDGE_CLIENTS || undefined,
    edgeConfigTokenLimit: nonNegativeInteger('TESSERA_EDGE_CONFIG_TOKEN_LIMIT', env.TESSERA_EDGE_CONFIG_TOKEN_LIMIT, 100),
    redisUrl: env.REDIS_URL || undefined,
    rateLimitOnRedisDown: onRedisDown(env.TESSERA_RATE_LIMIT_ON_REDIS_DOWN),
    failedAttemptsPerMinute: nonNegativeInteger('TESSERA_FAILED_ATTEMPTS_PER_MINUTE', env.TESSERA_FAILED_ATTEMPTS_PER_MINUTE, 100),
    changeSignal: changeSignalKind(env.TESSERA_CHANGE_SIGNAL),
    changePollMs: env.TESSERA_CHANGE_POLL_MS ? Math.max(10, nonNegativeInteger('TESSERA_CHANGE_POLL_MS', env.TESSERA_CHANGE_POLL_MS, 0)) : undefined,
    workers: positiveInteger(flags.workers !== undefined ? '--workers' : 'TESSERA_WORKERS', flags.workers ?? env.TESSERA_WORKERS, 1),
    usageFlushMs: positiveInteger('TESSERA_USAGE_FLUSH_MS', env.TESSERA_USAGE_FLUSH_MS, 1000),
    policySweepMs: nonNegativeInteger('TESSERA_POLICY_SWEEP_MS', env.TESSERA_POLICY_SWEEP_MS, 300_000),
    poolSize: positiveInteger('TESSERA_PG_POOL_SIZE', env.TESSERA_PG_POOL_SIZE, 8),
    streamHeartbeatMs: positiveInteger('TESSERA_STREAM_HEARTBEAT_MS', env.TESSERA_STREAM_HEARTBEAT_MS, 15_000),
    shutdownTimeoutMs: nonNegativeInteger('TESSERA_SHUTDOWN_TIMEOUT_MS', env.TESSERA_SHUTDOWN_TIMEOUT_MS, 10_000),
    publicUrl: publicUrl(env.TESSERA_PUBLIC_URL),
    jwtTtlSeconds: jwtTtl(env.TESSERA_JWT_TTL_SECONDS),
    signingKeyRefreshMs: positiveInteger('TESSERA_SIGNING_KEY_REFRESH_MS', env.TESSERA_SIGNING_KEY_REFRESH_MS, 30_000),
    sessionTtlMs: sessionTtl(env.TESSERA_SESSION_TTL_MS),
    analytics: onOff('TESSERA_ANALYTICS', env.TESSERA_ANALYTICS),
    analyticsMinuteRetentionMs: duration('TESSERA_ANALYTICS_MINUTE_RETENTION', env.TESSERA_ANALYTICS_MINUTE_RETENTION, 2 * DAY_MS),
    analyticsHourRetentionMs: duration('TESSERA_ANALYTICS_HOUR_RETENTION', env.TESSERA_ANALYTICS_HOUR_RETENTION, 14 * DAY_MS),
    analyticsRetentionDays: positiveInteger('TESSERA_ANALYTICS_RETENTION_DAYS', env.TESSERA_ANALYTICS_RETENTION_DAYS, 90),
    githubScanningKeys: githubScanningKeys(env.TESSERA_GITHUB_SCANNING_KEYS_FILE, env.TESSERA_GITHUB_SCANNING_KEYS),
    gitlabRevocationToken: gitlabToken(env.TESSERA_GITLAB_REVOCATION_TOKEN),
    leakReportsPerMinute: nonNegativeInteger('TESSERA_LEAK_REPORTS_PER_MINUTE', env.TESSERA_LEAK_REPORTS_PER_MINUTE, 10),
    webhooks: webhookConfig(env),
  };
}

/**
 * The first admin's token: only a personal token may manage tessera, so a secret of another type
 * (`tsk_` is an api token's) would make an admin whose token the README says cannot be one. Checked
 * here, before a store or key file is made, and never echoed: it is a live credential.
 */
function bootstrapToken(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const parsed = parseSecret(text);
  if (parsed?.prefix === TOKEN_PREFIX.personal && !text.includes(':')) return text;
  const type = TOKEN_TYPES.find((t) => TOKEN_PREFIX[t] === parsed?.prefix);
  const got = type
    ? `the secret of ${type === 'api' ? 'an' : 'a'} ${type} token (${parsed!.prefix}_…)`
    : parsed
      ? `a secret with the prefix ${parsed.prefix}_`
      : 'text that is not a tessera secret';
  throw new Error(
    `TESSERA_BOOTSTRAP_TOKEN must be a personal token's secret (${TOKEN_PREFIX.personal}_…), the first admin's token; got ${got}. ` +
      'Make one with `tessera token generate` (its type is personal by default), or unset the variable to have the first start print a new one.',
  );
}

function githubScanningKeys(file: string | undefined, json: string | undefined): ServerConfig['githubScanningKeys'] {
  if (file && json) throw new Error('set TESSERA_GITHUB_SCANNING_KEYS_FILE or TESSERA_GITHUB_SCANNING_KEYS, not both');
  if (file) return { file: resolve(file) };
  if (json) return { json };
  return undefined;
}

/** A guessable pre-shared token would let anyone revoke any key they hold… and learn nothing else, but still. */
function gitlabToken(text: string | undefined): string | undefined {
  if (!text) return undefined;
  if (text.length < 32) throw new Error('TESSERA_GITLAB_REVOCATION_TOKEN must be at least 32 characters (e.g. openssl rand -hex 32)');
  return text;
}

function changeSignalKind(text: string | undefined): ChangeSignalKind {
  if (text === undefined || text === '') return 'auto';
  if ((CHANGE_SIGNALS as readonly string[]).includes(text)) return text as ChangeSignalKind;
  throw new Error(`TESSERA_CHANGE_SIGNAL must be one of ${CHANGE_SIGNALS.join(', ')}, got "${text}"`);
}

/**
 * A hop count or a list of addresses/CIDRs. `true` is refused rather than read as "every hop":
 * trusting every hop lets each client write its own address into X-Forwarded-For.
 */
function trustedProxies(text: string | undefined): number | string[] {
  const value = text?.trim() ?? '';
  if (value === '') return 0;
  if (/^\d+$/.test(value)) return Number(value);
  const entries = value.split(',').map((entry) => entry.trim());
  if (entries.every(isAddressOrCidr)) return entries;
  throw new Error(
    `TESSERA_TRUST_PROXY must be how many proxies stand in front of tessera (1 behind one nginx) or their addresses and CIDR ranges (e.g. 10.0.0.0/8,127.0.0.1), got "${text}"`,
  );
}

function isAddressOrCidr(entry: string): boolean {
  const slash = entry.indexOf('/');
  if (slash === -1) return isIP(entry) !== 0;
  const version = isIP(entry.slice(0, slash));
  const bits = entry.slice(slash + 1);
  return version !== 0 && /^\d{1,3}$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128);
}

function onRedisDown(text: string | undefined): 'open' | 'closed' {
  if (text === undefined || text === '' || text === 'open') return 'open';
  if (text === 'closed') return 'closed';
  throw new Error(`TESSERA_RATE_LIMIT_ON_REDIS_DOWN must be open or closed, got "${text}"`);
}

const DAY_MS = 86_400_000;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: DAY_MS };

/** A length of time with its unit: `90m`, `36h`, `2d` (also `s`, `ms`); at least a minute. */
function duration(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(text.trim());
  const ms = match ? Number(match[1]) * UNIT_MS[match[2]!]! : Number.NaN;
  if (!(ms >= 60_000) || !Number.isSafeInteger(ms))
    throw new Error(`${name} must be a length of time with its unit, at least a minute (e.g. 36h, 2d), got "${text}"`);
  return ms;
}

function onOff(name: string, text: string | undefined): boolean {
  if (text === undefined || text === '' || text === 'on') return true;
  if (text === 'off') return false;
  throw new Error(`${name} must be on or off, got "${text}"`);
}

function nonNegativeInteger(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  if (!/^\d+$/.test(text)) throw new Error(`${name} must be a whole number, got "${text}"`);
  return Number(text);
}

function positiveInteger(name: string, text: string | undefined, fallback: number): number {
  const value = nonNegativeInteger(name, text, fallback);
  if (value === 0) throw new Error(`${name} must be at least 1`);
  return value;
}

function jwtTtl(text: string | undefined): number {
  const seconds = positiveInteger('TESSERA_JWT_TTL_SECONDS', text, 900);
  if (seconds > MAX_JWT_TTL_SECONDS) throw new Error(`TESSERA_JWT_TTL_SECONDS must be at most ${MAX_JWT_TTL_SECONDS} (an hour), got "${text}"`);
  return seconds;
}

/** The shortest and longest dashboard session TESSERA_SESSION_TTL_MS may ask for. */
export const SESSION_TTL_RANGE_MS = { min: 60_000, max: 30 * 86_400_000 } as const;

function sessionTtl(text: string | undefined): number {
  const ms = positiveInteger('TESSERA_SESSION_TTL_MS', text, 12 * 3_600_000);
  if (ms < SESSION_TTL_RANGE_MS.min || ms > SESSION_TTL_RANGE_MS.max) {
    throw new Error(`TESSERA_SESSION_TTL_MS must be from 60000 (a minute) to 2592000000 (30 days), got "${text}"`);
  }
  return ms;
}

/** A URL fit to print: without its password. */
export function redactPassword(text: string): string {
  const url = new URL(text);
  if (url.password) url.password = '***';
  return url.toString();
}

/** An http(s) URL with no query, fragment or credentials, without its trailing slash (an OAuth issuer, RFC 8414 §2). */
function publicUrl(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (!url || !['http:', 'https:'].includes(url.protocol) || url.search || url.hash || url.username || url.password) {
    throw new Error(
      `TESSERA_PUBLIC_URL must be the http(s) URL clients reach tessera at, with no query or fragment (e.g. https://keys.example.com), got "${text}"`,
    );
  }
  return url.href.replace(/\/+$/, '');
}

/** Where the data lives, for people: never prints a database password. */
export function describeStore(config: ServerConfig): string {
  if (!config.databaseUrl) return `SQLite ${resolve(config.dataDir, 'tessera.db')}`;
  const url = new URL(config.databaseUrl);
  return `PostgreSQL ${url.hostname}:${url.port || 5432}${url.pathname}`;
}

/** The address a server listening on `host` and `port` answers at. */
export function listenUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The change-log poll the server uses: the setting, else 500 ms on PostgreSQL (NOTIFY is the fast path) and 100 ms on SQLite. */
export function changePollMsOf(config: Pick<ServerConfig, 'changePollMs' | 'databaseUrl'>): number {
  return config.changePollMs ?? (isPostgresUrl(config.databaseUrl) ? 500 : 100);
}
