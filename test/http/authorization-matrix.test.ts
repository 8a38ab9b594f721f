import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { randomBytes } from 'node:crypto';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { GITLAB_TOKEN_TYPES } from '../../src/core/gitlab-token-revocation.js';
import { MANAGEMENT_SCOPES } from '../../src/core/management-scopes.js';
import { generateSecret } from '../../src/core/secret.js';
import { startHarness, type Harness } from '../support/app-harness.js';
import { FakeGithub } from '../support/github-scanning.js';

/*
 * Who may call which route on what: every route in /openapi.json has a row here, or this test
 * fails, so no route ships unchecked. Each row names its policy (a table of expected outcomes
 * below) and how to call it on a target; the test calls it as every kind of caller on every
 * kind of target and compares the status with the table.
 *
 * The world: team A, where olivia is `owner`, alice `member`, bob `member` and carol `viewer`;
 * dave is in no team of theirs and owns team D. The targets are alice's (`own`), team A's
 * (`team`), olivia's personal token in team A (`teammatePersonal`), team D's (`otherTeam`) and
 * dave's own (`otherUser`: a reader of his Edge Config, his config, his pool).
 */

type Outcome = 'ok' | 401 | 403 | 404;
/** Of a row that reads its outcome from its effect: it answered 200 and did nothing. */
type EffectOutcome = Outcome | 'refused';
type Person = 'admin' | 'owner' | 'teamOwner' | 'member' | 'viewer' | 'outsider';
type Caller = Person | 'api' | 'resource' | 'revoked' | 'expired' | 'disabled' | 'userDisabled' | 'wrongScope';
type Target = 'own' | 'team' | 'teammatePersonal' | 'otherTeam' | 'otherUser';

const PEOPLE: readonly Person[] = ['admin', 'owner', 'teamOwner', 'member', 'viewer', 'outsider'];
const CALLERS: readonly Caller[] = [...PEOPLE, 'api', 'resource', 'revoked', 'expired', 'disabled', 'userDisabled', 'wrongScope'];

/** Per target, the outcome for each person in PEOPLE's order: admin owner teamOwner member viewer outsider. */
type PolicyTable = Partial<Record<Target, string>>;

const POLICIES = {
  /** The caller's own things: any personal token with the scope. */
  self: { own: 'ok ok ok ok ok ok' },
  admin: { own: 'ok 403 403 403 403 403' },
  tokenRead: {
    own: 'ok ok 404 404 404 404',
    team: 'ok ok ok ok ok 404',
    teammatePersonal: 'ok 404 ok 404 404 404',
    otherTeam: 'ok 404 404 404 404 ok',
    otherUser: 'ok 404 404 404 404 ok',
  },
  tokenWrite: {
    own: 'ok ok 404 404 404 404',
    team: 'ok ok ok ok 403 404',
    teammatePersonal: 'ok 404 ok 404 404 404',
    otherTeam: 'ok 404 404 404 404 ok',
    otherUser: 'ok 404 404 404 404 ok',
  },
  /** Making something in a place: the caller's own, or a team's. */
  create: { own: 'ok ok ok ok ok ok', team: 'ok ok ok ok 403 403', otherTeam: 'ok 403 403 403 403 ok' },
  /** Making a token: also for a resource tessera keeps, another user's Edge Config. */
  createToken: {
    own: 'ok ok ok ok ok ok',
    team: 'ok ok ok ok 403 403',
    otherTeam: 'ok 403 403 403 403 ok',
    otherUser: 'ok 403 403 403 403 ok',
  },
  list: { own: 'ok ok ok ok ok ok', team: 'ok ok ok ok ok 403', otherTeam: 'ok 403 403 403 403 ok' },
  configRead: { own: 'ok ok 403 403 403 403', team: 'ok ok ok ok ok 403', otherUser: 'ok 403 403 403 403 ok' },
  configWrite: { own: 'ok ok 403 403 403 403', team: 'ok ok ok ok 403 403', otherUser: 'ok 403 403 403 403 ok' },
  poolRead: { own: 'ok ok 404 404 404 404', team: 'ok ok ok ok ok 403', otherTeam: 'ok 403 403 403 403 ok', otherUser: 'ok 404 404 404 404 ok' },
  poolWrite: { own: 'ok ok 404 404 404 404', team: 'ok ok ok ok 403 403', otherTeam: 'ok 403 403 403 403 ok', otherUser: 'ok 404 404 404 404 ok' },
  teamRead: { team: 'ok ok ok ok ok 403', otherTeam: 'ok 403 403 403 403 ok' },
  teamOwner: { team: 'ok 403 ok 403 403 403', otherTeam: 'ok 403 403 403 403 ok' },
  /** A webhook: its maker's own, or its team's, where viewers read it; another's is simply not there. */
  webhookRead: { own: 'ok ok 404 404 404 404', team: 'ok ok ok ok ok 404', otherTeam: 'ok 404 404 404 404 ok' },
  webhookWrite: { own: 'ok ok 404 404 404 404', team: 'ok ok ok ok 403 404', otherTeam: 'ok 404 404 404 404 ok' },
  /** Eden AI names tokens in the caller's own namespace: another's name is simply not there. */
  ownName: { own: '404 ok 404 404 404 404' },
} satisfies Record<string, PolicyTable>;
/**
 * `partner`: a leak scanning partner's route, whose credential is in the request itself (GitHub's
 * signature, GitLab's pre-shared token): a tessera token neither is needed nor changes the answer.
 */
type Policy = keyof typeof POLICIES | 'public' | 'edgeConfigToken' | 'partner';

