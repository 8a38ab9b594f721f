import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { parseEdgeClients } from '../core/unleash-edge-signature.js';
import { buildApp } from '../http/app.js';
import { gracefulClose } from '../http/graceful-close.js';
import { loggerOptions } from '../http/logger.js';
import { bootstrap } from '../service/bootstrap.js';
import { PrometheusMetrics, type MetricsOptions } from '../adapters/metrics/prometheus-metrics.js';
import { systemRuntime } from '../service/runtime.js';
import { createServices } from '../service/services.js';
import type { ChangeSignal } from '../service/change-feed.js';
import { PostgresChangeSignal } from '../adapters/postgres/postgres-change-signal.js';
import { RedisChangeSignal } from '../adapters/redis/redis-change-signal.js';
import { RedisRateLimiter } from '../adapters/redis/redis-rate-limiter.js';
import { HttpWebhookSender } from '../adapters/http/webhook-sender.js';
import { openPreparedStores, openStores, type StoreOptions } from '../store/open-stores.js';
import { isPostgresUrl } from '../store/postgres-url.js';
import type { Stores } from '../store/stores.js';
import { claimServerKey } from './secret-key.js';
import { loadGithubScanningKeys } from './github-scanning-keys.js';
import { changePollMsOf, listenUrl, redactPassword, type ServerConfig } from './server-config.js';
import { failedFirstStartNotice } from './start-banner.js';
import { FailedAfterBootstrap } from './startup-errors.js';

/** How often overdue reservations are refunded and expired idempotency keys forgotten. */
const HOUSEKEEPING_MS = 1000;

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  /** How this node hears of changes at once (for the start banner and the cluster's primary). */
  changeSignalName: string;
  /** The admin token a first start created (generated or given); undefined on later starts. */
  secret: string | undefined;
  /**
   * Stops taking connections, lets the requests under way finish (cutting those still open
   * after config.shutdownTimeoutMs), then writes the usage behind and closes the stores.
   */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** A cluster worker: its primary has migrated and bootstrapped the store already. */
  prepared?: boolean;
  /** How /metrics gathers its text (see MetricsOptions.gather): a cluster worker asks its primary. */
  gatherMetrics?: MetricsOptions['gather'];
}

/** How this node hears of token changes at once (see ServerConfig.changeSignal); nothing: by reading the log alone. */
async function changeSignal(config: ServerConfig, stores: Stores): Promise<{ changeSignal?: ChangeSignal }> {
  const postgres = isPostgresUrl(config.databaseUrl);
  const kind = config.changeSignal === 'auto' ? (config.redisUrl ? 'redis' : postgres ? 'notify' : 'poll') : config.changeSignal;
  if (kind === 'redis') {
    if (!config.redisUrl) throw new Error('TESSERA_CHANGE_SIGNAL=redis needs REDIS_URL');
    return { changeSignal: new RedisChangeSignal(config.redisUrl, await stores.changes.logId()) };
  }
  if (kind === 'notify') {
    if (!postgres) throw new Error('TESSERA_CHANGE_SIGNAL=notify needs a PostgreSQL DATABASE_URL');
    return { changeSignal: new PostgresChangeSignal(config.databaseUrl!) };
  }
  return {};
}

/** Opens the store, running the migrations, checking (or on a new installation making) the key and bootstrapping an empty one, one starting process at a time. */
async function openAndPrepare(options: StoreOptions, config: ServerConfig): Promise<{ stores: Stores; secret: string | undefined; key: Buffer }> {
  let secret: string | undefined;
  let key: Buffer | undefined;
  const stores = await openStores(options, async (opened) => {
    key = await claimServerKey(config, opened);
    secret = await bootstrap(opened, systemRuntime, config.bootstrapToken);
  });
  return { stores, secret, key: key! };
}

/** The stores over a database another process has prepared, once the key is known to be the one recorded there. */
async function openPrepared(options: StoreOptions, config: ServerConfig): Promise<{ stores: Stores; secret: undefined; key: Buffer }> {
  const stores = await openPreparedStores(options);
  try {
    return { stores, secret: undefined, key: await claimServerKey(config, stores) };
  } catch (error) {
    await stores.close();
    throw error;
  }
}

/**
 * Migrates and bootstraps the store, then closes it: a cluster's primary does this once for its
 * workers. It also makes the key file of a new installation, so the workers read one file instead
 * of racing to create it, and refuses a key other than the store's before any worker is forked.
 */
export async function prepareStore(config: ServerConfig): Promise<string | undefined> {
  const { stores, secret } = await openAndPrepare(storeOptions(config), config);
  await stores.close();
  return secret;
}

/** Opens the store (migrating and bootstrapping it unless `prepared`) and listens. */
export async function startServer(config: ServerConfig, options: StartOptions = {}): Promise<RunningServer> {
  // Made before the store opens, so that the migrations' queries are timed too.
  const metrics = new PrometheusMetrics({ processMetrics: true, ...(options.gatherMetrics ? { gather: options.gatherMetrics } : {}) });
  const opening = { ...storeOptions(config), onQuery: (ms: number, failed: boolean) => metrics.observeStoreQuery(ms, failed) };
  const githubKeys = loadGithubScanningKeys(config.githubScanningKeys);
  const { stores, secret, key: secretKey } = options.prepared ? await openPrepared(opening, config) : await openAndPrepare(opening, config);
  try {
    return { ...(await serveStores(config, stores, secretKey, githubKeys, metrics)), secret };
  } catch (error) {
    // The admin is in the store now and no later start shows its token: shown with the cause or never.
    if (secret === undefined) throw error;
    throw new FailedAfterBootstrap(error, failedFirstStartNotice(config, secret));
  }
}

