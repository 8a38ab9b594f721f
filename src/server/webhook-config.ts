/** How this node delivers webhooks (docs/configuration.md, docs/webhooks.md). */
export interface WebhookConfig {
  /** TESSERA_WEBHOOK_ALLOW_PRIVATE=1: deliver to private, loopback and link-local addresses too. */
  allowPrivate: boolean;
  /** TESSERA_WEBHOOK_POLL_MS: how often the outbox is read for deliveries due (events made on this node start at once). */
  pollMs: number;
  /** TESSERA_WEBHOOK_TIMEOUT_MS: how long a receiver has to answer. */
  timeoutMs: number;
  /** TESSERA_WEBHOOK_LEASE_MS: how long an attempt is one node's before another may retry it; more than the timeout. */
  leaseMs: number;
  /** TESSERA_WEBHOOK_RETRY_BASE_MS, TESSERA_WEBHOOK_RETRY_MAX_MS, TESSERA_WEBHOOK_RETRY_FOR_MS: the backoff and how long it lasts. */
  retryBaseMs: number;
  retryMaxMs: number;
  retryForMs: number;
  /** TESSERA_WEBHOOK_PAUSE_FAILURES and TESSERA_WEBHOOK_PAUSE_AFTER_MS: a webhook is paused after this many failures in a row over at least this long. */
  pauseFailures: number;
  pauseAfterMs: number;
  /** TESSERA_WEBHOOK_SWEEP_MS: how often token.expiring is looked for and old deliveries forgotten. */
  sweepMs: number;
}

export function webhookConfig(env: NodeJS.ProcessEnv): WebhookConfig {
  const config: WebhookConfig = {
    allowPrivate: flag('TESSERA_WEBHOOK_ALLOW_PRIVATE', env.TESSERA_WEBHOOK_ALLOW_PRIVATE),
    pollMs: positive('TESSERA_WEBHOOK_POLL_MS', env.TESSERA_WEBHOOK_POLL_MS, 1000),
    timeoutMs: positive('TESSERA_WEBHOOK_TIMEOUT_MS', env.TESSERA_WEBHOOK_TIMEOUT_MS, 10_000),
    leaseMs: positive('TESSERA_WEBHOOK_LEASE_MS', env.TESSERA_WEBHOOK_LEASE_MS, 60_000),
    retryBaseMs: positive('TESSERA_WEBHOOK_RETRY_BASE_MS', env.TESSERA_WEBHOOK_RETRY_BASE_MS, 5_000),
    retryMaxMs: positive('TESSERA_WEBHOOK_RETRY_MAX_MS', env.TESSERA_WEBHOOK_RETRY_MAX_MS, 3_600_000),
    retryForMs: positive('TESSERA_WEBHOOK_RETRY_FOR_MS', env.TESSERA_WEBHOOK_RETRY_FOR_MS, 24 * 3_600_000),
    pauseFailures: positive('TESSERA_WEBHOOK_PAUSE_FAILURES', env.TESSERA_WEBHOOK_PAUSE_FAILURES, 15),
    pauseAfterMs: positive('TESSERA_WEBHOOK_PAUSE_AFTER_MS', env.TESSERA_WEBHOOK_PAUSE_AFTER_MS, 24 * 3_600_000),
    sweepMs: positive('TESSERA_WEBHOOK_SWEEP_MS', env.TESSERA_WEBHOOK_SWEEP_MS, 60_000),
  };
  if (config.leaseMs <= config.timeoutMs) {
    throw new Error(
      `TESSERA_WEBHOOK_LEASE_MS (${config.leaseMs}) must be more than TESSERA_WEBHOOK_TIMEOUT_MS (${config.timeoutMs}): a lease must outlast an attempt`,
    );
  }
  return config;
}

function flag(name: string, text: string | undefined): boolean {
  if (text === undefined || text === '' || text === '0' || text === 'false') return false;
  if (text === '1' || text === 'true') return true;
  throw new Error(`${name} must be 1 or 0, got "${text}"`);
}

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  if (!/^\d+$/.test(text) || Number(text) === 0) throw new Error(`${name} must be a whole number of at least 1, got "${text}"`);
  return Number(text);
}
