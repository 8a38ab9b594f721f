import type { Stores } from '../store/stores.js';
import type { AnalyticsRetention } from '../core/analytics.js';
import { AccessPolicy } from './access-policy.js';
import { AnalyticsRecorder } from './analytics-recorder.js';
import { AnalyticsService } from './analytics-service.js';
import { AccountService } from './account-service.js';
import { AuditService } from './audit-service.js';
import { AuthService } from './auth-service.js';
import { Background } from './background.js';
import { CatalogService } from './catalog-service.js';
import { ChangeFeed, type ChangeFeedOptions, type ChangeSignal } from './change-feed.js';
import { CreditService } from './credit-service.js';
import { EdgeAuth } from './unleash-edge-auth.js';
import { EdgeConfigAccess } from './vercel-edge-config-access.js';
import { EdgeConfigService } from './vercel-edge-config-service.js';
import { EdgeTokenService } from './unleash-edge-token-service.js';
import { FailureGuard } from './failure-guard.js';
import { ForeignKeys } from './foreign-keys.js';
import { IdempotencyService } from './idempotency-service.js';
import { IntrospectionService } from './introspection-service.js';
import type { EventPublisher } from './event-publisher.js';
import { LeakPartners, type LeakPartnerOptions } from './leak-partners.js';
import { LeakPolicyService } from './leak-policy-service.js';
import { LeakService } from './leak-service.js';
import { noMetrics, type Metrics } from './metrics.js';
import { OffboardingService } from './offboarding-service.js';
import { ImportService } from './import-service.js';
import { MemoryRateLimiter, type RateLimiter } from './rate-limiter.js';
import { PolicyService } from './policy-service.js';
import { PolicySweep } from './policy-sweep.js';
import { Readiness } from './readiness.js';
import { SessionService } from './session-service.js';
import { SigningKeyService } from './signing-key-service.js';
import { systemRuntime, type Clock, type Runtime } from './runtime.js';
import { TokenCache, type TokenCacheOptions } from './token-cache.js';
import { TokenExchangeService } from './token-exchange-service.js';
import { TokenService } from './token-service.js';
import { UsageRecorder } from './usage-recorder.js';
import { VerifierFeed } from './verifier-feed.js';
import { VerifierService } from './verifier-service.js';
import { VerifyService } from './verify-service.js';
import { DEFAULT_PAUSE, DEFAULT_RETRY } from '../core/webhook.js';
import { WebhookDispatcher, type DispatcherOptions } from './webhook-dispatcher.js';
import { WebhookOutbox } from './webhook-outbox.js';
import { WebhookService } from './webhook-service.js';
import { WebhookSweeper } from './webhook-sweeper.js';
import { CreditWatch } from './credit-watch.js';
import type { WebhookTransport } from './webhook-transport.js';

/**
 * What the HTTP layer calls: the use cases, the time, the metrics. Each route takes the few of
 * these it uses (Pick<Services, ...>); what runs behind the requests is in Background.
 */
export interface Services {
  clock: Clock;
  auth: AuthService;
  tokens: TokenService;
  verify: VerifyService;
  accounts: AccountService;
  audit: AuditService;
  catalog: CatalogService;
  credits: CreditService;
  edgeTokens: EdgeTokenService;
  edgeConfigs: EdgeConfigService;
  edgeAuth: EdgeAuth;
  idempotency: IdempotencyService;
  readiness: Readiness;
  metrics: Metrics;
  verifier: VerifierService;
  /** RFC 7662 introspection and RFC 7009 revocation of tessera's tokens (POST /oauth/introspect, /oauth/revoke). */
  oauthIntrospection: IntrospectionService;
  signingKeys: SigningKeyService;
  tokenExchange: TokenExchangeService;
  /** Dashboard sign-in: session cookies in place of a token (POST /v1/session). */
  sessions: SessionService;
  /** Admins disable, enable and delete users (POST /v1/users/{id}/disable, …). */
  offboarding: OffboardingService;
  /** Other systems' keys, a batch at a time (POST /v1/tokens/import); `tessera import` makes its own. */
  imports: ImportService;
  /** Verification counts over time (GET /v1/analytics/verifications) and their rollups. */
  analytics: AnalyticsService;
  /** Lifecycle policies: the installation's and each team's (GET/PUT /v1/policies, /v1/teams/{id}/policies). */
  policies: PolicyService;
  /** Leak intake: GitHub secret scanning, GitLab's revocation API and the public report, one use case. */
  leaks: LeakService;
  /** Who may report leaks (GitHub's signature, GitLab's token, a rate limit for everyone else). */
  leakPartners: LeakPartners;
  /** Per-team leak policies and the installation's default. */
  leakPolicies: LeakPolicyService;
  /** Webhooks, their deliveries, tests and redeliveries (docs/webhooks.md). */
  webhooks: WebhookService;
  /** Whether keys imported from other systems exist, so that their texts are looked up; an importer marks them present. */
  foreignKeys: ForeignKeys;
}

