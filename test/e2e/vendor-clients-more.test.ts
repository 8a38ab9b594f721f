import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { generateSecret } from '../../src/core/secret.js';
import { edgeHeaders } from '../support/edge-client.js';
import { postgresBackend, sqliteBackend, type ServerBackend } from '../support/server-backends.js';
import { bootstrapSecretIn, startServerProcess, type ServerProcess } from '../support/server-process.js';

const EDGE_CLIENT = 'e2e-edge';
const EDGE_SECRET = randomBytes(32).toString('base64url');

interface UnleashToken {
  token: string;
  type: string;
  environment: string;
  projects: string[];
}

/** The fields of the answers these tests read; each is asserted, so a wrong guess here fails a test. */
interface VerifyAnswer {
  valid: boolean;
  code: string;
  remaining?: string;
  token: { id: string; origin: string; type: string };
}
interface EdenToken {
  name: string;
  token: string | null;
  token_type: string;
  balance?: string | number;
  active_balance: boolean;
}
interface VidaCreated {
  success: boolean;
  token: { token: string; description: string; type: string; userId: number };
}
interface Whoami {
  user: { id: string; numId: number };
  token: { id: string; name: string };
}

const json = async <T>(res: Response): Promise<T> => (await res.json()) as T;

for (const make of [sqliteBackend, postgresBackend]) {
  const backend = await make();
  const skip = typeof backend === 'string' ? backend : undefined;
  const name = typeof backend === 'string' ? 'postgres' : backend.name;

  describe(`Unleash Edge, Eden AI and Vida clients against tessera serve on ${name}, over loopback`, { skip }, () => {
    const b = backend as ServerBackend;
    let server: ServerProcess | undefined;
    let url: string;
    let admin: string;
    before(async () => {
      server = await startServerProcess(b.args, { ...b.env, TESSERA_EDGE_CLIENTS: `${EDGE_CLIENT}:${EDGE_SECRET}` });
      url = server.url;
      const secret = bootstrapSecretIn(server.stderr());
      assert.ok(secret, `a first start prints the admin token:\n${server.stderr()}`);
      admin = secret;
    });
    after(async () => {
      await server?.stop();
      await b.cleanup();
    });

    /** A JSON request as a plain HTTP client makes it; `as` is the credential for `Authorization: Bearer`. */
    const call = (method: string, path: string, options: { as?: string; body?: unknown; headers?: Record<string, string> } = {}) =>
      fetch(`${url}${path}`, {
        method,
        headers: {
          ...(options.as ? { authorization: `Bearer ${options.as}` } : {}),
          ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...options.headers,
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
    const verify = async (body: Record<string, unknown>) => json<VerifyAnswer>(await call('POST', '/v1/verify', { body }));

    it('an Unleash Edge client signing with HMAC: get-or-create, concurrent calls, /edge/validate, replays and stale times refused', async () => {
      /** Signs the body as sent, as Unleash Edge does; fresh timestamp and nonce unless given. */
      const signed = (pairs: unknown, options: Parameters<typeof edgeHeaders>[3] = {}) => {
        const body = JSON.stringify({ tokens: pairs });
        return { body, headers: edgeHeaders(EDGE_CLIENT, EDGE_SECRET, body, options) };
      };
      const send = ({ body, headers }: { body: string; headers: Record<string, string> }) =>
        fetch(`${url}/edge/issue-token`, { method: 'POST', headers, body });
      const issue = async (pairs: unknown): Promise<UnleashToken> => {
        const res = await send(signed(pairs));
        const text = await res.text();
        assert.equal(res.status, 200, text);
        return (JSON.parse(text) as { tokens: UnleashToken[] }).tokens[0]!;
      };

      const dev = [{ environment: 'development', projects: ['default'] }];
      const first = await issue(dev);
      assert.deepEqual({ ...first, token: undefined }, { projects: ['default'], environment: 'development', type: 'client', token: undefined });
      assert.match(first.token, /^default:development\.tsk_[0-9A-Za-z]{36}$/);
      assert.equal((await issue(dev)).token, first.token, 'the same pair answers the same token');

      // A pair nobody asked for yet, so the ten calls race to create it.
      const prod = [{ environment: 'production', projects: ['default'] }];
      const raced = await Promise.all(Array.from({ length: 10 }, () => issue(prod)));
      const texts = new Set(raced.map((t) => t.token));
      assert.equal(texts.size, 1, [...texts].join('\n'));
      const [prodToken] = texts;
      assert.notEqual(prodToken, first.token);
      const prodVerified = await verify({ token: prodToken, environment: 'production', project: 'default' });
      assert.equal(prodVerified.code, 'VALID');
      const created = await call('GET', `/v1/audit?targetId=${prodVerified.token.id}&action=token.create`, { as: admin });
      const { items: events } = await json<{ items: Array<{ details: Record<string, unknown> }> }>(created);
      assert.equal(events.length, 1, 'ten racing calls created one token');
      assert.equal(events[0]!.details.edgeClientId, EDGE_CLIENT);

      const verified = await verify({ token: first.token, environment: 'development', project: 'default' });
      assert.deepEqual([verified.valid, verified.code, verified.token.origin, verified.token.type], [true, 'VALID', 'unleash', 'client']);
      assert.equal((await verify({ token: first.token, environment: 'production' })).code, 'INSUFFICIENT_PERMISSIONS');

      // Only the valid ones come back, in Unleash's shape: not a revoked one, a made-up one, a native key or garbage.
      const revoked = await issue([{ environment: 'development', projects: ['*'] }]);
      const revokedId = (await verify({ token: revoked.token })).token.id;
      assert.equal((await call('POST', `/v1/tokens/${revokedId}/revoke`, { as: admin })).status, 200);
      const madeUp = `default:development.${generateSecret('tsk', randomBytes)}`;
      const { secret: native } = await json<{ secret: string }>(await call('POST', '/v1/tokens', { as: admin, body: { name: 'not unleash' } }));
      const validated = await call('POST', '/edge/validate', { body: { tokens: [first.token, revoked.token, madeUp, prodToken, native, 'garbage'] } });
      assert.equal(validated.status, 200);
      assert.deepEqual(await json(validated), {
        tokens: [
          { token: first.token, type: 'client', environment: 'development', projects: ['default'] },
          { token: prodToken, type: 'client', environment: 'production', projects: ['default'] },
        ],
      });

      // The signature is good in both; what is refused is the reuse and the age.
      const once = signed(dev);
      assert.equal((await send(once)).status, 200);
      const sixMinutesAgo = new Date(Date.now() - 6 * 60_000).toISOString();
      for (const [what, request] of [
        ['a replayed nonce', once],
        ['a timestamp 6 minutes old', signed(dev, { timestamp: sixMinutesAgo })],
      ] as const) {
        const res = await send(request);
        assert.equal(res.status, 401, what);
        assert.equal((await json<{ name: string }>(res)).name, 'AuthenticationRequired', what);
      }
    });

    it('Eden AI: a custom token with a balance of 2 pays for two verifications, then answers USAGE_EXCEEDED; read and delete by name', async () => {
      const tokenName = `e2e metered ${name}`;
      const path = `/v2/user/custom_token/${encodeURIComponent(tokenName)}/`;
      const created = await call('POST', '/v2/user/custom_token/', { as: admin, body: { name: tokenName, balance: '2', active_balance: true } });
      assert.equal(created.status, 201);
      const body = await json<EdenToken>(created);
      assert.deepEqual([body.name, Number(body.balance), body.active_balance, body.token_type], [tokenName, 2, true, 'api_token']);
      const secret = String(body.token);
      assert.match(secret, /^tsk_/);

      const spend = () => verify({ token: secret, cost: '1' });
      assert.deepEqual([(await spend()).valid, (await spend()).valid], [true, true]);
      assert.deepEqual(await spend(), { valid: false, code: 'USAGE_EXCEEDED', remaining: '0' });

      const read = await call('GET', path, { as: admin });
      assert.equal(read.status, 200);
      assert.deepEqual(await json(read), { name: tokenName, token: null, token_type: 'api_token', balance: 0, active_balance: true, expire_time: null });

      assert.equal((await call('DELETE', path, { as: admin })).status, 204);
      const afterDelete = await verify({ token: secret, cost: '0' });
      assert.equal(afterDelete.valid, false);
      assert.equal(afterDelete.code, 'NOT_FOUND');
      assert.equal((await call('GET', path, { as: admin })).status, 404);
    });

    it('Vida: POST /api/v2/tokens?token= makes an admin token that itself manages tessera, until it is deleted by its secret', async () => {
      const me = await json<Whoami>(await call('GET', '/v1/whoami', { as: admin }));
      const created = await call('POST', `/api/v2/tokens?token=${admin}`, { body: { type: 'admin', description: `e2e vida ${name}` } });
      assert.equal(created.status, 200);
      const body = await json<VidaCreated>(created);
      assert.equal(body.success, true);
      assert.deepEqual([body.token.description, body.token.type, body.token.userId], [`e2e vida ${name}`, 'admin', me.user.numId]);
      const secret = body.token.token;

      // As Vida's clients send it (?token=) and as a plain bearer: the new token is the same user, by another token.
      for (const request of [call('GET', `/v1/whoami?token=${secret}`), call('GET', '/v1/whoami', { as: secret })]) {
        const res = await request;
        assert.equal(res.status, 200);
        const who = await json<Whoami>(res);
        assert.equal(who.user.id, me.user.id);
        assert.notEqual(who.token.id, me.token.id);
        assert.equal(who.token.name, `e2e vida ${name}`);
      }

      const deleted = await call('DELETE', `/api/v2/tokens/${secret}?token=${admin}`);
      assert.equal(deleted.status, 200);
      assert.equal((await json<{ success: boolean }>(deleted)).success, true);
      assert.equal((await call('GET', `/v1/whoami?token=${secret}`)).status, 401);
      assert.equal((await call('GET', '/v1/whoami', { as: admin })).status, 200, 'the caller itself still works');
    });
  });
}
