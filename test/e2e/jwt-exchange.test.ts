import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oauth from 'openid-client';
import { createJwtVerifier } from '../../sdk/src/jwt-verifier.js';
import { TesseraError } from '../../sdk/src/errors.js';
import { generateSecret } from '../../src/core/secret.js';
import { postgresBackend, sqliteBackend, type ServerBackend } from '../support/server-backends.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

/*
 * The token exchange as a gateway's world sees it: a real `tessera serve` process; a real OAuth
 * client (openid-client 6, discovering the server's RFC 8414 metadata) exchanging an API key for
 * a JWT (RFC 8693); jose verifying the JWT against the JWKS the server serves; `tessera
 * signing-keys rotate` run as a process of its own against the same store while the server runs;
 * and the SDK's verifier checking the same JWTs offline. On SQLite, and on PostgreSQL when it
 * can be reached.
 */

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));
const run = promisify(execFile);
const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const AUDIENCE = 'https://docs.example.com';

/** How long a rotation may take to reach the server: it re-reads its keys every 200 ms here (TESSERA_SIGNING_KEY_REFRESH_MS). */
const ROTATION_WAIT_MS = 30_000;
/**
 * The rotated-in key signs this long after the rotation, published meanwhile: longer than the SDK
 * waits before fetching the key set again for an unknown kid (5 s), as the default (90 s) is.
 */
const ACTIVATE_IN_S = 6;

const refusedWith = (code: string) => (error: unknown) => {
  assert.ok(error instanceof TesseraError, String(error));
  assert.equal(error.code, code, error.message);
  return true;
};

