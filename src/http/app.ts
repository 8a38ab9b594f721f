import { randomBytes } from 'node:crypto';
import { createServer, maxHeaderSize, type RequestListener, type Server } from 'node:http';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { AppError } from '../core/errors.js';
import type { Services } from '../service/services.js';
import { installAuthentication, SECURITY_SCHEMES } from './call-context.js';
import { frameworkErrorHandler, installNativeErrors } from './error-handler.js';
import { accountRoutes } from './routes/account-routes.js';
import { offboardingRoutes } from './routes/offboarding-routes.js';
import { tokenImportRoutes } from './routes/token-import-routes.js';
import { analyticsRoutes } from './routes/analytics-routes.js';
import { auditRoutes } from './routes/audit-routes.js';
import { catalogRoutes } from './routes/catalog-routes.js';
import { creditRoutes } from './routes/credit-routes.js';
import { dashboardRoutes } from './routes/dashboard-routes.js';
import { forwardAuthRoutes } from './routes/forward-auth-routes.js';
import { healthRoutes } from './routes/health-routes.js';
import { jwksRoutes } from './routes/jwks-routes.js';
import { leakPolicyRoutes } from './routes/leak-policy-routes.js';
import { leakRoutes } from './routes/leak-routes.js';
import { metricsRoutes } from './routes/metrics-routes.js';
import { oauthRoutes } from './routes/oauth-routes.js';
import { policyRoutes } from './routes/policy-routes.js';
import { reservationRoutes } from './routes/reservation-routes.js';
import { sessionRoutes } from './routes/session-routes.js';
import { tokenExchangeRoutes } from './routes/token-exchange-routes.js';
import { tokenRoutes } from './routes/token-routes.js';
import { verifyRoutes } from './routes/verify-routes.js';
import { verifierRoutes } from './routes/verifier-routes.js';
import { assertNoContentCoding, JSON_IN_UTF8, NUL_MESSAGE, parseJsonBody } from './json-body.js';
import { webhookRoutes } from './routes/webhook-routes.js';
import { logRequest, logRequestStart } from './logger.js';
import { validatorCompiler } from './validator.js';
import { holdAnswersUntilTurnEnds } from './turn-writes.js';
import { installFastVerify, type FastPath } from './fast-verify/install-fast-verify.js';
import { edenaiRoutes } from './dialects/edenai/edenai-routes.js';
import { unleashRoutes } from './dialects/unleash/unleash-routes.js';
import { edgeConfigReadRoutes } from './dialects/vercel/edge-config-read-routes.js';
import { edgeConfigRoutes } from './dialects/vercel/edge-config-routes.js';
import { vercelUserTokenRoutes } from './dialects/vercel/vercel-user-token-routes.js';
import { vidaRoutes } from './dialects/vida/vida-routes.js';

export const BODY_LIMIT_BYTES = 100 * 1024;

export interface AppOptions {
  logger?: FastifyServerOptions['logger'];
  /**
   * Whose X-Forwarded-For tells the client's address: how many proxies stand in front, or their
   * addresses and CIDR ranges. Not given or 0: nobody's; the peer is the client.
   */
  trustProxy?: number | readonly string[];
  /**
   * Whether plain `POST /v1/verify` requests are answered in Node's request listener before
   * Fastify (fast-verify/), the default, or by Fastify's route like every other request.
   */
  verifyFastPath?: boolean;
  /** TESSERA_PUBLIC_URL: the OAuth issuer; each request's own address when not given (oauth/issuer.ts). */
  publicUrl?: string;
  /** Where the built dashboard is (index.html, assets/); dist/web/ beside the compiled server when not given. */
  webRoot?: string;
}