/** The leak partners the world's app trusts. */
const GITHUB = new FakeGithub();
const GITLAB_TOKEN = 'matrix-gitlab-revocation-token';
/** A key in tessera's format that names no token: leak reports of it change nothing. */
const unknownKey = () => generateSecret('tsk', (n) => randomBytes(n));

interface World {
  h: Harness;
  people: Record<Person, { id: string; secret: string }>;
  teamA: string;
  teamD: string;
  callers: Record<Exclude<Caller, 'wrongScope'>, string>;
  /** alice's config, which the `resource` caller reads. */
  aliceConfig: string;
  daveConfig: string;
  fresh: () => string;
}

interface Row {
  policy: Policy;
  /** The request on a target, as `as` (the caller's secret). Built anew for each call. */
  request(w: World, target: Target): Promise<InjectOptions>;
  /**
   * For a route only a dashboard session authenticates: the caller's secret signs in (POST
   * /v1/session) and the request carries the session's cookie and CSRF token instead of `as`.
   */
  bySession?: true;
  /**
   * For a route whose status does not say whether it acted (RFC 7009 revocation answers 200 either
   * way): whether the request had its effect. The outcome is then 'ok' when it did and 'refused'
   * when it answered 200 without it, held to the policy's table where any refusal (403, 404) is 'refused'.
   */
  effect?(w: World, sent: InjectOptions): Promise<boolean>;
}

// ---- targets, made fresh for each call -------------------------------------------------------

async function call(w: World, as: string, options: InjectOptions): Promise<LightMyRequestResponse> {
  const res = await w.h.request({ ...options, as });
  assert.ok(res.statusCode < 300, `setting up: ${options.method} ${options.url} → ${res.statusCode} ${res.body}`);
  return res;
}

async function tokenTarget(w: World, target: Target): Promise<string> {
  return (await tokenTargetWithSecret(w, target)).id;
}

/** A fresh token of the target's kind, and its secret. */
async function tokenTargetWithSecret(w: World, target: Target): Promise<{ id: string; secret: string }> {
  const { people, teamA, teamD } = w;
  const made = async (as: string, url: string, payload: object) => (await call(w, as, { method: 'POST', url, payload })).json();
  switch (target) {
    case 'own': {
      const { token, secret } = await made(people.owner.secret, '/v1/tokens', { name: w.fresh() });
      return { id: token.id, secret };
    }
    case 'team': {
      const { token, secret } = await made(people.teamOwner.secret, `/v1/tokens?teamId=${teamA}`, { name: w.fresh() });
      return { id: token.id, secret };
    }
    case 'teammatePersonal': {
      const { token, secret } = await made(people.teamOwner.secret, `/v1/tokens?teamId=${teamA}`, { name: w.fresh(), type: 'personal' });
      return { id: token.id, secret };
    }
    case 'otherTeam': {
      const { token, secret } = await made(people.outsider.secret, `/v1/tokens?teamId=${teamD}`, { name: w.fresh() });
      return { id: token.id, secret };
    }
    case 'otherUser': {
      const { id, token } = await made(people.outsider.secret, `/v1/edge-config/${w.daveConfig}/token`, { label: w.fresh() });
      return { id, secret: token };
    }
  }
}

const oauthForm = (url: string, fields: Record<string, string>): InjectOptions => ({
  method: 'POST',
  url,
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  payload: new URLSearchParams(fields).toString(),
});

async function configTarget(w: World, target: Target): Promise<string> {
  const maker = { own: w.people.owner, team: w.people.teamOwner, otherUser: w.people.outsider }[target as 'own'];
  const query = target === 'team' ? `?teamId=${w.teamA}` : '';
  return (await call(w, maker.secret, { method: 'POST', url: `/v1/edge-config${query}`, payload: { slug: w.fresh(), items: { a: 1 } } })).json().id;
}

/** A config of the target's and one of its reader tokens. */
async function configAndReader(w: World, target: Target, prefix: string): Promise<{ config: string; reader: string }> {
  const config = await configTarget(w, target);
  const maker = { own: w.people.owner, team: w.people.teamOwner, otherUser: w.people.outsider }[target as 'own'];
  const reader = (await call(w, maker.secret, { method: 'POST', url: `${prefix}/${config}/token`, payload: { label: w.fresh() } })).json().id;
  return { config, reader };
}

const placeQuery = (w: World, target: Target) => ({ own: '', team: `?teamId=${w.teamA}`, otherTeam: `?teamId=${w.teamD}` })[target as 'own'];
const poolOwner = (w: World, target: Target) =>
  ({ own: w.people.owner.id, team: w.teamA, otherTeam: w.teamD, otherUser: w.people.outsider.id })[target as 'own'];
const teamOf = (w: World, target: Target) => (target === 'team' ? w.teamA : w.teamD);

/** A fresh webhook of the target's: alice's own, team A's, or team D's. */
async function webhookTarget(w: World, target: Target): Promise<string> {
  const maker = { own: w.people.owner, team: w.people.teamOwner, otherTeam: w.people.outsider }[target as 'own'];
  const payload = { url: 'https://hooks.example.com/matrix', events: ['token.created'] };
  return (await call(w, maker.secret, { method: 'POST', url: `/v1/webhooks${placeQuery(w, target)}`, payload })).json().webhook.id;
}

/** A webhook of the target's with one delivery (its test event). */
async function deliveryTarget(w: World, target: Target): Promise<{ webhook: string; delivery: string }> {
  const webhook = await webhookTarget(w, target);
  const maker = { own: w.people.owner, team: w.people.teamOwner, otherTeam: w.people.outsider }[target as 'own'];
  await call(w, maker.secret, { method: 'POST', url: `/v1/webhooks/${webhook}/test` });
  const delivery = (await call(w, maker.secret, { method: 'GET', url: `/v1/webhooks/${webhook}/deliveries` })).json().items[0].id;
  return { webhook, delivery };
}

