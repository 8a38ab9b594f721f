import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { generateSecret } from '../../src/core/secret.js';
import { TcpProxy } from '../../test/ratelimit/tcp-proxy.js';
import { describeLatencies, quantile } from '../../test/support/propagation.js';
import { backendsToRun, type ServerBackend, sqliteBackend } from '../../test/support/server-backends.js';
import { startServerProcess, type ServerProcess } from '../../test/support/server-process.js';
import { waitFor } from '../../test/support/wait-for.js';
import { createVerifier } from '../src/verifier.js';
import type { VerifyAnswer, VerifyRequirements } from '../src/verify-answer.js';

const admin = generateSecret('tsr', randomBytes);

async function call(url: string, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${admin}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function serverAnswer(url: string, secret: string, requirements: VerifyRequirements): Promise<VerifyAnswer> {
  const response = await fetch(`${url}/v1/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: secret, ...requirements }),
  });
  return (await response.json()) as VerifyAnswer;
}

/** A fetch that counts the verifications it sends to the server: a verifier's local answers send none. */
function countingFetch(): { fetch: typeof fetch; verifications: () => number } {
  let verifications = 0;
  return {
    fetch: (input, init) => {
      if (String(input).endsWith('/v1/verify')) verifications++;
      return fetch(input, init);
    },
    verifications: () => verifications,
  };
}

/** What must agree between two answers: the outcome and the token it names (its counters move between calls). */
const gist = (answer: VerifyAnswer) => ({ valid: answer.valid, code: answer.code, token: answer.token?.id, remaining: answer.remaining });

async function verifierToken(url: string): Promise<string> {
  const created = await call(url, 'POST', '/v1/tokens', { name: 'verifier', type: 'personal', scopes: ['verifier:read'] });
  return created.secret as string;
}

for (const { name, skip, make } of await backendsToRun()) {
  describe(`the in-process verifier against a tessera server on ${name}`, { skip, timeout: 120_000 }, () => {
    let backend: ServerBackend;
    let server: ServerProcess;
    before(async () => {
      backend = await make();
      server = await startServerProcess([...backend.args, '--log-level', 'warn'], { ...backend.env, TESSERA_BOOTSTRAP_TOKEN: admin });
    });
    after(async () => {
      await server?.stop();
      await backend?.cleanup();
    });

    it('answers what POST /v1/verify answers, over every outcome, and answers known plain keys without asking', async () => {
      const url = server.url;
      const issue = async (body: object) => (await call(url, 'POST', '/v1/tokens', { name: `t${randomBytes(4).toString('hex')}`, ...body })).secret as string;
      const keys = {
        plain: await issue({}),
        scoped: await issue({ scopes: ['docs:read'] }),
        resource: await issue({ resource: { kind: 'project', id: 'p1' } }),
        environment: await issue({ environment: 'prod' }),
        projects: await issue({ projects: ['alpha'] }),
        allowlisted: await issue({ ipAllowlist: ['10.0.0.0/8'] }),
        expiring: await issue({ expiresAt: Date.now() + 6_000 }),
        metered: await issue({ credits: '2', creditsActive: true }),
        limited: await issue({ rateLimits: [{ name: 'minute', limit: 2, durationMs: 60_000 }] }),
        revoked: await issue({}),
        unknown: generateSecret('tsk', randomBytes),
        garbage: 'not-a-key',
      };
      const revokedId = (await call(url, 'POST', '/v1/verify', { token: keys.revoked })).token.id as string;
      await call(url, 'POST', `/v1/tokens/${revokedId}/revoke`, {});

      const counting = countingFetch();
      const verifier = createVerifier({ url, token: await verifierToken(url), fetch: counting.fetch });
      try {
        await verifier.live();
        const cases: Array<[keyof typeof keys, VerifyRequirements]> = [
          ['plain', {}],
          ['scoped', { scopes: ['docs:read'] }],
          ['scoped', { scopes: ['docs:write'] }],
          ['resource', { resource: { kind: 'project', id: 'p1' } }],
          ['resource', { resource: { kind: 'project', id: 'p2' } }],
          ['environment', { environment: 'prod' }],
          ['environment', { environment: 'dev' }],
          ['projects', { project: 'alpha' }],
          ['projects', { project: 'beta' }],
          ['allowlisted', { ip: '10.1.2.3' }],
          ['allowlisted', { ip: '192.0.2.1' }],
          ['expiring', {}],
          ['revoked', {}],
          ['unknown', {}],
        ];
        // First the verifier learns each key (through the server); then every case twice: the
        // verifier's answer and the server's for the same call agree.
        for (const [key] of cases) await verifier.verify(keys[key]);
        for (const [key, requirements] of cases) {
          const local = await verifier.verify(keys[key], requirements);
          assert.deepEqual(gist(local), gist(await serverAnswer(url, keys[key], requirements)), `${key} ${JSON.stringify(requirements)}`);
        }
        // Known valid keys were answered in process: the second round asked the server only for
        // what it must (revoked and unknown keys are not kept).
        const asked = counting.verifications();
        for (const [key, requirements] of cases.filter(([k]) => k !== 'revoked' && k !== 'unknown')) await verifier.verify(keys[key], requirements);
        assert.equal(counting.verifications(), asked, 'known keys are answered without a round trip');

        // Expiry is decided in process, with the clock: the same answer as the server's once it passed.
        while ((await serverAnswer(url, keys.expiring, {})).code !== 'EXPIRED') await new Promise((resolve) => setTimeout(resolve, 100));
        assert.deepEqual(gist(await verifier.verify(keys.expiring)), { valid: false, code: 'EXPIRED', token: undefined, remaining: undefined });

        // Credits and rate limits are the server's: each call goes there, and the answers run out there.
        const metered = [await verifier.verify(keys.metered), await verifier.verify(keys.metered), await verifier.verify(keys.metered)];
        assert.deepEqual(
          metered.map((a) => [a.code, a.remaining]),
          [
            ['VALID', '1'],
            ['VALID', '0'],
            ['USAGE_EXCEEDED', '0'],
          ],
        );
        const limited = [await verifier.verify(keys.limited), await verifier.verify(keys.limited), await verifier.verify(keys.limited)];
        assert.deepEqual(
          limited.map((a) => a.code),
          ['VALID', 'VALID', 'RATE_LIMITED'],
        );
        // A malformed key goes to the server too, which answers as it always does.
        assert.deepEqual(gist(await verifier.verify(keys.garbage)), gist(await serverAnswer(url, keys.garbage, {})));
      } finally {
        await verifier.close();
      }
    });

    it('with a snapshot of one team, answers every key of that team without asking, and only that team', async () => {
      const url = server.url;
      const team = (await call(url, 'POST', '/v1/teams', { slug: `snap-${randomBytes(4).toString('hex')}` })).team.id as string;
      const teamKeys: Array<{ id: string; secret: string }> = [];
      for (let i = 0; i < 5; i++) {
        const created = await call(url, 'POST', `/v1/tokens?teamId=${team}`, { name: `team key ${i}`, scopes: ['docs:read'] });
        teamKeys.push({ id: created.token.id, secret: created.secret });
      }
      const outside = (await call(url, 'POST', '/v1/tokens', { name: 'not in the team' })).secret as string;

      const counting = countingFetch();
      const verifier = createVerifier({ url, token: await verifierToken(url), teamId: team, snapshot: true, fetch: counting.fetch });
      try {
        await verifier.live();
        assert.equal(verifier.state().tokens, teamKeys.length, 'the snapshot holds the team’s keys, and nobody else’s');
        // Never presented before, yet answered in process, each as the server answers it.
        for (const key of teamKeys) {
          for (const requirements of [{}, { scopes: ['docs:read'] }, { scopes: ['docs:write'] }]) {
            assert.deepEqual(gist(await verifier.verify(key.secret, requirements)), gist(await serverAnswer(url, key.secret, requirements)));
          }
        }
        assert.equal(counting.verifications(), 0, 'no key of the team was sent to the server');
        // A key of another scope is the server's to answer.
        assert.equal((await verifier.verify(outside)).code, 'VALID');
        assert.equal(counting.verifications(), 1);

        // A revocation reaches the snapshot's keys through the stream.
        await call(url, 'POST', `/v1/tokens/${teamKeys[0]!.id}/revoke`, {});
        const revokedAt = Date.now();
        while ((await verifier.verify(teamKeys[0]!.secret)).code !== 'REVOKED') {
          assert.ok(Date.now() - revokedAt < 5_000, 'refused within 5 s of its revocation');
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        assert.equal((await verifier.verify(teamKeys[1]!.secret)).code, 'VALID');
      } finally {
        await verifier.close();
      }
    });
  });
}

describe('the verifier follows revocations made on another node', { timeout: 180_000 }, () => {
  const REVOCATIONS = 50;
  let backend: ServerBackend;
  let nodes: ServerProcess[] = [];
  before(async () => {
    backend = await sqliteBackend();
    for (let i = 0; i < 2; i++) nodes.push(await startServerProcess([...backend.args, '--log-level', 'warn'], { TESSERA_BOOTSTRAP_TOKEN: admin }));
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    nodes = [];
    await backend?.cleanup();
  });

  it(`refuses each of ${REVOCATIONS} tokens revoked on another node within a second`, async (t) => {
    const [a, b] = nodes as [ServerProcess, ServerProcess];
    const verifier = createVerifier({ url: a.url, token: await verifierToken(a.url) });
    try {
      await verifier.live();
      const tokens: Array<{ id: string; secret: string }> = [];
      for (let i = 0; i < REVOCATIONS; i++) {
        const created = await call(a.url, 'POST', '/v1/tokens', { name: `revoked later ${i}` });
        tokens.push({ id: created.token.id, secret: created.secret });
        assert.equal((await verifier.verify(created.secret)).code, 'VALID');
      }
      const latencies: number[] = [];
      for (const token of tokens) {
        await call(b.url, 'POST', `/v1/tokens/${token.id}/revoke`, {});
        const revokedAt = performance.now();
        for (;;) {
          const answer = await verifier.verify(token.secret);
          const elapsed = performance.now() - revokedAt;
          if (answer.code === 'REVOKED') {
            latencies.push(elapsed);
            break;
          }
          assert.ok(elapsed < 5_000, `still ${answer.code} 5 s after its revocation`);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
      t.diagnostic(`verifier propagation: ${describeLatencies(latencies)}`);
      assert.equal(latencies.length, REVOCATIONS);
      assert.ok(quantile(latencies, 0.99) < 1_000, `p99 ${quantile(latencies, 0.99).toFixed(0)} ms`);
    } finally {
      await verifier.close();
    }
  });

  it("refuses a token suspended on another node, and a disabled user's, within a second; accepts them again once enabled", async (t) => {
    const [a, b] = nodes as [ServerProcess, ServerProcess];
    const verifier = createVerifier({ url: a.url, token: await verifierToken(a.url) });
    /** How long until the verifier answers `want` for `secret`, asking every 5 ms. */
    const until = async (secret: string, want: string) => {
      const start = performance.now();
      for (;;) {
        const answer = await verifier.verify(secret);
        const elapsed = performance.now() - start;
        if (answer.code === want) return elapsed;
        assert.ok(elapsed < 5_000, `still ${answer.code} 5 s on, wanted ${want}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    try {
      await verifier.live();
      const { user } = await call(a.url, 'POST', '/v1/users', { name: 'sdk leaver' });
      const token = await call(a.url, 'POST', '/v1/tokens', { name: 'suspended later' });
      const theirs = await call(a.url, 'POST', '/v1/tokens', { name: 'theirs', ownerUserId: user.id });
      for (const secret of [token.secret, theirs.secret]) assert.equal((await verifier.verify(secret)).code, 'VALID');
      const times: number[] = [];
      await call(b.url, 'POST', `/v1/tokens/${token.token.id}/disable`);
      times.push(await until(token.secret, 'DISABLED'));
      await call(b.url, 'POST', `/v1/tokens/${token.token.id}/enable`);
      times.push(await until(token.secret, 'VALID'));
      await call(b.url, 'POST', `/v1/users/${user.id}/disable`);
      times.push(await until(theirs.secret, 'DISABLED'));
      await call(b.url, 'POST', `/v1/users/${user.id}/enable`);
      times.push(await until(theirs.secret, 'VALID'));
      t.diagnostic(`suspend, resume, user off, user on: ${times.map((ms) => ms.toFixed(0)).join(', ')} ms`);
      assert.ok(Math.max(...times) < 1_000, `${Math.max(...times).toFixed(0)} ms`);
    } finally {
      await verifier.close();
    }
  });

  it('with its stream cut, never accepts a revoked token, and resumes from the last change it saw', async () => {
    const [a, b] = nodes as [ServerProcess, ServerProcess];
    const url = new URL(a.url);
    const proxy = await TcpProxy.start({ host: url.hostname, port: Number(url.port) });
    const errors: Error[] = [];
    const verifier = createVerifier({
      url: proxy.urlFor(a.url),
      token: await verifierToken(a.url),
      reconnectMs: { first: 50, most: 200 },
      onError: (e) => errors.push(e),
    });
    try {
      await verifier.live();
      const keys: Array<{ id: string; secret: string }> = [];
      for (let i = 0; i < 6; i++) {
        const created = await call(a.url, 'POST', '/v1/tokens', { name: `cut ${i}` });
        keys.push({ id: created.token.id, secret: created.secret });
        assert.equal((await verifier.verify(created.secret)).code, 'VALID');
      }
      const before = verifier.state().seq;
      // The network between the verifier and its server goes; two keys are revoked meanwhile.
      await proxy.refuse();
      await call(b.url, 'POST', `/v1/tokens/${keys[0]!.id}/revoke`, {});
      await call(b.url, 'POST', `/v1/tokens/${keys[1]!.id}/revoke`, {});
      await waitFor('the verifier to notice', () => (verifier.state().live ? undefined : true));
      // Down: it cannot ask the server either, so it answers nothing rather than a stale VALID.
      await assert.rejects(verifier.verify(keys[0]!.secret));
      // The network returns: it reconnects, replays what it missed, and refuses both.
      await proxy.restore();
      await verifier.live();
      // As good as its node from here: the node learns of node B's revocations within its poll.
      for (const key of keys.slice(0, 2)) {
        const started = Date.now();
        while ((await verifier.verify(key.secret)).code !== 'REVOKED') {
          assert.ok(Date.now() - started < 5_000, 'refused within 5 s of reconnecting');
          // A known key is answered by a resolved promise: without a pause this loop would never
          // let the stream's next event in.
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
      assert.ok(verifier.state().seq! > before!, 'the missed changes were read');
      // And never again accepted: no answer the node gave before it knew was kept.
      await new Promise((resolve) => setTimeout(resolve, 300));
      for (let round = 0; round < 3; round++) {
        for (const key of keys.slice(0, 2)) assert.equal((await verifier.verify(key.secret)).code, 'REVOKED');
        for (const key of keys.slice(2)) assert.equal((await verifier.verify(key.secret)).code, 'VALID');
      }
      assert.ok(errors.length > 0, 'the lost stream was reported');
    } finally {
      await verifier.close();
      await proxy.refuse();
    }
  });
});
