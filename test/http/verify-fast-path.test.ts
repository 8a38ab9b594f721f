import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOptions } from '../../src/http/app.js';
import { loggerOptions } from '../../src/http/logger.js';
import type { ServiceOptions } from '../../src/service/services.js';
import { startHarness, type Harness } from '../support/app-harness.js';

interface Sent {
  method?: string;
  path?: string;
  headers?: Record<string, string | number>;
  /** Sent as is; a chunked body when `chunked`. */
  body?: string;
  chunked?: boolean;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request over a connection of its own, the body sent exactly as given. */
function send(base: string, { method = 'POST', path = '/v1/verify', headers = {}, body, chunked = false }: Sent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const length = body === undefined || chunked ? {} : { 'content-length': Buffer.byteLength(body) };
    const req = request(`${base}${path}`, { method, agent: false, headers: { 'content-type': 'application/json', ...length, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (chunked && body !== undefined) {
      req.write(body.slice(0, 5));
      req.end(body.slice(5));
    } else req.end(body);
  });
}

/** An answer with what must differ between two servers taken out: the date, and the request id (header and body). */
function comparable(answer: Answer) {
  const { date: _date, 'x-request-id': id, ...headers } = answer.headers;
  assert.match(String(id), /^req_/, 'every answer names its request');
  return { status: answer.status, headers, body: answer.body.split(String(id)).join('<request id>') };
}

async function listen(app: FastifyInstance): Promise<string> {
  return app.listen({ host: '127.0.0.1', port: 0 });
}

/**
 * Two apps over one set of services: `fast` answers plain verifications on the given fast path,
 * `route` only through the Fastify route. Each also counts the requests Fastify saw.
 */
async function twoApps(h: Harness, options: AppOptions = {}) {
  const seenByFastify = { fast: 0, route: 0 };
  const fast = await buildApp(h.services, { ...options, verifyFastPath: true });
  fast.addHook('onRequest', async () => void seenByFastify.fast++);
  const route = await buildApp(h.services, { ...options, verifyFastPath: false });
  route.addHook('onRequest', async () => void seenByFastify.route++);
  return { fast, route, seenByFastify, urls: { fast: await listen(fast), route: await listen(route) } };
}

/** `body` with a fresh harness (its service options given) and its two apps, all closed afterwards. */
async function withTwoApps(options: ServiceOptions, body: (h: Harness, apps: Awaited<ReturnType<typeof twoApps>>) => Promise<void>) {
  const h = await startHarness(undefined, options);
  const apps = await twoApps(h);
  try {
    await body(h, apps);
  } finally {
    await apps.fast.close();
    await apps.route.close();
    await h.close();
  }
}

// Every request here is sent with `Connection: close` (Node's client without an agent).
{
  describe('POST /v1/verify fast path', () => {
    let h: Harness;
    let apps: Awaited<ReturnType<typeof twoApps>>;
    const secrets: Record<string, string> = {};

    const issue = async (name: string, payload: Record<string, unknown> = {}) => {
      const res = await h.request({ method: 'POST', url: '/v1/tokens', as: h.admin, payload: { name, ...payload } });
      assert.equal(res.statusCode, 201, res.body);
      return res.json().secret as string;
    };

    before(async () => {
      h = await startHarness();
      apps = await twoApps(h);
      secrets.plain = await issue('plain', { metadata: { customer: 7, tier: 'gold' } });
      secrets.scoped = await issue('scoped', { scopes: ['docs:*'], environment: 'production', projects: ['web'], resource: { kind: 'document', id: 'doc_1' } });
      secrets.allowlisted = await issue('allowlisted', { ipAllowlist: ['10.0.0.0/8'] });
      secrets.revoked = await issue('revoked');
      const revokedId = (await h.request({ method: 'POST', url: '/v1/verify', payload: { token: secrets.revoked } })).json().token.id;
      await h.request({ method: 'POST', url: `/v1/tokens/${revokedId}/revoke`, as: h.admin });
      secrets.expiring = await issue('expiring', { expiresAt: h.clock.now() + 60_000 });
    });
    after(async () => {
      await apps.fast.close();
      await apps.route.close();
      await h.close();
    });

    it('answers byte for byte what the Fastify route answers, for every outcome and every bad body', async () => {
      const json = (value: unknown) => JSON.stringify(value);
      const mistyped = secrets.plain!.slice(0, 10) + (secrets.plain![10] === 'A' ? 'B' : 'A') + secrets.plain!.slice(11);
      const cases: Array<[string, Sent]> = [
        ['valid', { body: json({ token: secrets.plain }) }],
        ['valid, charset in the type', { headers: { 'content-type': 'application/json; charset=utf-8' }, body: json({ token: secrets.plain }) }],
        [
          'valid with every requirement met',
          {
            body: json({
              token: secrets.scoped,
              scopes: ['docs:read'],
              environment: 'production',
              project: 'web',
              resource: { kind: 'document', id: 'doc_1' },
            }),
          },
        ],
        ['missing scope', { body: json({ token: secrets.scoped, scopes: ['billing:read'] }) }],
        ['other environment', { body: json({ token: secrets.scoped, environment: 'preview' }) }],
        ['other project', { body: json({ token: secrets.scoped, project: 'api' }) }],
        ['other resource', { body: json({ token: secrets.scoped, resource: { kind: 'document', id: 'doc_2' } }) }],
        ['allowlisted address', { body: json({ token: secrets.allowlisted, ip: '10.1.2.3' }) }],
        ['address off the allowlist', { body: json({ token: secrets.allowlisted, ip: '192.168.0.1' }) }],
        ['caller off the allowlist', { body: json({ token: secrets.allowlisted }) }],
        ['revoked', { body: json({ token: secrets.revoked }) }],
        ['unknown but well formed', { body: json({ token: `tsr_${'a'.repeat(36)}` }) }],
        ['mistyped', { body: json({ token: mistyped }) }],
        ['made up', { body: json({ token: 'hello' }) }],
        ['Unleash-wrapped', { body: json({ token: `default:production.${secrets.plain}` }) }],
        ['cost of nothing', { body: json({ token: secrets.plain, cost: '0' }) }],
        ['cost not a number', { body: json({ token: secrets.plain, cost: 'a lot' }) }],
        ['negative cost', { body: json({ token: secrets.plain, cost: '-5' }) }],
        ['invalid JSON', { body: '{"token":' }],
        ['blank body', { body: '   ' }],
        ['array body', { body: '[]' }],
        ['null body', { body: 'null' }],
        ['string body', { body: '"tsr_x"' }],
        ['empty object', { body: '{}' }],
        ['unknown property', { body: json({ token: secrets.plain, admin: true }) }],
        ['token not a string', { body: json({ token: 12 }) }],
        ['token too long', { body: json({ token: 'x'.repeat(513) }) }],
        ['rate limit names of the wrong shape', { body: json({ token: secrets.plain, rateLimits: [{ nom: 'x' }] }) }],
        ['escaped NUL', { body: '{"token":"tsr_\\u0000"}' }],
        ['raw NUL', { body: '{"token":"tsr_\u0000"}' }],
        ['a lone surrogate', { body: '{"token":"tsr_\\ud800"}' }],
        ['__proto__ key', { body: '{"token":"x","__proto__":{"admin":true}}' }],
        ['constructor.prototype', { body: '{"token":"x","constructor":{"prototype":{"admin":true}}}' }],
        // Left to Fastify by the fast path; still the same answers on both servers.
        ['upper-case content type', { headers: { 'content-type': 'Application/JSON' }, body: json({ token: secrets.plain }) }],
        ['text/plain', { headers: { 'content-type': 'text/plain' }, body: 'token' }],
        ['a charset other than utf-8', { headers: { 'content-type': 'application/json; charset=utf-7' }, body: json({ token: secrets.plain }) }],
        ['JSON labelled gzip', { headers: { 'content-encoding': 'gzip' }, body: json({ token: secrets.plain }) }],
        ['the identity coding', { headers: { 'content-encoding': 'identity' }, body: json({ token: secrets.plain }) }],
        ['chunked body', { chunked: true, body: json({ token: secrets.plain }) }],
        ['body over 100 kB', { body: json({ token: 'x'.repeat(120_000) }) }],
        ['query string', { path: '/v1/verify?verbose=1', body: json({ token: secrets.plain }) }],
        ['GET', { method: 'GET', body: undefined }],
      ];
      for (const [name, sent] of cases) {
        const viaRoute = await send(apps.urls.route, sent);
        const viaFastPath = await send(apps.urls.fast, sent);
        assert.deepEqual(comparable(viaFastPath), comparable(viaRoute), name);
      }
      // The outcomes really vary: a comparison of two identical failures would prove little.
      const codes = new Set<string>();
      for (const [, sent] of cases.slice(0, 16)) codes.add(JSON.parse((await send(apps.urls.fast, sent)).body).code);
      assert.deepEqual([...codes].sort(), ['FORBIDDEN', 'INSUFFICIENT_PERMISSIONS', 'NOT_FOUND', 'REVOKED', 'VALID']);
    });

    it('answers an expired token as the route does', async () => {
      h.clock.advance(61_000);
      const sent = { body: JSON.stringify({ token: secrets.expiring }) };
      const viaFastPath = await send(apps.urls.fast, sent);
      assert.equal(JSON.parse(viaFastPath.body).code, 'EXPIRED');
      assert.deepEqual(comparable(viaFastPath), comparable(await send(apps.urls.route, sent)));
    });

    it('takes plain verifications away from Fastify and leaves it everything else', async () => {
      const before = { ...apps.seenByFastify };
      await send(apps.urls.fast, { body: JSON.stringify({ token: secrets.plain }) });
      await send(apps.urls.fast, { body: '{"token":' });
      assert.equal(apps.seenByFastify.fast, before.fast, 'answered beside Fastify');
      for (const sent of [
        { path: '/v1/verify?x=1', body: JSON.stringify({ token: secrets.plain }) },
        { chunked: true, body: JSON.stringify({ token: secrets.plain }) },
        { headers: { 'idempotency-key': 'k-1' }, body: JSON.stringify({ token: secrets.plain }) },
        { path: '/v1/verify/batch', body: JSON.stringify({ tokens: [secrets.plain] }) },
      ]) {
        const seen = apps.seenByFastify.fast;
        assert.equal((await send(apps.urls.fast, sent)).status, 200);
        assert.equal(apps.seenByFastify.fast, seen + 1);
      }
    });

    it('leaves a charset other than utf-8 and a content coding to the route, which refuses them with 415', async () => {
      const body = JSON.stringify({ token: secrets.plain });
      const refused: Array<Record<string, string>> = [
        { 'content-type': 'application/json; charset=utf-7' },
        { 'content-type': 'application/json; charset=ISO-8859-1' },
        { 'content-encoding': 'gzip' },
        { 'content-encoding': 'br' },
      ];
      for (const headers of refused) {
        const seen = apps.seenByFastify.fast;
        const answer = await send(apps.urls.fast, { headers, body });
        assert.equal(answer.status, 415, JSON.stringify(headers));
        assert.equal(JSON.parse(answer.body).error.code, 'UNSUPPORTED_MEDIA_TYPE');
        assert.equal(apps.seenByFastify.fast, seen + 1, 'answered by the route');
      }
    });

    it('leaves an Idempotency-Key to the route, which replays the first answer', async () => {
      const sent = { headers: { 'idempotency-key': 'replay-me' }, body: JSON.stringify({ token: secrets.plain }) };
      const first = await send(apps.urls.fast, sent);
      const again = await send(apps.urls.fast, sent);
      assert.equal(first.status, 200);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal(again.body, first.body);
    });

    it('keeps serving after a client gives up halfway through its body', async () => {
      await new Promise<void>((resolve, reject) => {
        const { port } = new URL(apps.urls.fast);
        const socket = connect(Number(port), '127.0.0.1', () => {
          socket.write('POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 80\r\n\r\n{"token":"tsr_');
          setTimeout(() => socket.destroy(), 20);
        });
        socket.on('close', () => resolve());
        socket.on('error', reject);
      });
      const answer = await send(apps.urls.fast, { body: JSON.stringify({ token: secrets.plain }) });
      assert.equal(JSON.parse(answer.body).code, 'VALID');
    });
  });

  describe('fast path effects', () => {
    it('charges, rate-limits and refuses exactly as the route does', () =>
      withTwoApps({}, async (h, apps) => {
        // Twin tokens, one per path: the same credits and limits, so the same sequence must get the same answers.
        const twin = async () =>
          (
            await h.request({
              method: 'POST',
              url: '/v1/tokens',
              as: h.admin,
              payload: { name: 'metered', credits: '2', rateLimits: [{ name: 'burst', limit: 3, durationMs: 60_000 }] },
            })
          ).json().secret as string;
        const tokens = { fast: await twin(), route: await twin() };
        const steps = [{}, { cost: '0.5' }, {}, { cost: '0' }, {}];
        const run = async (path: 'fast' | 'route') => {
          const answers = [];
          for (const step of steps) {
            const answer = await send(apps.urls[path], { body: JSON.stringify({ token: tokens[path], ...step }) });
            const body = JSON.parse(answer.body);
            delete body.token;
            answers.push({ status: answer.status, body, limit: answer.headers['ratelimit-remaining'] });
          }
          return answers;
        };
        const viaFastPath = await run('fast');
        assert.deepEqual(viaFastPath, await run('route'));
        // 2 credits and 3 calls a minute: 1 + 0.5 spent, the third call passes the limit but 1 > 0.5
        // left, and from the fourth on the limit refuses before any charge.
        assert.deepEqual(
          viaFastPath.map((a) => a.body.code),
          ['VALID', 'VALID', 'USAGE_EXCEEDED', 'RATE_LIMITED', 'RATE_LIMITED'],
        );
        assert.deepEqual(
          viaFastPath.slice(0, 3).map((a) => a.body.remaining),
          ['1', '0.5', '0.5'],
        );
      }));

    it('lets the guessing guard refuse with the same 429 and headers', () =>
      withTwoApps({ failedAttemptsPerMinute: 3 }, async (h, apps) => {
        const guess = { body: JSON.stringify({ token: `tsr_${'b'.repeat(36)}`, ip: '192.0.2.1' }) };
        for (let i = 0; i < 3; i++) assert.equal((await send(apps.urls.fast, guess)).status, 200);
        const viaFastPath = await send(apps.urls.fast, guess);
        assert.equal(viaFastPath.status, 429);
        assert.ok(viaFastPath.headers['retry-after']);
        assert.deepEqual(comparable(viaFastPath), comparable(await send(apps.urls.route, guess)));
      }));

    it('counts its answers in /metrics', () =>
      withTwoApps({}, async (h, apps) => {
        const secret = (await h.request({ method: 'POST', url: '/v1/tokens', as: h.admin, payload: { name: 'm' } })).json().secret as string;
        for (let i = 0; i < 3; i++) await send(apps.urls.fast, { body: JSON.stringify({ token: secret }) });
        await send(apps.urls.fast, { body: JSON.stringify({ token: 'nope' }) });
        await send(apps.urls.fast, { body: '{' });
        assert.equal(apps.seenByFastify.fast, 0);
        const text = await h.services.metrics.text();
        const sample = (pattern: RegExp) => Number(pattern.exec(text)?.[1]);
        assert.equal(sample(/^tessera_http_requests_total\{method="POST",route="\/v1\/verify",code="200"\} (\d+)$/m), 4);
        assert.equal(sample(/^tessera_http_requests_total\{method="POST",route="\/v1\/verify",code="400"\} (\d+)$/m), 1);
        assert.equal(sample(/^tessera_http_request_duration_seconds_count\{method="POST",route="\/v1\/verify",code="200"\} (\d+)$/m), 4);
        assert.equal(sample(/^tessera_verify_outcomes_total\{code="VALID"\} (\d+)$/m), 3);
        assert.equal(sample(/^tessera_verify_outcomes_total\{code="NOT_FOUND"\} (\d+)$/m), 1);
      }));

    it('writes the request log lines the route writes, without the secret', async () => {
      const h = await startHarness();
      const lines: Record<'fast' | 'route', Array<Record<string, any>>> = { fast: [], route: [] };
      const sink = (into: Array<Record<string, any>>) =>
        new Writable({
          write(chunk, _encoding, done) {
            for (const line of String(chunk).split('\n').filter(Boolean)) into.push(JSON.parse(line));
            done();
          },
        });
      const logger = (into: Array<Record<string, any>>) => ({ ...(loggerOptions('debug') as object), stream: sink(into) }) as AppOptions['logger'];
      const fast = await buildApp(h.services, { logger: logger(lines.fast), verifyFastPath: true });
      const route = await buildApp(h.services, { logger: logger(lines.route), verifyFastPath: false });
      try {
        const secret = (await h.request({ method: 'POST', url: '/v1/tokens', as: h.admin, payload: { name: 'logged' } })).json().secret as string;
        const urls = { fast: await listen(fast), route: await listen(route) };
        const answers = {
          fast: await send(urls.fast, { body: JSON.stringify({ token: secret }) }),
          route: await send(urls.route, { body: JSON.stringify({ token: secret }) }),
        };
        const requestLines = (path: 'fast' | 'route') => lines[path].filter((line) => line.reqId !== undefined);
        const shape = (line: Record<string, any>) => ({
          level: line.level,
          msg: line.msg,
          req: line.req,
          res: line.res,
          responseTime: typeof line.responseTime,
          keys: Object.keys(line).sort(),
        });
        assert.deepEqual(
          requestLines('fast').map((line) => line.msg),
          ['incoming request', 'request completed'],
          'at level debug, as the route',
        );
        assert.deepEqual(requestLines('fast').map(shape), requestLines('route').map(shape));
        for (const path of ['fast', 'route'] as const) {
          assert.deepEqual(new Set(requestLines(path).map((line) => line.reqId)), new Set([answers[path].headers['x-request-id']]));
        }
        assert.equal(JSON.stringify(lines).includes(secret), false, 'the secret is never logged');
      } finally {
        await fast.close();
        await route.close();
        await h.close();
      }
    });
  });
}