async function freshUser(w: World): Promise<string> {
  return (await call(w, w.h.admin, { method: 'POST', url: '/v1/users', payload: { name: w.fresh() } })).json().user.id;
}

/** A fresh viewer of the target's team, added by the admin. */
async function member(w: World, target: Target): Promise<string> {
  const user = await freshUser(w);
  await call(w, w.h.admin, { method: 'POST', url: `/v1/teams/${teamOf(w, target)}/members`, payload: { userId: user, role: 'viewer' } });
  return user;
}

async function reservation(w: World): Promise<string> {
  const secret = (await call(w, w.h.admin, { method: 'POST', url: '/v1/tokens', payload: { name: w.fresh(), credits: '10' } })).json().secret;
  return (await w.h.request({ method: 'POST', url: '/v1/credits/reserve', payload: { token: secret, amount: '1', ttlMs: 60_000 } })).json().reservationId;
}

/** The forward-auth routes (routes/forward-auth-routes.ts): every method, at the exact path and under it. */
function forwardAuthRows(): Record<string, Row> {
  const rows: Record<string, Row> = {};
  for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const) {
    for (const [path, url] of [
      ['/v1/forward-auth', '/v1/forward-auth?cost=0'],
      ['/v1/forward-auth/{*}', '/v1/forward-auth/upstream/path'],
    ]) {
      rows[`${method} ${path}`] = {
        policy: 'public',
        request: async (w) => ({ method, url: url!, headers: { authorization: `Bearer ${w.callers.api}` } }),
      };
    }
  }
  return rows;
}

// ---- the table: one row per route of /openapi.json ------------------------------------------

