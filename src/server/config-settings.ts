import { join } from 'node:path';
import { changePollMsOf, type ServerConfig } from './server-config.js';

/** What a config file's value for a setting must be (JSON type); how it is written as the text of its variable. */
export type SettingKind = 'integer' | 'string' | 'path' | 'on-off' | 'one-zero' | 'proxies' | 'json-text';

/** Which value a secret setting shows in `tessera config`: none of it, or its URL without the password. */
export type Secrecy = 'secret' | 'url-password';

export interface Setting {
  /** The key in a config file: the setting's camelCase name. */
  key: string;
  /** The environment variable. */
  env: string;
  /** The flag of the server commands, if it has one. */
  flag?: string;
  kind: SettingKind;
  secret?: Secrecy;
  /** The setting's effective value in a resolved configuration. */
  value(config: ServerConfig): unknown;
  /** What the server uses when the setting is not given (a secret's source, never the secret). */
  fallback?(config: ServerConfig): string | number;
}

const setting = (key: string, env: string, kind: SettingKind, value: Setting['value'], extra: Partial<Setting> = {}): Setting => ({
  key,
  env,
  kind,
  value,
  ...extra,
});

/**
 * Every setting the server reads, once: its config file key, its variable and its flag. The
 * layering (flags > environment > file > defaults), the errors that name where a value came
 * from, `tessera config` and the reference table in docs/configuration.md all go by this list.
 */
