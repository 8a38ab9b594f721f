import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import { postgresBackend, sqliteBackend, type ServerBackend } from '../support/server-backends.js';
import { bootstrapSecretIn, startServerProcess, type ServerProcess } from '../support/server-process.js';

/*
 * A real OAuth client library (openid-client 6, on oauth4webapi) against `tessera serve`: it
 * discovers the RFC 8414 metadata, introspects tessera keys as opaque tokens (RFC 7662) and revokes
 * them (RFC 7009), as an OAuth-aware gateway would.
 */

interface Made {
  secret: string;
  token: { id: string; createdAt: number };
}

/** openid-client's options for a server on plain HTTP over loopback: discovery by RFC 8414, not OpenID Connect. */
const LOOPBACK = { algorithm: 'oauth2' as const, execute: [client.allowInsecureRequests] };

/** A client that presents its personal token as a bearer token instead of Basic credentials (RFC 7662 §2.1 allows either). */
const bearerAuth =
  (secret: string): client.ClientAuth =>
  (_as, _client, _body, headers) => {
    headers.set('authorization', `Bearer ${secret}`);
  };

for (const make of [sqliteBackend, postgresBackend]) {
  const backend = await make();
  const skip = typeof backend === 'string' ? backend : undefined;
  const name = typeof backend === 'string' ? 'postgres' : backend.name;

  describe(`openid-client against tessera serve on ${name}`, { skip }, () => {
    const b = backend as ServerBackend;
    let server: ServerProcess | undefined;
    let admin: string;
    /** A gateway's client: a personal token that may introspect and revoke the admin's tokens. */
    let gateway: Made;

    const api = async <T>(method: string, path: string, body?: object, as = admin): Promise<T> => {
      const res = await fetch(`${server!.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${as}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      assert.ok(res.ok, `${method} ${path} → ${res.status} ${text}`);
      return JSON.parse(text) as T;
    };
    const newToken = (payload: object) => api<Made>('POST', '/v1/tokens', { name: `oauth-${Math.random().toString(36).slice(2)}`, ...payload });
    const verifyCode = async (token: string) => (await api<{ code: string }>('POST', '/v1/verify', { token, cost: '0' })).code;
    const discover = (clientId: string, auth: client.ClientAuth) => client.discovery(new URL(server!.url), clientId, undefined, auth, LOOPBACK);

    before(async () => {
      server = await startServerProcess(b.args, b.env);
      const secret = bootstrapSecretIn(server.stderr());
      assert.ok(secret, `a first start prints the admin token:\n${server.stderr()}`);
      admin = secret;
      gateway = await newToken({ type: 'personal', scopes: ['oauth:introspect', 'tokens:write'] });
    });
    after(async () => {
      await server?.stop();
      await b.cleanup();
    });

    it('discovers the endpoints from /.well-known/oauth-authorization-server', async () => {
      const config = await discover(gateway.token.id, client.ClientSecretBasic(gateway.secret));
      const meta = config.serverMetadata();
      assert.equal(meta.issuer, server!.url);
      assert.equal(meta.introspection_endpoint, `${server!.url}/oauth/introspect`);
      assert.equal(meta.revocation_endpoint, `${server!.url}/oauth/revoke`);
      assert.equal(meta.token_endpoint, `${server!.url}/oauth/token`);
      assert.equal(meta.jwks_uri, `${server!.url}/.well-known/jwks.json`);
      assert.deepEqual(meta.grant_types_supported, ['urn:ietf:params:oauth:grant-type:token-exchange']);
    });

    it('introspects a key as an active opaque token, with Basic client credentials and with a bearer token', async () => {
      const expiresAt = Date.now() + 3_600_000;
      const key = await newToken({ scopes: ['docs:read', 'docs:write'], expiresAt });
      for (const auth of [client.ClientSecretBasic(gateway.secret), bearerAuth(gateway.secret)]) {
        const config = await discover(gateway.token.id, auth);
        const answer = await client.tokenIntrospection(config, key.secret);
        assert.equal(answer.active, true);
        assert.equal(answer.scope, 'docs:read docs:write');
        assert.equal(answer.sub, key.token.id);
        assert.equal(answer.client_id, key.token.id);
        assert.equal(answer.token_type, 'Bearer');
        assert.equal(answer.iss, server!.url);
        assert.equal(answer.exp, Math.floor(expiresAt / 1000));
        assert.equal(answer.iat, Math.floor(key.token.createdAt / 1000));
        assert.equal(answer.tessera_token_type, 'api');
      }
    });

    it('introspects an unknown, a mistyped and a revoked key as inactive, and nothing else', async () => {
      const config = await discover(gateway.token.id, client.ClientSecretBasic(gateway.secret));
      const revoked = await newToken({});
      await api('POST', `/v1/tokens/${revoked.token.id}/revoke`);
      for (const token of [revoked.secret, `${revoked.secret.slice(0, -2)}zz`, 'not-a-tessera-key']) {
        const answer = await client.tokenIntrospection(config, token, { token_type_hint: 'access_token' });
        assert.deepEqual({ ...answer }, { active: false }, token.slice(0, 8));
      }
    });

    it('refuses a client whose secret is not its id’s: 401 invalid_client with a Basic challenge', async () => {
      const other = await newToken({ type: 'personal', scopes: ['oauth:introspect'] });
      const config = await discover(gateway.token.id, client.ClientSecretBasic(other.secret));
      const error = await client.tokenIntrospection(config, gateway.secret).then(
        () => assert.fail('introspection with a wrong pairing answered'),
        (thrown: unknown) => thrown,
      );
      // RFC 6749 §5.2: a client that authenticated by a header gets 401 with a challenge for its scheme, which the library surfaces as such.
      assert.ok(error instanceof client.WWWAuthenticateChallengeError, String(error));
      assert.equal(error.status, 401);
      assert.ok(
        error.cause.some((challenge) => challenge.scheme === 'basic'),
        JSON.stringify(error.cause),
      );
      assert.equal(((await error.response.json()) as { error: string }).error, 'invalid_client');
    });

    it('revokes a key: introspection then says inactive and POST /v1/verify says REVOKED', async () => {
      const key = await newToken({ scopes: ['docs:read'] });
      const config = await discover(gateway.token.id, client.ClientSecretBasic(gateway.secret));
      assert.equal((await client.tokenIntrospection(config, key.secret)).active, true);
      await client.tokenRevocation(config, key.secret, { token_type_hint: 'access_token' });
      assert.deepEqual({ ...(await client.tokenIntrospection(config, key.secret)) }, { active: false });
      assert.equal(await verifyCode(key.secret), 'REVOKED');
    });

    it('lets a public client (no authentication) revoke a key it holds, and answers the same for one that is no key', async () => {
      const key = await newToken({});
      const config = await discover('any-public-client', client.None());
      await client.tokenRevocation(config, key.secret);
      assert.equal(await verifyCode(key.secret), 'REVOKED');
      await client.tokenRevocation(config, 'not-a-tessera-key');
    });
  });
}