const ROWS: Record<string, Row> = {
  'GET /healthz': { policy: 'public', request: async () => ({ method: 'GET', url: '/healthz' }) },
  'GET /readyz': { policy: 'public', request: async () => ({ method: 'GET', url: '/readyz' }) },
  'GET /metrics': { policy: 'public', request: async () => ({ method: 'GET', url: '/metrics' }) },
  // A token's series is read as the token is: 404 for one the caller may not read.
  'GET /v1/analytics/verifications': {
    policy: 'tokenRead',
    request: async (w, t) => ({ method: 'GET', url: `/v1/analytics/verifications?tokenId=${await tokenTarget(w, t)}` }),
  },
  'POST /v1/verify': { policy: 'public', request: async (w) => ({ method: 'POST', url: '/v1/verify', payload: { token: w.callers.api } }) },
  'POST /v1/verify/batch': { policy: 'public', request: async (w) => ({ method: 'POST', url: '/v1/verify/batch', payload: { tokens: [w.callers.api] } }) },
  'POST /v1/credits/reserve': {
    policy: 'public',
    request: async (w) => {
      const secret = (await call(w, w.h.admin, { method: 'POST', url: '/v1/tokens', payload: { name: w.fresh(), credits: '10' } })).json().secret;
      return { method: 'POST', url: '/v1/credits/reserve', payload: { token: secret, amount: '1', ttlMs: 60_000 } };
    },
  },
  'POST /v1/credits/{reservationId}/commit': {
    policy: 'public',
    request: async (w) => ({ method: 'POST', url: `/v1/credits/${await reservation(w)}/commit`, payload: { amount: '1' } }),
  },
  'POST /v1/credits/{reservationId}/release': {
    policy: 'public',
    request: async (w) => ({ method: 'POST', url: `/v1/credits/${await reservation(w)}/release` }),
  },
  'GET /v1/credits/{reservationId}': { policy: 'public', request: async (w) => ({ method: 'GET', url: `/v1/credits/${await reservation(w)}` }) },
  'POST /edge/validate': { policy: 'public', request: async (w) => ({ method: 'POST', url: '/edge/validate', payload: { tokens: [w.callers.api] } }) },
  // Gateways' forward-auth, for every method they send: the key is in the request's own Authorization header, which `as` does not replace.
  ...forwardAuthRows(),

  'POST /v1/tokens': {
    policy: 'createToken',
    request: async (w, t) =>
      t === 'otherUser'
        ? { method: 'POST', url: '/v1/tokens', payload: { name: w.fresh(), resource: { kind: 'edge-config', id: w.daveConfig } } }
        : { method: 'POST', url: `/v1/tokens${placeQuery(w, t)}`, payload: { name: w.fresh() } },
  },
  'GET /v1/tokens': { policy: 'list', request: async (w, t) => ({ method: 'GET', url: `/v1/tokens${placeQuery(w, t)}` }) },
  'GET /v1/tokens/{id}': { policy: 'tokenRead', request: async (w, t) => ({ method: 'GET', url: `/v1/tokens/${await tokenTarget(w, t)}` }) },
  'PATCH /v1/tokens/{id}': {
    policy: 'tokenWrite',
    request: async (w, t) => ({ method: 'PATCH', url: `/v1/tokens/${await tokenTarget(w, t)}`, payload: { name: 'renamed' } }),
  },
  'DELETE /v1/tokens/{id}': { policy: 'tokenWrite', request: async (w, t) => ({ method: 'DELETE', url: `/v1/tokens/${await tokenTarget(w, t)}` }) },
  'POST /v1/tokens/{id}/revoke': { policy: 'tokenWrite', request: async (w, t) => ({ method: 'POST', url: `/v1/tokens/${await tokenTarget(w, t)}/revoke` }) },
  // Suspending needs the rights revoking does.
  'POST /v1/tokens/{id}/disable': { policy: 'tokenWrite', request: async (w, t) => ({ method: 'POST', url: `/v1/tokens/${await tokenTarget(w, t)}/disable` }) },
  'POST /v1/tokens/{id}/enable': { policy: 'tokenWrite', request: async (w, t) => ({ method: 'POST', url: `/v1/tokens/${await tokenTarget(w, t)}/enable` }) },
  'POST /v1/tokens/{id}/rotate': { policy: 'tokenWrite', request: async (w, t) => ({ method: 'POST', url: `/v1/tokens/${await tokenTarget(w, t)}/rotate` }) },
  'POST /v1/tokens/{id}/credits': {
    policy: 'tokenWrite',
    request: async (w, t) => ({ method: 'POST', url: `/v1/tokens/${await tokenTarget(w, t)}/credits`, payload: { op: 'add', amount: '1' } }),
  },

  // A verifier reads the tokens its caller's listings show (personal tokens aside): its own, a team's, or all for an admin.
  'GET /v1/verifier/snapshot': { policy: 'list', request: async (w, t) => ({ method: 'GET', url: `/v1/verifier/snapshot${placeQuery(w, t)}` }) },
  // An event stream does not end: its answer is taken once its headers are in, and the stream left to the app's close.
  'GET /v1/verifier/changes': {
    policy: 'list',
    request: async (w, t) => ({ method: 'GET', url: `/v1/verifier/changes${placeQuery(w, t)}`, payloadAsStream: true }),
  },

  // Reporting what a verifier answered itself: where it may hold tokens (tokens it may not hold are ignored, test/http/verifier-usage.test.ts).
  'POST /v1/verifier/usage': {
    policy: 'list',
    request: async (w, t) => ({
      method: 'POST',
      url: `/v1/verifier/usage${placeQuery(w, t)}`,
      payload: { counts: [{ tokenId: 'tok_unknown', minute: 60_000 * Math.floor(Date.now() / 60_000), outcome: 'VALID', count: 1 }] },
    }),
  },

  'GET /v1/whoami': { policy: 'self', request: async () => ({ method: 'GET', url: '/v1/whoami' }) },
  // Sign-in is public: the personal token in the body is the proof, whatever else is sent (an api token's is 403 either way).
  'POST /v1/session': { policy: 'public', request: async (w) => ({ method: 'POST', url: '/v1/session', payload: { token: w.people.member.secret } }) },
  // The session's own routes take only its cookie: any person's token that signed in may read and end its session.
  'GET /v1/session': { policy: 'self', bySession: true, request: async () => ({ method: 'GET', url: '/v1/session' }) },
  'DELETE /v1/session': { policy: 'self', bySession: true, request: async () => ({ method: 'DELETE', url: '/v1/session' }) },
  'POST /v1/users': { policy: 'admin', request: async (w) => ({ method: 'POST', url: '/v1/users', payload: { name: w.fresh() } }) },
  'GET /v1/users': { policy: 'admin', request: async () => ({ method: 'GET', url: '/v1/users' }) },
  'POST /v1/teams': { policy: 'self', request: async (w) => ({ method: 'POST', url: '/v1/teams', payload: { slug: w.fresh() } }) },
  'GET /v1/teams': { policy: 'self', request: async () => ({ method: 'GET', url: '/v1/teams' }) },
  'GET /v1/teams/{id}': { policy: 'teamRead', request: async (w, t) => ({ method: 'GET', url: `/v1/teams/${teamOf(w, t)}` }) },
  'POST /v1/teams/{id}/members': {
    policy: 'teamOwner',
    request: async (w, t) => {
      const user = (await call(w, w.h.admin, { method: 'POST', url: '/v1/users', payload: { name: w.fresh() } })).json().user.id;
      return { method: 'POST', url: `/v1/teams/${teamOf(w, t)}/members`, payload: { userId: user, role: 'viewer' } };
    },
  },
  'PATCH /v1/teams/{id}/members/{userId}': {
    policy: 'teamOwner',
    request: async (w, t) => ({ method: 'PATCH', url: `/v1/teams/${teamOf(w, t)}/members/${await member(w, t)}`, payload: { role: 'member' } }),
  },
  'DELETE /v1/teams/{id}/members/{userId}': {
    policy: 'teamOwner',
    request: async (w, t) => ({ method: 'DELETE', url: `/v1/teams/${teamOf(w, t)}/members/${await member(w, t)}` }),
  },
  // Offboarding: admins only, on a fresh user each time.
  'POST /v1/users/{id}/disable': { policy: 'admin', request: async (w) => ({ method: 'POST', url: `/v1/users/${await freshUser(w)}/disable` }) },
  'POST /v1/users/{id}/enable': { policy: 'admin', request: async (w) => ({ method: 'POST', url: `/v1/users/${await freshUser(w)}/enable` }) },
  'DELETE /v1/users/{id}': { policy: 'admin', request: async (w) => ({ method: 'DELETE', url: `/v1/users/${await freshUser(w)}` }) },
  // Importing another system's keys: admins only, a fresh key each time.
  'POST /v1/tokens/import': {
    policy: 'admin',
    request: async (w) => ({ method: 'POST', url: '/v1/tokens/import', payload: { keys: [{ key: `old_${w.fresh()}_key` }] } }),
  },
  // Lifecycle policies: the installation's rules bind every caller's tokens, so any signed-in caller reads them.
  'GET /v1/policies': { policy: 'self', request: async () => ({ method: 'GET', url: '/v1/policies' }) },
  'PUT /v1/policies': { policy: 'admin', request: async () => ({ method: 'PUT', url: '/v1/policies', payload: {} }) },
  'GET /v1/teams/{id}/policies': { policy: 'teamRead', request: async (w, t) => ({ method: 'GET', url: `/v1/teams/${teamOf(w, t)}/policies` }) },
  'PUT /v1/teams/{id}/policies': { policy: 'teamOwner', request: async (w, t) => ({ method: 'PUT', url: `/v1/teams/${teamOf(w, t)}/policies`, payload: {} }) },
  'GET /v1/audit': { policy: 'list', request: async (w, t) => ({ method: 'GET', url: `/v1/audit${placeQuery(w, t)}` }) },
  'GET /v1/environments': { policy: 'self', request: async () => ({ method: 'GET', url: '/v1/environments' }) },
  'POST /v1/environments': { policy: 'admin', request: async (w) => ({ method: 'POST', url: '/v1/environments', payload: { name: w.fresh() } }) },
  'GET /v1/projects': { policy: 'self', request: async () => ({ method: 'GET', url: '/v1/projects' }) },
  'POST /v1/projects': { policy: 'admin', request: async (w) => ({ method: 'POST', url: '/v1/projects', payload: { id: w.fresh() } }) },
  'GET /v1/credit-pools/{ownerId}': { policy: 'poolRead', request: async (w, t) => ({ method: 'GET', url: `/v1/credit-pools/${poolOwner(w, t)}` }) },
  'POST /v1/credit-pools/{ownerId}/credits': {
    policy: 'poolWrite',
    request: async (w, t) => ({ method: 'POST', url: `/v1/credit-pools/${poolOwner(w, t)}/credits`, payload: { op: 'add', amount: '1' } }),
  },

  'POST /api/v2/tokens': { policy: 'self', request: async (w) => ({ method: 'POST', url: '/api/v2/tokens', payload: { description: w.fresh() } }) },
  'GET /api/v2/tokens': { policy: 'self', request: async () => ({ method: 'GET', url: '/api/v2/tokens' }) },
  'DELETE /api/v2/tokens/{token}': { policy: 'tokenWrite', request: async (w, t) => ({ method: 'DELETE', url: `/api/v2/tokens/${await tokenTarget(w, t)}` }) },
  'POST /v2/user/custom_token/': { policy: 'self', request: async (w) => ({ method: 'POST', url: '/v2/user/custom_token/', payload: { name: w.fresh() } }) },
  'GET /v2/user/custom_token/': { policy: 'self', request: async () => ({ method: 'GET', url: '/v2/user/custom_token/' }) },
  'GET /v2/user/custom_token/{name}/': { policy: 'ownName', request: async (w) => ({ method: 'GET', url: `/v2/user/custom_token/${await edenName(w)}/` }) },
  'PATCH /v2/user/custom_token/{name}/': {
    policy: 'ownName',
    request: async (w) => ({ method: 'PATCH', url: `/v2/user/custom_token/${await edenName(w)}/`, payload: { active_balance: true } }),
  },
  'DELETE /v2/user/custom_token/{name}/': {
    policy: 'ownName',
    request: async (w) => ({ method: 'DELETE', url: `/v2/user/custom_token/${await edenName(w)}/` }),
  },
  'POST /edge/issue-token': {
    policy: 'admin',
    request: async () => ({ method: 'POST', url: '/edge/issue-token', payload: { tokens: [{ environment: 'development', projects: ['default'] }] } }),
  },
  'POST /v3/user/tokens': {
    policy: 'create',
    request: async (w, t) => ({ method: 'POST', url: `/v3/user/tokens${placeQuery(w, t)}`, payload: { name: w.fresh() } }),
  },
  'GET /v6/user/tokens': { policy: 'self', request: async () => ({ method: 'GET', url: '/v6/user/tokens' }) },
  'GET /v5/user/tokens/{tokenId}': { policy: 'tokenRead', request: async (w, t) => ({ method: 'GET', url: `/v5/user/tokens/${await tokenTarget(w, t)}` }) },
  'DELETE /v3/user/tokens/{tokenId}': {
    policy: 'tokenWrite',
    request: async (w, t) => ({ method: 'DELETE', url: `/v3/user/tokens/${await tokenTarget(w, t)}` }),
  },

  'GET /{edgeConfigId}/items': { policy: 'edgeConfigToken', request: async (w) => ({ method: 'GET', url: `/${w.aliceConfig}/items` }) },
  'GET /{edgeConfigId}/item/{key}': { policy: 'edgeConfigToken', request: async (w) => ({ method: 'GET', url: `/${w.aliceConfig}/item/a` }) },
  'HEAD /{edgeConfigId}/item/{key}': { policy: 'edgeConfigToken', request: async (w) => ({ method: 'HEAD', url: `/${w.aliceConfig}/item/a` }) },
  'GET /{edgeConfigId}/digest': { policy: 'edgeConfigToken', request: async (w) => ({ method: 'GET', url: `/${w.aliceConfig}/digest` }) },

  // ---- OAuth for API keys (docs/oauth.md) ----
  'GET /.well-known/oauth-authorization-server': { policy: 'public', request: async () => ({ method: 'GET', url: '/.well-known/oauth-authorization-server' }) },
  // Any personal token with oauth:introspect may ask about any token: holding that scope is what a gateway's credential is for.
  'POST /oauth/introspect': { policy: 'self', request: async (w) => oauthForm('/oauth/introspect', { token: w.callers.api }) },
  // Always 200: what counts is whether the target was revoked, by the rules of POST /v1/tokens/{id}/revoke.
  'POST /oauth/revoke': {
    policy: 'tokenWrite',
    request: async (w, t) => oauthForm('/oauth/revoke', { token: (await tokenTargetWithSecret(w, t)).secret }),
    effect: async (w, sent) => {
      const token = new URLSearchParams(String(sent.payload)).get('token')!;
      const res = await w.h.request({ method: 'POST', url: '/v1/verify', payload: { token, cost: '0' } });
      assert.ok(['VALID', 'REVOKED'].includes(res.json().code), `the target is ${res.json().code}`);
      return res.json().code === 'REVOKED';
    },
  },
  // Token exchange (RFC 8693): public, the API key in the form is the credential; and the keys its JWTs verify with.
  'POST /oauth/token': {
    policy: 'public',
    request: async (w) =>
      oauthForm('/oauth/token', {
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token: w.callers.api,
        subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      }),
  },
  'GET /.well-known/jwks.json': { policy: 'public', request: async () => ({ method: 'GET', url: '/.well-known/jwks.json' }) },

  // ---- leak intake (docs/governance.md, "Leaked keys") ----
  // GitHub's signature over the body (made here, sent as is) is the credential; an Authorization header adds nothing.
  'POST /v1/leaks/github': {
    policy: 'partner',
    request: async () => {
      const { payload, headers } = GITHUB.report([{ token: unknownKey() }]);
      return { method: 'POST', url: '/v1/leaks/github', payload, headers };
    },
  },
  // The request's own Authorization header is GitLab's pre-shared token, which `as` does not replace.
  'GET /v1/leaks/gitlab/revocable_token_types': {
    policy: 'partner',
    request: async () => ({ method: 'GET', url: '/v1/leaks/gitlab/revocable_token_types', headers: { authorization: GITLAB_TOKEN } }),
  },
  'POST /v1/leaks/gitlab/revoke_tokens': {
    policy: 'partner',
    request: async () => ({
      method: 'POST',
      url: '/v1/leaks/gitlab/revoke_tokens',
      headers: { authorization: GITLAB_TOKEN },
      payload: [{ type: GITLAB_TOKEN_TYPES[0], token: unknownKey() }],
    }),
  },
  // Anyone may report a key (the world's app sets no report rate limit: the matrix makes many calls from one address).
  'POST /v1/leaks/report': { policy: 'public', request: async () => ({ method: 'POST', url: '/v1/leaks/report', payload: { token: unknownKey() } }) },
  // Anyone reads the default a personal token of theirs follows; only admins set it.
  'GET /v1/leak-policy': { policy: 'self', request: async () => ({ method: 'GET', url: '/v1/leak-policy' }) },
  'PUT /v1/leak-policy': { policy: 'admin', request: async () => ({ method: 'PUT', url: '/v1/leak-policy', payload: { action: 'revoke' } }) },
  'GET /v1/teams/{id}/leak-policy': { policy: 'teamRead', request: async (w, t) => ({ method: 'GET', url: `/v1/teams/${teamOf(w, t)}/leak-policy` }) },
  'PUT /v1/teams/{id}/leak-policy': {
    policy: 'teamOwner',
    request: async (w, t) => ({ method: 'PUT', url: `/v1/teams/${teamOf(w, t)}/leak-policy`, payload: { action: 'revoke' } }),
  },
  'DELETE /v1/teams/{id}/leak-policy': { policy: 'teamOwner', request: async (w, t) => ({ method: 'DELETE', url: `/v1/teams/${teamOf(w, t)}/leak-policy` }) },
  // ---- webhooks (docs/webhooks.md) ----
  'POST /v1/webhooks': {
    policy: 'create',
    request: async (w, t) => ({
      method: 'POST',
      url: `/v1/webhooks${placeQuery(w, t)}`,
      payload: { url: 'https://hooks.example.com/m', events: ['token.created'] },
    }),
  },
  'GET /v1/webhooks': { policy: 'list', request: async (w, t) => ({ method: 'GET', url: `/v1/webhooks${placeQuery(w, t)}` }) },
  'GET /v1/webhooks/{id}': { policy: 'webhookRead', request: async (w, t) => ({ method: 'GET', url: `/v1/webhooks/${await webhookTarget(w, t)}` }) },
  'PATCH /v1/webhooks/{id}': {
    policy: 'webhookWrite',
    request: async (w, t) => ({ method: 'PATCH', url: `/v1/webhooks/${await webhookTarget(w, t)}`, payload: { description: 'changed' } }),
  },
  'DELETE /v1/webhooks/{id}': { policy: 'webhookWrite', request: async (w, t) => ({ method: 'DELETE', url: `/v1/webhooks/${await webhookTarget(w, t)}` }) },
  'POST /v1/webhooks/{id}/rotate-secret': {
    policy: 'webhookWrite',
    request: async (w, t) => ({ method: 'POST', url: `/v1/webhooks/${await webhookTarget(w, t)}/rotate-secret` }),
  },
  'POST /v1/webhooks/{id}/test': {
    policy: 'webhookWrite',
    request: async (w, t) => ({ method: 'POST', url: `/v1/webhooks/${await webhookTarget(w, t)}/test` }),
  },
  'GET /v1/webhooks/{id}/deliveries': {
    policy: 'webhookRead',
    request: async (w, t) => ({ method: 'GET', url: `/v1/webhooks/${await webhookTarget(w, t)}/deliveries` }),
  },
  'POST /v1/webhooks/{id}/deliveries/{deliveryId}/redeliver': {
    policy: 'webhookWrite',
    request: async (w, t) => {
      const { webhook, delivery } = await deliveryTarget(w, t);
      return { method: 'POST', url: `/v1/webhooks/${webhook}/deliveries/${delivery}/redeliver` };
    },
  },
};