export const SETTINGS: readonly Setting[] = [
  setting('port', 'PORT', 'integer', (c) => c.port, { flag: '--port' }),
  setting('host', 'HOST', 'string', (c) => c.host, { flag: '--host' }),
  setting('dataDir', 'TESSERA_DATA_DIR', 'path', (c) => c.dataDir, { flag: '--data-dir' }),
  setting('databaseUrl', 'DATABASE_URL', 'string', (c) => c.databaseUrl, { flag: '--database-url', secret: 'url-password' }),
  setting('bootstrapToken', 'TESSERA_BOOTSTRAP_TOKEN', 'string', (c) => c.bootstrapToken, { secret: 'secret' }),
  setting('logLevel', 'LOG_LEVEL', 'string', (c) => c.logLevel, { flag: '--log-level' }),
  setting('trustProxy', 'TESSERA_TRUST_PROXY', 'proxies', (c) => c.trustProxy),
  setting('cacheTtlMs', 'TESSERA_CACHE_TTL_MS', 'integer', (c) => c.cacheTtlMs),
  setting('cacheMaxEntries', 'TESSERA_CACHE_MAX_ENTRIES', 'integer', (c) => c.cacheMaxEntries),
  setting('secretKey', 'TESSERA_SECRET_KEY', 'string', (c) => c.secretKey, {
    secret: 'secret',
    fallback: (c) => `file ${join(c.dataDir, 'secret.key')}`,
  }),
  setting('edgeClients', 'TESSERA_EDGE_CLIENTS', 'string', (c) => c.edgeClients, { secret: 'secret' }),
  setting('edgeConfigTokenLimit', 'TESSERA_EDGE_CONFIG_TOKEN_LIMIT', 'integer', (c) => c.edgeConfigTokenLimit),
  setting('redisUrl', 'REDIS_URL', 'string', (c) => c.redisUrl, { secret: 'url-password' }),
  setting('rateLimitOnRedisDown', 'TESSERA_RATE_LIMIT_ON_REDIS_DOWN', 'string', (c) => c.rateLimitOnRedisDown),
  setting('failedAttemptsPerMinute', 'TESSERA_FAILED_ATTEMPTS_PER_MINUTE', 'integer', (c) => c.failedAttemptsPerMinute),
  setting('changeSignal', 'TESSERA_CHANGE_SIGNAL', 'string', (c) => c.changeSignal),
  setting('changePollMs', 'TESSERA_CHANGE_POLL_MS', 'integer', (c) => c.changePollMs, { fallback: changePollMsOf }),
  setting('workers', 'TESSERA_WORKERS', 'integer', (c) => c.workers, { flag: '--workers' }),
  setting('usageFlushMs', 'TESSERA_USAGE_FLUSH_MS', 'integer', (c) => c.usageFlushMs),
  setting('policySweepMs', 'TESSERA_POLICY_SWEEP_MS', 'integer', (c) => c.policySweepMs),
  setting('poolSize', 'TESSERA_PG_POOL_SIZE', 'integer', (c) => c.poolSize),
  setting('streamHeartbeatMs', 'TESSERA_STREAM_HEARTBEAT_MS', 'integer', (c) => c.streamHeartbeatMs),
  setting('shutdownTimeoutMs', 'TESSERA_SHUTDOWN_TIMEOUT_MS', 'integer', (c) => c.shutdownTimeoutMs),
  setting('publicUrl', 'TESSERA_PUBLIC_URL', 'string', (c) => c.publicUrl),
  setting('jwtTtlSeconds', 'TESSERA_JWT_TTL_SECONDS', 'integer', (c) => c.jwtTtlSeconds),
  setting('signingKeyRefreshMs', 'TESSERA_SIGNING_KEY_REFRESH_MS', 'integer', (c) => c.signingKeyRefreshMs),
  setting('sessionTtlMs', 'TESSERA_SESSION_TTL_MS', 'integer', (c) => c.sessionTtlMs),
  setting('analytics', 'TESSERA_ANALYTICS', 'on-off', (c) => c.analytics),
  setting('analyticsMinuteRetention', 'TESSERA_ANALYTICS_MINUTE_RETENTION', 'string', (c) => lengthOfTime(c.analyticsMinuteRetentionMs)),
  setting('analyticsHourRetention', 'TESSERA_ANALYTICS_HOUR_RETENTION', 'string', (c) => lengthOfTime(c.analyticsHourRetentionMs)),
  setting('analyticsRetentionDays', 'TESSERA_ANALYTICS_RETENTION_DAYS', 'integer', (c) => c.analyticsRetentionDays),
  setting('githubScanningKeysFile', 'TESSERA_GITHUB_SCANNING_KEYS_FILE', 'path', (c) =>
    c.githubScanningKeys && 'file' in c.githubScanningKeys ? c.githubScanningKeys.file : undefined,
  ),
  setting('githubScanningKeys', 'TESSERA_GITHUB_SCANNING_KEYS', 'json-text', (c) =>
    c.githubScanningKeys && 'json' in c.githubScanningKeys ? c.githubScanningKeys.json : undefined,
  ),
  setting('gitlabRevocationToken', 'TESSERA_GITLAB_REVOCATION_TOKEN', 'string', (c) => c.gitlabRevocationToken, { secret: 'secret' }),
  setting('leakReportsPerMinute', 'TESSERA_LEAK_REPORTS_PER_MINUTE', 'integer', (c) => c.leakReportsPerMinute),
  setting('webhookAllowPrivate', 'TESSERA_WEBHOOK_ALLOW_PRIVATE', 'one-zero', (c) => c.webhooks.allowPrivate),
  setting('webhookPollMs', 'TESSERA_WEBHOOK_POLL_MS', 'integer', (c) => c.webhooks.pollMs),
  setting('webhookTimeoutMs', 'TESSERA_WEBHOOK_TIMEOUT_MS', 'integer', (c) => c.webhooks.timeoutMs),
  setting('webhookLeaseMs', 'TESSERA_WEBHOOK_LEASE_MS', 'integer', (c) => c.webhooks.leaseMs),
  setting('webhookRetryBaseMs', 'TESSERA_WEBHOOK_RETRY_BASE_MS', 'integer', (c) => c.webhooks.retryBaseMs),
  setting('webhookRetryMaxMs', 'TESSERA_WEBHOOK_RETRY_MAX_MS', 'integer', (c) => c.webhooks.retryMaxMs),
  setting('webhookRetryForMs', 'TESSERA_WEBHOOK_RETRY_FOR_MS', 'integer', (c) => c.webhooks.retryForMs),
  setting('webhookPauseFailures', 'TESSERA_WEBHOOK_PAUSE_FAILURES', 'integer', (c) => c.webhooks.pauseFailures),
  setting('webhookPauseAfterMs', 'TESSERA_WEBHOOK_PAUSE_AFTER_MS', 'integer', (c) => c.webhooks.pauseAfterMs),
  setting('webhookSweepMs', 'TESSERA_WEBHOOK_SWEEP_MS', 'integer', (c) => c.webhooks.sweepMs),
];

/** The levels pino knows; another would fail only once the app is built. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A length of time in the largest unit that says it exactly: `2d`, `36h`, `90m`. */
function lengthOfTime(ms: number): string {
  const units: Array<[string, number]> = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ];
  const [unit, size] = units.find(([, size]) => ms % size === 0) ?? ['ms', 1];
  return `${ms / size}${unit}`;
}