/** Builds the app over opened stores, starts the background work and listens. */
async function serveStores(
  config: ServerConfig,
  stores: Stores,
  secretKey: Buffer,
  githubKeys: ReturnType<typeof loadGithubScanningKeys>,
  metrics: PrometheusMetrics,
): Promise<Omit<RunningServer, 'secret'>> {
  const rateLimiter = config.redisUrl
    ? new RedisRateLimiter({
        url: config.redisUrl,
        onUnavailable: config.rateLimitOnRedisDown,
        onDegraded: (error) => process.stderr.write(`Redis unreachable, rate limits ${config.rateLimitOnRedisDown}: ${error.message}\n`),
        onRecovered: () => process.stderr.write('Redis reachable again: rate limits counted there\n'),
      })
    : undefined;
  if (rateLimiter && !(await rateLimiter.ready())) {
    process.stderr.write(`Redis at ${redactPassword(config.redisUrl!)} is not answering yet; rate limits are ${config.rateLimitOnRedisDown} until it does\n`);
  }
  const { services, background } = createServices(stores, {
    metrics,
    ...(rateLimiter ? { rateLimiter } : {}),
    failedAttemptsPerMinute: config.failedAttemptsPerMinute,
    cache: { ttlMs: config.cacheTtlMs, maxEntries: config.cacheMaxEntries },
    secretKey,
    edgeClients: parseEdgeClients(config.edgeClients),
    edgeConfigTokenLimit: config.edgeConfigTokenLimit,
    streamHeartbeatMs: config.streamHeartbeatMs,
    jwtTtlSeconds: config.jwtTtlSeconds,
    signingKeyRefreshMs: config.signingKeyRefreshMs,
    sessionTtlMs: config.sessionTtlMs,
    policySweepMs: config.policySweepMs,
    leaks: { githubKeys, gitlabToken: config.gitlabRevocationToken, reportsPerMinute: config.leakReportsPerMinute },
    analytics: config.analytics,
    analyticsRetention: {
      minuteMs: config.analyticsMinuteRetentionMs,
      hourMs: config.analyticsHourRetentionMs,
      totalMs: config.analyticsRetentionDays * 86_400_000,
    },
    webhooks: {
      transport: new HttpWebhookSender({ allowPrivate: config.webhooks.allowPrivate }),
      allowPrivate: config.webhooks.allowPrivate,
      pollMs: config.webhooks.pollMs,
      timeoutMs: config.webhooks.timeoutMs,
      leaseMs: config.webhooks.leaseMs,
      retry: { baseMs: config.webhooks.retryBaseMs, maxMs: config.webhooks.retryMaxMs, giveUpAfterMs: config.webhooks.retryForMs },
      pause: { failures: config.webhooks.pauseFailures, afterMs: config.webhooks.pauseAfterMs },
      sweepMs: config.webhooks.sweepMs,
    },
    ...(await changeSignal(config, stores)),
    changeFeed: {
      pollMs: changePollMsOf(config),
      onError: (error) => process.stderr.write(`reading the change log failed: ${error instanceof Error ? error.message : String(error)}\n`),
      onStateChange: (live, error) =>
        process.stderr.write(
          live
            ? 'change notifications: listening; cached tokens served again\n'
            : `change notifications lost (${error?.message ?? 'unknown'}); answering from the store until they are back\n`,
        ),
    },
  });
  const logLines = asyncStdout();
  const app = await buildApp(services, {
    logger: loggerOptions(config.logLevel, logLines),
    trustProxy: config.trustProxy,
    ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
  });
  const close = gracefulClose(app);
  await background.start(
    config.usageFlushMs,
    (error) => app.log.error({ err: error }, 'writing use counts and last-used times failed'),
    (error) => app.log.error({ err: error }, 'the inactivity sweep failed'),
    (error) => app.log.error({ err: error }, 'reading whether imported keys exist failed'),
  );
  background.startWebhooks((error) => app.log.error({ err: error }, 'delivering webhooks failed'));
  const sweep = setInterval(() => {
    services.credits
      .expireDue((error, key) => app.log.error({ err: error, reservation: key }, 'refunding an expired reservation failed'))
      .catch((error) => app.log.error({ err: error }, 'refunding expired reservations failed'));
    services.idempotency.purge().catch((error) => app.log.error({ err: error }, 'purging idempotency keys failed'));
    services.analytics.sweep().catch((error) => app.log.error({ err: error }, 'rolling up verification counts failed'));
  }, HOUSEKEEPING_MS);
  sweep.unref();
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = listenUrl(config.host, port);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      clearInterval(sweep);
      const cut = await close(config.shutdownTimeoutMs);
      if (cut > 0) process.stderr.write(`tessera: cut ${cut} connection(s) still busy after ${config.shutdownTimeoutMs} ms\n`);
      await background.stop();
      await stores.close();
      logLines.flushSync();
    })());
  return { app, url, changeSignalName: background.changeSignalName, stop };
}

function storeOptions(config: ServerConfig): StoreOptions {
  return { databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: config.poolSize };
}

/**
 * stdout for the JSON log, written asynchronously: a request never waits for its line. While one
 * write is under way the next lines gather and go out together, so under load the log costs one
 * write a batch, not one a line. What is still gathered when the process exits is written then.
 */
function asyncStdout(): ReturnType<typeof pino.destination> {
  const stream = pino.destination({ dest: 1, sync: false });
  process.once('exit', () => {
    try {
      stream.flushSync();
    } catch {
      // Exiting anyway: stdout is closed or not ready.
    }
  });
  return stream;
}