// The Edge Config management routes, under both of their prefixes.
for (const prefix of ['/v1/edge-config', '/v1/global-config']) {
  Object.assign(ROWS, {
    [`POST ${prefix}`]: {
      policy: 'create',
      request: async (w: World, t: Target) => ({ method: 'POST', url: `${prefix}${placeQuery(w, t)}`, payload: { slug: w.fresh() } }),
    },
    [`GET ${prefix}/{edgeConfigId}`]: {
      policy: 'configRead',
      request: async (w: World, t: Target) => ({ method: 'GET', url: `${prefix}/${await configTarget(w, t)}` }),
    },
    [`PATCH ${prefix}/{edgeConfigId}/items`]: {
      policy: 'configWrite',
      request: async (w: World, t: Target) => ({
        method: 'PATCH',
        url: `${prefix}/${await configTarget(w, t)}/items`,
        payload: { items: [{ operation: 'upsert', key: 'b', value: 2 }] },
      }),
    },
    [`POST ${prefix}/{edgeConfigId}/token`]: {
      policy: 'configWrite',
      request: async (w: World, t: Target) => ({ method: 'POST', url: `${prefix}/${await configTarget(w, t)}/token`, payload: { label: w.fresh() } }),
    },
    [`GET ${prefix}/{edgeConfigId}/tokens`]: {
      policy: 'configRead',
      request: async (w: World, t: Target) => ({ method: 'GET', url: `${prefix}/${await configTarget(w, t)}/tokens` }),
    },
    [`DELETE ${prefix}/{edgeConfigId}/tokens`]: {
      policy: 'configWrite',
      request: async (w: World, t: Target) => {
        const { config, reader } = await configAndReader(w, t, prefix);
        return { method: 'DELETE', url: `${prefix}/${config}/tokens`, payload: { ids: [reader] } };
      },
    },
    [`GET ${prefix}/{edgeConfigId}/token/{token}`]: {
      policy: 'configRead',
      request: async (w: World, t: Target) => {
        const { config, reader } = await configAndReader(w, t, prefix);
        return { method: 'GET', url: `${prefix}/${config}/token/${reader}` };
      },
    },
  } satisfies Record<string, Row>);
}