/** The services and the background they share their cache, change feed, usage recorder and rate limiter with. */
export interface WiredServices {
  services: Services;
  background: Background;
}

export interface ServiceOptions {
  runtime?: Runtime;
  cache?: Partial<TokenCacheOptions>;
  /** Derives get-or-create secrets (Unleash Edge); without one, a random key lasts as long as the process. */
  secretKey?: Buffer;
  /** Unleash Edge clients allowed to sign requests, by client id. */
  edgeClients?: Map<string, Buffer>;
  /** Tokens one Edge Config may have (Vercel answers 402 past its plan's limit). */
  edgeConfigTokenLimit?: number;
  /** Where rate-limit counters live; in this process when not given. */
  rateLimiter?: RateLimiter;
  /** Unknown tokens or bad credentials one address may present per minute before it gets 429; 0 = no limit. */
  failedAttemptsPerMinute?: number;
  /** How other nodes hear of changes at once (PostgreSQL NOTIFY, Redis); by reading the change log alone when not given. */
  changeSignal?: ChangeSignal;
  changeFeed?: Partial<ChangeFeedOptions> & Pick<ConstructorParameters<typeof ChangeFeed>[0], 'observeLag' | 'onError' | 'onStateChange'>;
  /** How often a verifier's change stream gets a heartbeat comment (TESSERA_STREAM_HEARTBEAT_MS); 15 s when not given. */
  streamHeartbeatMs?: number;
  /** Where the process's metrics go; serve makes it before opening the store so that store queries are timed too. */
  metrics?: Metrics;
  /** How long a JWT from POST /oauth/token lives (TESSERA_JWT_TTL_SECONDS); 900 s when not given. */
  jwtTtlSeconds?: number;
  /** How long a node trusts what it read of the signing keys: a rotation elsewhere reaches it within this; 30 s when not given. */
  signingKeyRefreshMs?: number;
  /** How long a dashboard session lasts from sign-in (TESSERA_SESSION_TTL_MS); 12 hours when not given. */
  sessionTtlMs?: number;
  /** Where services report what happened (the webhook outbox); nowhere when not given. */
  events?: EventPublisher;
  /** Whether verifications are counted for analytics (TESSERA_ANALYTICS); on when not given. */
  analytics?: boolean;
  /** How long analytics keeps minute, hour and all rows; 2 days, 14 days and 90 days when not given. */
  analyticsRetention?: Partial<AnalyticsRetention>;
  /** How often this node runs the lifecycle policies' inactivity sweep (TESSERA_POLICY_SWEEP_MS); 5 minutes when not given, 0 = never. */
  policySweepMs?: number;
  /** GitHub's scanning keys, GitLab's token and the public report's rate limit. */
  leaks?: LeakPartnerOptions;
  /** How webhooks are delivered: the transport (an HTTP client when not given), timings, and whether private addresses are allowed. */
  webhooks?: WebhookOptions;
  /** How often a node without imported keys reads again whether an import has written some; 5 s when not given, 0 = only at start. */
  foreignKeyRefreshMs?: number;
}

export interface WebhookOptions extends Partial<DispatcherOptions> {
  /** How deliveries are sent; tests may pass a fake. Without one, no dispatcher runs (nothing is sent). */
  transport?: WebhookTransport;
  /** TESSERA_WEBHOOK_ALLOW_PRIVATE: webhook URLs on private, loopback and link-local addresses are taken. */
  allowPrivate?: boolean;
  /** How often token.expiring is looked for and old deliveries forgotten (TESSERA_WEBHOOK_SWEEP_MS); a minute when not given. */
  sweepMs?: number;
  /** How long final deliveries and their events are kept; 30 days when not given. */
  retentionMs?: number;
}