for (const make of [sqliteBackend, postgresBackend]) {
  const backend: ServerBackend | string = await make();
  const name = typeof backend === 'string' ? 'postgres' : backend.name;
  describe(
    `token exchange against a real server, rotated by a separate process (${name})`,
    { skip: typeof backend === 'string' ? backend : undefined, timeout: 180_000 },
    () => {
      const b = backend as ServerBackend;
      const admin = generateSecret('tsr', randomBytes);
      let server: ServerProcess;
      let config: oauth.Configuration;
      let key: { id: string; secret: string };

      const api = async (method: string, path: string, body?: unknown) => {
        const res = await fetch(`${server.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${admin}`, ...(body ? { 'content-type': 'application/json' } : {}) },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
        assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
        return res.json();
      };
      const exchange = (scope = 'docs:read') =>
        oauth.genericGrantRequest(config, GRANT, { subject_token: key.secret, subject_token_type: ACCESS_TOKEN, audience: AUDIENCE, scope });
      const jwks = async () => ((await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid);

      before(async () => {
        server = await startServerProcess([...b.args, '--log-level', 'warn'], {
          ...b.env,
          TESSERA_BOOTSTRAP_TOKEN: admin,
          TESSERA_SIGNING_KEY_REFRESH_MS: '200',
        });
        // What a standard client does: discover the RFC 8414 metadata, which names /oauth/token and the JWKS.
        config = await oauth.discovery(new URL(server.url), 'gateway', undefined, oauth.None(), {
          algorithm: 'oauth2',
          execute: [oauth.allowInsecureRequests],
        });
        assert.equal(config.serverMetadata().token_endpoint, `${server.url}/oauth/token`);
        assert.equal(config.serverMetadata().jwks_uri, `${server.url}/.well-known/jwks.json`);
        const created = (await api('POST', '/v1/tokens', { name: 'docs client', scopes: ['docs:read', 'docs:write'] })) as {
          token: { id: string };
          secret: string;
        };
        key = { id: created.token.id, secret: created.secret };
      });
      after(async () => {
        await server?.stop();
        await b.cleanup?.();
      });

      it('exchanges a key for a JWT with openid-client; jose and the SDK verify it before and after a rotation by another process', async () => {
        const first = await exchange();
        assert.equal(first.token_type, 'bearer');
        assert.equal(first.issued_token_type, 'urn:ietf:params:oauth:token-type:jwt');
        assert.equal(first.scope, 'docs:read');
        assert.equal(first.expires_in, 900);
        const before = decodeProtectedHeader(first.access_token).kid!;
        assert.deepEqual(await jwks(), [before]);

        const remote = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
        const verified = await jwtVerify(first.access_token, remote, { issuer: server.url, audience: AUDIENCE, algorithms: ['EdDSA'], typ: 'at+jwt' });
        assert.equal(verified.payload.sub, key.id);
        assert.equal(verified.payload.scope, 'docs:read');

        const sdk = createJwtVerifier({ url: server.url, audience: AUDIENCE });
        const claims = await sdk.verify(first.access_token, { scopes: ['docs:read'] });
        assert.equal(claims.client_id, key.id);
        assert.deepEqual(claims.scopes, ['docs:read']);

        // A key set fetched before the rotation, as a gateway's would be; jose refetches on an unknown kid after its cooldown.
        const early = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`), { cooldownDuration: 1000 });
        await jwtVerify(first.access_token, early, { issuer: server.url, audience: AUDIENCE });

        // The rotation: a separate process on the same store, with the same data directory (its server key).
        const env = { ...process.env, DATABASE_URL: '', ...b.env };
        const rotated = await run(process.execPath, [MAIN, 'signing-keys', 'rotate', '--activate-in', String(ACTIVATE_IN_S), ...b.args], { env });
        assert.match(rotated.stdout, new RegExp(`${before} signs until then`));
        const next = /signing key (\S+) is published now and signs from (\S+);/.exec(rotated.stdout);
        assert.ok(next, rotated.stdout);
        const [, after, activation] = next as unknown as [string, string, string];
        const listed = await run(process.execPath, [MAIN, 'signing-keys', 'list', ...b.args], { env });
        assert.match(listed.stdout, new RegExp(`${after}.*(next|current)`));
        assert.match(listed.stdout, new RegExp(`${before}.*(current|published)`));
        assert.doesNotMatch(listed.stdout + rotated.stdout, /"d"|sealed|v1\./);

        // Published before it signs: the server serves it (once it has re-read its keys) ...
        const deadline = Date.now() + ROTATION_WAIT_MS;
        while (!(await jwks()).includes(after)) {
          assert.ok(Date.now() < deadline, 'the server never published the rotated-in key');
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        // ... and signs with it only from its activation on.
        let second = await exchange();
        while (decodeProtectedHeader(second.access_token).kid === before) {
          assert.ok(Date.now() < deadline + ACTIVATE_IN_S * 1000, 'the server never signed with the rotated-in key');
          await new Promise((resolve) => setTimeout(resolve, 100));
          second = await exchange();
        }
        assert.equal(decodeProtectedHeader(second.access_token).kid, after);
        assert.ok(decodeJwt(second.access_token).iat! >= Math.floor(Date.parse(activation) / 1000), 'no JWT signed with the new key before its activation');
        assert.deepEqual((await jwks()).sort(), [before, after].sort(), 'the JWKS serves the new key and the retired one');

        for (const set of [early, createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`))]) {
          for (const jwt of [first.access_token, second.access_token]) {
            await jwtVerify(jwt, set, { issuer: server.url, audience: AUDIENCE, algorithms: ['EdDSA'] });
          }
        }
        assert.equal((await sdk.verify(first.access_token)).jti, decodeJwt(first.access_token).jti);
        assert.equal((await sdk.verify(second.access_token)).sub, key.id);
      });

      it('the SDK refuses a wrong audience or issuer, an expired JWT, a tampered one, missing scopes, junk, and an unreachable key set', async () => {
        const { access_token: jwt } = await exchange();
        const verifier = createJwtVerifier({ url: server.url, audience: AUDIENCE });
        await assert.rejects(createJwtVerifier({ url: server.url, audience: 'https://billing.example.com' }).verify(jwt), refusedWith('JWT_WRONG_AUDIENCE'));
        await assert.rejects(
          createJwtVerifier({ jwksUrl: `${server.url}/.well-known/jwks.json`, issuer: 'https://keys.example.com', audience: AUDIENCE }).verify(jwt),
          refusedWith('JWT_WRONG_ISSUER'),
        );
        const exp = decodeJwt(jwt).exp!;
        const late = createJwtVerifier({ url: server.url, audience: AUDIENCE, now: () => (exp + 60) * 1000 });
        await assert.rejects(late.verify(jwt), refusedWith('JWT_EXPIRED'));
        const early = createJwtVerifier({ url: server.url, audience: AUDIENCE, now: () => (decodeJwt(jwt).nbf! - 600) * 1000 });
        await assert.rejects(early.verify(jwt), refusedWith('JWT_NOT_YET_VALID'));

        const [header, payload, signature] = jwt.split('.') as [string, string, string];
        const flipped = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;
        await assert.rejects(verifier.verify(`${header}.${payload}.${flipped}`), refusedWith('JWT_SIGNATURE_INVALID'));
        const widened = Buffer.from(JSON.stringify({ ...decodeJwt(jwt), scope: 'docs:read docs:write admin' })).toString('base64url');
        await assert.rejects(verifier.verify(`${header}.${widened}.${signature}`), refusedWith('JWT_SIGNATURE_INVALID'));
        await assert.rejects(verifier.verify(jwt, { scopes: ['docs:write'] }), refusedWith('JWT_INSUFFICIENT_SCOPE'));
        await assert.rejects(verifier.verify('not.a.jwt'), refusedWith('JWT_MALFORMED'));
        await assert.rejects(verifier.verify(key.secret), refusedWith('JWT_MALFORMED'));
        const unsigned = `${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString('base64url')}.${payload}.`;
        await assert.rejects(verifier.verify(unsigned), refusedWith('JWT_MALFORMED'));
        await assert.rejects(createJwtVerifier({ url: 'http://127.0.0.1:9', audience: AUDIENCE }).verify(jwt), refusedWith('JWKS_UNAVAILABLE'));
        assert.equal((await verifier.verify(jwt, { scopes: ['docs:read'] })).sub, key.id, 'and takes the JWT as it was issued');
      });

      it('refuses the exchange of a revoked key at once, while a JWT issued before lives out its minutes', async () => {
        const { access_token: jwt } = await exchange();
        await api('POST', `/v1/tokens/${key.id}/revoke`);
        await assert.rejects(exchange(), (error: unknown) => {
          assert.ok(error instanceof oauth.ResponseBodyError, String(error));
          assert.equal(error.error, 'invalid_grant');
          assert.equal(error.status, 400);
          return true;
        });
        assert.equal((await createJwtVerifier({ url: server.url, audience: AUDIENCE }).verify(jwt)).sub, key.id);
      });
    },
  );
}