/** `options` sent with the session `as` signs in to (its cookie and CSRF token), or with no credential when it cannot sign in. */
async function bySession(w: World, as: string, options: InjectOptions): Promise<LightMyRequestResponse> {
  const signIn = await w.h.request({ method: 'POST', url: '/v1/session', payload: { token: as } });
  if (signIn.statusCode !== 200) return w.h.request(options);
  const cookie = /^tessera_session=[^;]*/.exec(String(signIn.headers['set-cookie']))![0];
  return w.h.request({ ...options, headers: { ...options.headers, cookie, 'x-csrf-token': signIn.json().csrfToken } });
}

async function edenName(w: World): Promise<string> {
  const name = w.fresh();
  await call(w, w.people.owner.secret, { method: 'POST', url: '/v2/user/custom_token/', payload: { name } });
  return name;
}

// ---- expectations ------------------------------------------------------------------------------

function targetsOf(policy: Policy): Target[] {
  if (policy === 'public' || policy === 'edgeConfigToken' || policy === 'partner') return ['own'];
  return Object.keys(POLICIES[policy]) as Target[];
}

function expected(policy: keyof typeof POLICIES, scoped: boolean, caller: Caller, target: Target): Outcome {
  if (caller === 'revoked' || caller === 'expired' || caller === 'disabled' || caller === 'userDisabled') return 401;
  if (caller === 'api' || caller === 'resource') return 403;
  if (caller === 'wrongScope') return scoped ? 403 : 'ok';
  const row = (POLICIES[policy] as PolicyTable)[target]!.split(' ');
  const outcome = row[PEOPLE.indexOf(caller)]!;
  return outcome === 'ok' ? 'ok' : (Number(outcome) as Outcome);
}