export async function buildApp(services: Services, options: AppOptions = {}): Promise<FastifyInstance> {
  // Counted and logged by route pattern, never the URL: a URL can carry a secret (`?token=`,
  // Edge Config token paths).
  const answered = (request: FastifyRequest, reply: FastifyReply) => {
    services.metrics.observeRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    logRequest(
      request.server.log,
      {
        reqId: request.id,
        method: request.method,
        route: request.routeOptions.url,
        ip: request.ip,
        status: reply.statusCode,
        responseTimeMs: reply.elapsedTime,
        tokenId: request.principal?.token.id,
      },
      request.routeOptions.config.verification === true ? 'debug' : 'info',
    );
  };
  const requestId = requestIds();
  // Set once the app exists; until then (and when turned off) every request goes to Fastify.
  let fastPath: FastPath | undefined;
  const trustProxy = fastifyTrustProxy(options.trustProxy ?? 0);
  const app = Fastify({
    logger: options.logger ?? false,
    // One line a request instead of Fastify's two: logRequest, below and in the fast path.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT_BYTES,
    // The router's own limit (100 by default) refused path parameters the routes' schemas take
    // (Eden AI names of 200 characters, Edge Config keys of 256, longer still when decoded from
    // UTF-16 surrogates), and answered in the native shape on vendor routes. No parameter of a URL
    // Node's HTTP parser lets through is longer than its header limit: each route's schema decides.
    routerOptions: { maxParamLength: maxHeaderSize },
    trustProxy,
    genReqId: requestId,
    serverFactory: (handler, serverOptions) =>
      nodeServer(serverOptions, (request, response) => {
        if (!fastPath?.(request, response)) handler(request, response);
      }),
    // Router failures skip every hook, onResponse included: counted here.
    frameworkErrors: (error, request, reply) => {
      frameworkErrorHandler(error, request, reply);
      answered(request, reply);
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler());
  installJsonOnly(app);
  installNativeErrors(app);
  app.decorateRequest('principal', null);
  app.decorateRequest('session', null);
  app.decorateRequest('idempotency', null);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    logRequestStart(app.log, request.id, request.method, request.routeOptions.url, request.ip);
    if (/%00|\0/i.test(request.url)) throw new AppError('VALIDATION_ERROR', NUL_MESSAGE);
  });
  app.addHook('onResponse', (request, reply, done) => {
    answered(request, reply);
    done();
  });
  holdAnswersUntilTurnEnds(app);
  if (options.verifyFastPath !== false) {
    fastPath = installFastVerify(app, { services, requestId, trustProxy: trustProxy !== false, bodyLimit: BODY_LIMIT_BYTES });
  }

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'tessera', version: '0.1.0', description: 'Issue, scope, verify, rotate and revoke API tokens.' },
      components: { securitySchemes: SECURITY_SCHEMES },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  installAuthentication(app, services);

  await app.register(healthRoutes(services));
  await app.register(metricsRoutes(services));
  await app.register(verifyRoutes(services));
  await app.register(forwardAuthRoutes(services));
  await app.register(reservationRoutes(services));
  // The native management API, which the dashboard calls with its session cookie (docs/dashboard.md);
  // verification, gateway, OAuth and vendor routes never take the cookie.
  await app.register(async (native) => {
    native.addHook('onRoute', (route) => {
      route.config = { ...route.config, sessionCookie: true };
    });
    await native.register(sessionRoutes(services));
    await native.register(tokenRoutes(services));
    await native.register(accountRoutes(services));
    await native.register(offboardingRoutes(services));
    await native.register(tokenImportRoutes(services));
    await native.register(auditRoutes(services));
    await native.register(analyticsRoutes(services));
    await native.register(catalogRoutes(services));
    await native.register(creditRoutes(services));
    await native.register(policyRoutes(services));
    await native.register(leakPolicyRoutes(services));
    await native.register(webhookRoutes(services));
  });
  await app.register(leakRoutes(services));
  await app.register(verifierRoutes(services));
  await app.register(oauthRoutes(services, { publicUrl: options.publicUrl }));
  await app.register(vidaRoutes(services));
  await app.register(edenaiRoutes(services));
  await app.register(unleashRoutes(services));
  await app.register(vercelUserTokenRoutes(services));
  for (const prefix of ['/v1/edge-config', '/v1/global-config']) await app.register(edgeConfigRoutes(services), { prefix });
  await app.register(edgeConfigReadRoutes(services));
  await app.register(tokenExchangeRoutes(services, { publicUrl: options.publicUrl }));
  await app.register(jwksRoutes(services));
  await app.register(dashboardRoutes(options.webRoot === undefined ? {} : { root: options.webRoot }));
  return app;
}

/**
 * Fastify's own trustProxy, which walks X-Forwarded-For (proxy-addr) from the peer back to the
 * first address it does not trust. Fastify 5.12.1 and later refuse a bare hop count (given one,
 * they trust nobody): a count believes whatever connects, so it is sound only where nothing but
 * the proxies can reach tessera. It is kept, as the same walk cut after `hops` addresses, for
 * proxies whose addresses are not known in advance; the README says to list them where they are.
 */
function fastifyTrustProxy(trusted: number | readonly string[]): false | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trusted === 'number') return trusted > 0 ? (_address, hop) => hop < trusted : false;
  return trusted.length > 0 ? [...trusted] : false;
}

/** The HTTP server Fastify would make itself, with the same timeouts, and `listener` in front of its handler. */
function nodeServer(options: FastifyServerOptions, listener: RequestListener): Server {
  const server = createServer(listener);
  server.keepAliveTimeout = options.keepAliveTimeout!;
  server.requestTimeout = options.requestTimeout!;
  server.setTimeout(options.connectionTimeout!);
  if (options.maxRequestsPerSocket! > 0) server.maxRequestsPerSocket = options.maxRequestsPerSocket!;
  return server;
}

/**
 * `req_<process prefix><counter>`: unique per process and across processes (a random prefix),
 * without asking the CSPRNG on every request. An id names a request in logs; it guards nothing.
 */
function requestIds(): () => string {
  const prefix = `req_${randomBytes(6).toString('base64url')}`;
  let next = 0;
  return () => prefix + (next++).toString(36);
}

/** JSON is the only body type; an empty JSON body counts as no body. */
function installJsonOnly(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(JSON_IN_UTF8, { parseAs: 'string' }, (request, body, done) => {
    try {
      assertNoContentCoding(request);
      const value = parseJsonBody(body as string);
      // Kept for request signatures that cover the body as sent (Unleash Edge's HMAC).
      if (value !== undefined) request.rawBody = body as string;
      done(null, value);
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}
