import type { FastifyInstance } from 'fastify';
import { parseEdgeClients } from '../core/edge-signature.js';
import { buildApp } from '../http/app.js';
import { loggerOptions } from '../http/logger.js';
import { bootstrap } from '../service/bootstrap.js';
import { Metrics } from '../service/metrics.js';
import { createServices, type Services } from '../service/services.js';
import type { ChangeSignal } from '../service/change-feed.js';
import { PostgresChangeSignal } from '../service/postgres-change-signal.js';
import { RedisChangeSignal } from '../service/redis-change-signal.js';
import { RedisRateLimiter } from '../service/redis-rate-limiter.js';
import { isPostgresUrl, openStores } from '../store/open-stores.js';
import type { Stores } from '../store/stores.js';
import { loadSecretKey } from './secret-key.js';
import { describeStore, redactUrl, type ServerConfig } from './server-config.js';

const USAGE_FLUSH_MS = 1000;
/** How often overdue reservations are refunded and expired idempotency keys forgotten. */
const HOUSEKEEPING_MS = 1000;

export interface RunningServer {
  app: FastifyInstance;
  services: Services;
  url: string;
  stop(): Promise<void>;
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

/** Opens the store (running migrations), bootstraps an empty one, and listens. */
export async function startServer(config: ServerConfig): Promise<RunningServer> {
  // Made before the store opens, so that the migrations' queries are timed too.
  const metrics = new Metrics({ processMetrics: true });
  const stores = await openStores({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    onQuery: (ms, failed) => metrics.observeStoreQuery(ms, failed),
  });
  const rateLimiter = config.redisUrl
    ? new RedisRateLimiter({
        url: config.redisUrl,
        onUnavailable: config.rateLimitOnRedisDown,
        onDegraded: (error) => process.stderr.write(`Redis unreachable, rate limits ${config.rateLimitOnRedisDown}: ${error.message}\n`),
        onRecovered: () => process.stderr.write('Redis reachable again: rate limits counted there\n'),
      })
    : undefined;
  if (rateLimiter && !(await rateLimiter.ready())) {
    process.stderr.write(`Redis at ${redactUrl(config.redisUrl!)} is not answering yet; rate limits are ${config.rateLimitOnRedisDown} until it does\n`);
  }
  const services = createServices(stores, {
    metrics,
    ...(rateLimiter ? { rateLimiter } : {}),
    failedAttemptsPerMinute: config.failedAttemptsPerMinute,
    cache: { ttlMs: config.cacheTtlMs, maxEntries: config.cacheMaxEntries },
    secretKey: loadSecretKey(config.secretKey, config.dataDir),
    edgeClients: parseEdgeClients(config.edgeClients),
    edgeConfigTokenLimit: config.edgeConfigTokenLimit,
    ...(await changeSignal(config, stores)),
    changeFeed: {
      pollMs: config.changePollMs ?? (isPostgresUrl(config.databaseUrl) ? 500 : 100),
      onError: (error) => process.stderr.write(`reading the change log failed: ${error instanceof Error ? error.message : String(error)}\n`),
      onStateChange: (live, error) =>
        process.stderr.write(
          live
            ? 'change notifications: listening; cached tokens served again\n'
            : `change notifications lost (${error?.message ?? 'unknown'}); answering from the store until they are back\n`,
        ),
    },
  });
  await services.changes.start();
  const secret = await bootstrap(stores, services.runtime, config.bootstrapToken);
  const app = await buildApp(services, { logger: loggerOptions(config.logLevel), trustProxy: config.trustProxy });
  services.usage.start(USAGE_FLUSH_MS, (error) => app.log.error({ err: error }, 'writing last-used times failed'));
  const sweep = setInterval(() => {
    services.credits.expireDue().catch((error) => app.log.error({ err: error }, 'refunding expired reservations failed'));
    stores.idempotency.purge(services.runtime.now()).catch((error) => app.log.error({ err: error }, 'purging idempotency keys failed'));
  }, HOUSEKEEPING_MS);
  sweep.unref();
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;

  // People read these lines; they go to stderr, in one write, so the JSON log on stdout stays free of secrets.
  let banner = `tessera listening on ${url} (${describeStore(config)}; token changes heard by ${services.changes.signalName})\n`;
  if (secret !== undefined && config.bootstrapToken === undefined) {
    banner +=
      `\nFirst start: created the admin user and its token. It is shown this once, never again:\n\n    ${secret}\n\n` +
      `Try: curl -H "Authorization: Bearer ${secret}" ${url}/v1/whoami\n\n`;
  } else if (secret !== undefined) {
    banner += 'First start: created the admin user with the token from TESSERA_BOOTSTRAP_TOKEN.\n';
  }
  process.stderr.write(banner);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      clearInterval(sweep);
      await app.close();
      await services.changes.close();
      await services.usage.stop();
      await services.rateLimiter.close();
      await stores.close();
    })());
  return { app, services, url, stop };
}