const outcomeOf = (status: number): Outcome | number => (status >= 200 && status < 300 ? 'ok' : status);

// ---- the world -----------------------------------------------------------------------------

async function makeWorld(): Promise<World> {
  // Every call on `otherUser` makes a reader of dave's one Edge Config: more than a config's default limit of 100.
  const h = await startHarness(undefined, {
    edgeConfigTokenLimit: 10_000,
    leaks: { githubKeys: GITHUB.keys(), gitlabToken: GITLAB_TOKEN, reportsPerMinute: 0 },
  });
  let n = 0;
  const fresh = () => `m${++n}-${Date.now().toString(36)}`;
  const [owner, teamOwner, member, viewer, outsider] = await Promise.all(['alice', 'olivia', 'bob', 'carol', 'dave'].map((name) => h.user(name)));
  const adminId = (await h.request({ method: 'GET', url: '/v1/whoami', as: h.admin })).json().user.id;
  const people = { admin: { id: adminId, secret: h.admin }, owner: owner!, teamOwner: teamOwner!, member: member!, viewer: viewer!, outsider: outsider! };
  const w = { h, people, fresh } as World;
  w.teamA = (await call(w, teamOwner!.secret, { method: 'POST', url: '/v1/teams', payload: { slug: 'team-a' } })).json().team.id;
  for (const [who, role] of [
    [owner!, 'member'],
    [member!, 'member'],
    [viewer!, 'viewer'],
  ] as const) {
    await call(w, teamOwner!.secret, { method: 'POST', url: `/v1/teams/${w.teamA}/members`, payload: { userId: who.id, role } });
  }
  w.teamD = (await call(w, outsider!.secret, { method: 'POST', url: '/v1/teams', payload: { slug: 'team-d' } })).json().team.id;
  for (const pool of [owner!.id, w.teamA, w.teamD, outsider!.id]) {
    await call(w, h.admin, { method: 'POST', url: `/v1/credit-pools/${pool}/credits`, payload: { op: 'set', amount: '100' } });
  }
  w.aliceConfig = (await call(w, owner!.secret, { method: 'POST', url: '/v1/edge-config', payload: { slug: 'alice-config', items: { a: 1 } } })).json().id;
  w.daveConfig = (await call(w, outsider!.secret, { method: 'POST', url: '/v1/edge-config', payload: { slug: 'dave-config', items: { d: 1 } } })).json().id;
  const personal = async (payload: object) =>
    (await call(w, owner!.secret, { method: 'POST', url: '/v1/tokens', payload: { name: fresh(), type: 'personal', ...payload } })).json();
  const revoked = await personal({});
  await call(w, owner!.secret, { method: 'POST', url: `/v1/tokens/${revoked.token.id}/revoke` });
  // Suspended on its own, and one whose user is disabled (issue 22): no more than a revoked one.
  const suspended = await personal({});
  await call(w, owner!.secret, { method: 'POST', url: `/v1/tokens/${suspended.token.id}/disable` });
  const leaver = (await call(w, h.admin, { method: 'POST', url: '/v1/users', payload: { name: fresh() } })).json().user.id;
  const leaversToken = (
    await call(w, h.admin, { method: 'POST', url: '/v1/tokens', payload: { name: fresh(), type: 'personal', ownerUserId: leaver } })
  ).json();
  await call(w, h.admin, { method: 'POST', url: `/v1/users/${leaver}/disable` });
  const expiring = await personal({ expiresAt: h.clock.now() + 1000 });
  h.clock.advance(2000);
  w.callers = {
    ...Object.fromEntries(Object.entries(people).map(([kind, p]) => [kind, p.secret])),
    api: (await call(w, owner!.secret, { method: 'POST', url: '/v1/tokens', payload: { name: 'api key' } })).json().secret,
    resource: (await call(w, owner!.secret, { method: 'POST', url: `/v1/edge-config/${w.aliceConfig}/token`, payload: { label: 'reader' } })).json().token,
    revoked: revoked.secret,
    expired: expiring.secret,
    disabled: suspended.secret,
    userDisabled: leaversToken.secret,
  } as World['callers'];
  return w;
}