const DAY_MS = 86_400_000;

/** Wires the services and their background over one set of stores: production passes SQL stores, tests the memory ones. */
export function createServices(stores: Stores, options: ServiceOptions = {}): WiredServices {
  const runtime = options.runtime ?? systemRuntime;
  const cache = new TokenCache({ maxEntries: 100_000, ttlMs: 10_000, ...options.cache });
  const metrics = options.metrics ?? noMetrics;
  const { pollMs = 500, retentionMs = 3_600_000, ...feedHooks } = options.changeFeed ?? {};
  const changes = new ChangeFeed(
    {
      log: stores.changes,
      cache,
      runtime,
      ...(options.changeSignal ? { signal: options.changeSignal } : {}),
      observeLag: (ms) => metrics.observeNotificationLag(ms),
      ...feedHooks,
    },
    { pollMs, retentionMs },
  );
  metrics.watch({ cache, changes });
  const usage = new UsageRecorder(stores.tokens);
  const verifierFeed = new VerifierFeed({
    log: stores.changes,
    changes,
    heartbeatMs: options.streamHeartbeatMs ?? 15_000,
    ...(feedHooks.onError ? { onError: feedHooks.onError } : {}),
  });
  const access = new AccessPolicy({ accounts: stores.accounts, edgeConfigs: stores.edgeConfigs });
  const configAccess = new EdgeConfigAccess({ edgeConfigs: stores.edgeConfigs, access, tokenLimit: options.edgeConfigTokenLimit ?? 100 });
  const audit = new AuditService({ audit: stores.audit, access, runtime, accounts: stores.accounts, tokens: stores.tokens });
  const rateLimiter = options.rateLimiter ?? new MemoryRateLimiter();
  const guard = new FailureGuard(options.failedAttemptsPerMinute ?? 100);
  const analytics = options.analytics === false ? undefined : new AnalyticsRecorder(stores.analytics);
  const outbox = new WebhookOutbox({ webhooks: stores.webhooks, outbox: stores.outbox, runtime });
  // What every service reports its events through: the outbox, delivered by the dispatcher.
  const events: EventPublisher = options.events ?? outbox;
  const creditWatch = new CreditWatch({ webhooks: stores.webhooks, events, runtime });
  const foreignKeys = new ForeignKeys({ settings: stores.settings }, { refreshMs: options.foreignKeyRefreshMs ?? 5_000 });
  const verify = new VerifyService({
    tokens: stores.tokens,
    credits: stores.credits,
    rateLimiter,
    cache,
    usage,
    guard,
    counter: metrics,
    runtime,
    analytics,
    creditWatch,
    foreignKeys,
  });
  const catalog = new CatalogService({ catalog: stores.catalog, access, runtime });
  const secretKey = options.secretKey ?? Buffer.from(runtime.randomBytes(32));
  const webhookOptions = options.webhooks ?? {};
  const dispatcher = webhookOptions.transport
    ? new WebhookDispatcher(
        { webhooks: stores.webhooks, outbox: stores.outbox, publisher: outbox, transport: webhookOptions.transport, runtime, serverKey: secretKey },
        {
          pollMs: webhookOptions.pollMs ?? 1000,
          timeoutMs: webhookOptions.timeoutMs ?? 10_000,
          leaseMs: webhookOptions.leaseMs ?? 60_000,
          concurrency: webhookOptions.concurrency ?? 16,
          retry: { ...DEFAULT_RETRY, ...webhookOptions.retry },
          pause: { ...DEFAULT_PAUSE, ...webhookOptions.pause },
        },
      )
    : undefined;
  if (dispatcher) outbox.onAppended = () => dispatcher.kick();
  const sweeper = new WebhookSweeper(
    { webhooks: stores.webhooks, outbox: stores.outbox, tokens: stores.tokens, publisher: outbox, runtime },
    { retentionMs: webhookOptions.retentionMs ?? 30 * DAY_MS },
  );
  const policies = new PolicyService({ policies: stores.policies, accounts: stores.accounts, access, audit, runtime });
  const sweep = new PolicySweep({
    policyStore: stores.policies,
    policies,
    inactivity: stores.inactivity,
    tokens: stores.tokens,
    changes,
    events,
    audit,
    runtime,
  });
  const tokens = new TokenService({
    tokens: stores.tokens,
    accounts: stores.accounts,
    access,
    audit,
    changes,
    policies,
    events,
    resources: configAccess,
    runtime,
    secretKey,
  });
  const auth = new AuthService({ verify, access, accounts: stores.accounts, usage, rateLimiter, guard, runtime });
  const jwtTtlSeconds = options.jwtTtlSeconds ?? 900;
  const signingKeys = new SigningKeyService(
    { store: stores.signingKeys, serverKey: secretKey, runtime },
    { refreshMs: options.signingKeyRefreshMs ?? 30_000, maxTokenLifetimeMs: jwtTtlSeconds * 1000 },
  );
  const sessions = new SessionService(
    { sessions: stores.sessions, tokens: stores.tokens, auth, audit, guard, runtime, serverKey: secretKey },
    { ttlMs: options.sessionTtlMs ?? 12 * 3_600_000 },
  );
  const leakPolicies = new LeakPolicyService({ policies: stores.leakPolicies, access, audit, runtime });
  const leaks = new LeakService({
    tokens: stores.tokens,
    policies: leakPolicies,
    audit,
    changes,
    events,
    runtime,
    disable: (token) => tokens.disable(null, token.id, { by: 'leak' }),
    foreignKeys,
  });
  const services: Services = {
    foreignKeys,
    leaks,
    leakPolicies,
    leakPartners: new LeakPartners({ rateLimiter, runtime }, options.leaks),
    clock: runtime,
    sessions,
    metrics,
    audit,
    verify,
    auth,
    signingKeys,
    tokenExchange: new TokenExchangeService({ verify, signingKeys, counter: metrics, runtime }, jwtTtlSeconds),
    tokens,
    policies,
    analytics: new AnalyticsService(
      { store: stores.analytics, access, accounts: stores.accounts, tokens: stores.tokens, runtime },
      { minuteMs: 2 * DAY_MS, hourMs: 14 * DAY_MS, totalMs: 90 * DAY_MS, ...options.analyticsRetention },
    ),
    oauthIntrospection: new IntrospectionService({ auth, tokens, verify }),
    accounts: new AccountService({ accounts: stores.accounts, access, audit, runtime }),
    offboarding: new OffboardingService({ accounts: stores.accounts, tokens: stores.tokens, access, audit, changes, events, runtime }),
    imports: new ImportService({ tokens: stores.tokens, accounts: stores.accounts, foreignKeys, audit, runtime, access, changes }),
    catalog,
    credits: new CreditService({ credits: stores.credits, tokens: stores.tokens, verify, access, audit, cache, changes, runtime, secretKey, creditWatch }),
    edgeTokens: new EdgeTokenService({ tokens: stores.tokens, access, catalog, verify, audit, changes, runtime, secretKey }),
    readiness: new Readiness({ stores, changes }),
    idempotency: new IdempotencyService({ idempotency: stores.idempotency, runtime }),
    verifier: new VerifierService({
      tokens: stores.tokens,
      accounts: stores.accounts,
      log: stores.changes,
      access,
      feed: verifierFeed,
      runtime,
      usage,
      analytics,
    }),
    webhooks: new WebhookService(
      { webhooks: stores.webhooks, outbox: stores.outbox, publisher: outbox, access, audit, runtime, serverKey: secretKey },
      { allowPrivate: webhookOptions.allowPrivate ?? false, onChanged: () => creditWatch.reload() },
    ),
    edgeAuth: new EdgeAuth({ clients: options.edgeClients ?? new Map(), idempotency: stores.idempotency, runtime }),
    edgeConfigs: new EdgeConfigService({
      edgeConfigs: stores.edgeConfigs,
      configAccess,
      tokens: stores.tokens,
      tokenService: tokens,
      verify,
      access,
      runtime,
    }),
  };
  return {
    services,
    background: new Background({
      changes,
      usage,
      rateLimiter,
      cache,
      analytics,
      sweep,
      sweepMs: options.policySweepMs ?? 300_000,
      foreignKeys,
      webhooks: { dispatcher, sweeper, creditWatch, sweepMs: webhookOptions.sweepMs ?? 60_000 },
    }),
  };
}