/** A personal token of alice's with every scope but the one the route needs (and the write that would cover it). */
async function wrongScopeToken(w: World, needed: string | undefined): Promise<string> {
  const covering = needed?.endsWith(':read') ? needed.replace(/:read$/, ':write') : undefined;
  const scopes = MANAGEMENT_SCOPES.filter((s) => s !== needed && s !== covering);
  return (
    await call(w, w.people.owner.secret, {
      method: 'POST',
      url: '/v1/tokens',
      payload: { name: w.fresh(), type: 'personal', scopes: needed === undefined ? [] : scopes },
    })
  ).json().secret;
}

describe('authorization matrix: every route × every kind of caller × every kind of target', () => {
  let w: World;
  let operations: Array<{ key: string; scopes: string[] | undefined }>;
  before(async () => {
    w = await makeWorld();
    const spec = (await w.h.request({ method: 'GET', url: '/openapi.json' })).json();
    operations = Object.entries(spec.paths as Record<string, Record<string, { security?: Array<Record<string, string[]>> }>>).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, scopes: op.security?.find((r) => r.bearer)?.bearer })),
    );
  });
  after(() => w.h.close());

  it('has a row for every route in /openapi.json, and none for a route that is not there', () => {
    const documented = operations.map((o) => o.key).sort();
    assert.deepEqual(
      documented.filter((key) => !ROWS[key]),
      [],
      'routes without a row in the authorization matrix',
    );
    assert.deepEqual(
      Object.keys(ROWS).filter((key) => !documented.includes(key)),
      [],
      'rows for routes that do not exist',
    );
  });

  it('answers every caller on every target as the table says', async () => {
    const wrong: string[] = [];
    for (const { key, scopes } of operations) {
      const row = ROWS[key];
      if (!row) continue;
      const wrongScope = row.policy === 'public' || row.policy === 'edgeConfigToken' || row.policy === 'partner' ? '' : await wrongScopeToken(w, scopes?.[0]);
      for (const target of targetsOf(row.policy)) {
        for (const caller of CALLERS) {
          const as = caller === 'wrongScope' ? wrongScope : w.callers[caller];
          const options = await row.request(w, target);
          let want: EffectOutcome | number;
          if (row.policy === 'public') {
            // Anyone may call it: a credential neither is needed nor changes the answer.
            want = outcomeOf((await w.h.request(await row.request(w, target))).statusCode);
          } else if (row.policy === 'edgeConfigToken') {
            want = caller === 'resource' ? 'ok' : 401;
          } else if (row.policy === 'partner') {
            want = 'ok';
          } else {
            want = expected(row.policy, (scopes?.length ?? 0) > 0, caller, target);
          }
          const res = row.bySession ? await bySession(w, as, options) : await w.h.request({ ...options, as });
          // Only a valid personal token signs in: any other caller arrives with no session at all.
          if (row.bySession && want === 403 && (caller === 'api' || caller === 'resource')) want = 401;
          let got: EffectOutcome | number = outcomeOf(res.statusCode);
          if (row.effect) {
            if (want === 403 || want === 404) want = 'refused';
            if (got === 'ok' && res.statusCode === 200) got = (await row.effect(w, options)) ? 'ok' : 'refused';
            else if (got === 'ok') got = res.statusCode;
          }
          if (got !== want) wrong.push(`${key} as ${caller} on ${target}: ${got}, expected ${want}`);
        }
      }
    }
    assert.deepEqual(wrong, []);
  });
});
