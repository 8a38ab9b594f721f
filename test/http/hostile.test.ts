import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import type { InjectOptions } from 'fastify';
import { GITLAB_TOKEN_TYPES } from '../../src/core/gitlab-token-revocation.js';
import { describeEachApp } from '../support/app-harness.js';
import { FakeGithub } from '../support/github-scanning.js';
import { storeSnapshot } from '../support/store-snapshot.js';

const github = new FakeGithub();
const GITLAB_TOKEN = 'hostile-gitlab-token';

await describeEachApp(
  'malformed and hostile requests',
  (h) => {
    let tokenId: string;
    before(async () => {
      tokenId = (await h.request({ method: 'POST', url: '/v1/tokens', as: h.admin, payload: { name: 'target' } })).json().token.id;
    });

    const json = { 'content-type': 'application/json' };
    const cases = (): Array<[string, InjectOptions & { as?: string }, number]> => [
      ['invalid JSON', { method: 'POST', url: '/v1/tokens', headers: json, payload: '{"name":', as: h.admin }, 400],
      ['JSON array body', { method: 'POST', url: '/v1/tokens', headers: json, payload: '[]', as: h.admin }, 400],
      ['JSON null body', { method: 'POST', url: '/v1/tokens', headers: json, payload: 'null', as: h.admin }, 400],
      ['JSON string body', { method: 'POST', url: '/v1/tokens', headers: json, payload: '"name"', as: h.admin }, 400],
      ['empty body', { method: 'POST', url: '/v1/tokens', headers: json, payload: '', as: h.admin }, 400],
      ['text/plain', { method: 'POST', url: '/v1/tokens', headers: { 'content-type': 'text/plain' }, payload: 'name=x', as: h.admin }, 415],
      [
        'form body',
        { method: 'POST', url: '/v1/tokens', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'name=x', as: h.admin },
        415,
      ],
      [
        'a charset other than utf-8',
        { method: 'POST', url: '/v1/tokens', headers: { 'content-type': 'application/json; charset=utf-7' }, payload: '{"name":"c"}', as: h.admin },
        415,
      ],
      [
        'another charset, in capitals',
        { method: 'POST', url: '/v1/tokens', headers: { 'content-type': 'application/json; Charset="UTF-16"' }, payload: '{"name":"c"}', as: h.admin },
        415,
      ],
      [
        'a charset after another parameter',
        { method: 'POST', url: '/v1/tokens', headers: { 'content-type': 'application/json; v=1; charset=iso-8859-1' }, payload: '{"name":"c"}', as: h.admin },
        415,
      ],
      [
        'a gzip body',
        { method: 'POST', url: '/v1/tokens', headers: { ...json, 'content-encoding': 'gzip' }, payload: gzipSync('{"name":"z"}'), as: h.admin },
        415,
      ],
      [
        'plain JSON labelled gzip',
        { method: 'POST', url: '/v1/tokens', headers: { ...json, 'content-encoding': 'GZIP' }, payload: '{"name":"z"}', as: h.admin },
        415,
      ],
      [
        'a deflate body',
        { method: 'POST', url: '/v1/tokens', headers: { ...json, 'content-encoding': 'deflate' }, payload: deflateSync('{"name":"z"}'), as: h.admin },
        415,
      ],
      [
        'a brotli body',
        { method: 'POST', url: '/v1/tokens', headers: { ...json, 'content-encoding': 'br' }, payload: brotliCompressSync('{"name":"z"}'), as: h.admin },
        415,
      ],
      [
        'a coding on top of identity',
        { method: 'POST', url: '/v1/tokens', headers: { ...json, 'content-encoding': 'identity, gzip' }, payload: '{"name":"z"}', as: h.admin },
        415,
      ],
      [
        'a JSON null body where the body is optional',
        { method: 'POST', url: `/v1/tokens/${tokenId}/rotate`, headers: json, payload: 'null', as: h.admin },
        400,
      ],
      [
        'body over 100 kB',
        { method: 'POST', url: '/v1/tokens', headers: json, payload: JSON.stringify({ name: 'x', metadata: { a: 'x'.repeat(110_000) } }), as: h.admin },
        413,
      ],
      [
        'an import batch over 1 MB',
        {
          method: 'POST',
          url: '/v1/tokens/import',
          headers: json,
          payload: JSON.stringify({ keys: [{ key: 'k'.repeat(500), metadata: { a: 'x'.repeat(1_100_000) } }] }),
          as: h.admin,
        },
        413,
      ],
      ['an import batch of no keys', { method: 'POST', url: '/v1/tokens/import', payload: { keys: [] }, as: h.admin }, 400],
      ['an import key that is an object', { method: 'POST', url: '/v1/tokens/import', payload: { keys: [{ key: { a: 1 } }] }, as: h.admin }, 400],
      [
        'an import with a __proto__ key',
        { method: 'POST', url: '/v1/tokens/import', headers: json, payload: '{"keys":[{"key":"abcdefghij","__proto__":{"admin":true}}]}', as: h.admin },
        400,
      ],
      [
        'an import key with a control character',
        { method: 'POST', url: '/v1/tokens/import', payload: { keys: [{ key: 'abc\u0000defghij' }] }, as: h.admin },
        400,
      ],
      [
        'an import key hashed with another length',
        { method: 'POST', url: '/v1/tokens/import', payload: { keys: [{ hash: 'ab'.repeat(20) }] }, as: h.admin },
        400,
      ],
      [
        'an import with metadata nested too deep',
        {
          method: 'POST',
          url: '/v1/tokens/import',
          headers: json,
          payload: `{"keys":[{"key":"abcdefghij","metadata":${'{"a":'.repeat(100)}1${'}'.repeat(100)}}]}`,
          as: h.admin,
        },
        400,
      ],
      ['verify body over 100 kB', { method: 'POST', url: '/v1/verify', headers: json, payload: JSON.stringify({ token: 'x'.repeat(120_000) }) }, 413],
      ['__proto__ key', { method: 'POST', url: '/v1/tokens', headers: json, payload: '{"name":"p","__proto__":{"admin":true}}', as: h.admin }, 400],
      [
        'constructor.prototype',
        { method: 'POST', url: '/v1/tokens', headers: json, payload: '{"name":"p","constructor":{"prototype":{"x":1}}}', as: h.admin },
        400,
      ],
      [
        'deep nesting',
        { method: 'POST', url: '/v1/tokens', headers: json, payload: `{"name":"d","metadata":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`, as: h.admin },
        400,
      ],
      ['number as name', { method: 'POST', url: '/v1/tokens', payload: { name: 12 }, as: h.admin }, 400],
      ['negative expiry', { method: 'POST', url: '/v1/tokens', payload: { name: 'n', expiresAt: -1 }, as: h.admin }, 400],
      ['huge expiry', { method: 'POST', url: '/v1/tokens', payload: { name: 'n', expiresAt: 1e300 }, as: h.admin }, 400],
      ['fractional expiry', { method: 'POST', url: '/v1/tokens', payload: { name: 'n', expiresAt: 1.5e12 + 0.5 }, as: h.admin }, 400],
      ['scopes not an array', { method: 'POST', url: '/v1/tokens', payload: { name: 'n', scopes: { a: 1 } }, as: h.admin }, 400],
      ['101 scopes', { method: 'POST', url: '/v1/tokens', payload: { name: 'n', scopes: Array.from({ length: 101 }, (_, i) => `s${i}`) }, as: h.admin }, 400],
      ['team that does not exist', { method: 'POST', url: '/v1/tokens', payload: { name: 'n', teamId: 'team_nope' }, as: h.admin }, 403],
      ['owner that does not exist', { method: 'POST', url: '/v1/tokens', payload: { name: 'n', ownerUserId: 'usr_nope' }, as: h.admin }, 404],
      ['limit zero', { method: 'GET', url: '/v1/tokens?limit=0', as: h.admin }, 400],
      ['limit too large', { method: 'GET', url: '/v1/tokens?limit=100000', as: h.admin }, 400],
      ['limit not a number', { method: 'GET', url: '/v1/tokens?limit=1;DROP TABLE tokens', as: h.admin }, 400],
      ['unknown status', { method: 'GET', url: '/v1/tokens?status=zombie', as: h.admin }, 400],
      ['SQL in an id', { method: 'GET', url: `/v1/tokens/${encodeURIComponent("x' OR '1'='1")}`, as: h.admin }, 404],
      ['id too long', { method: 'GET', url: `/v1/tokens/${'a'.repeat(500)}`, as: h.admin }, 400],
      ['path traversal', { method: 'GET', url: '/v1/tokens/..%2F..%2Fetc%2Fpasswd', as: h.admin }, 404],
      ['patch with unknown field', { method: 'PATCH', url: `/v1/tokens/${tokenId}`, payload: { revokedAt: 1 }, as: h.admin }, 400],
      ['patch name to null', { method: 'PATCH', url: `/v1/tokens/${tokenId}`, payload: { name: null }, as: h.admin }, 400],
      ['rotate with negative grace', { method: 'POST', url: `/v1/tokens/${tokenId}/rotate`, payload: { gracePeriodMs: -5 }, as: h.admin }, 400],
      [
        'rotate with grace over 30 days',
        { method: 'POST', url: `/v1/tokens/${tokenId}/rotate`, payload: { gracePeriodMs: 31 * 86_400_000 }, as: h.admin },
        400,
      ],
      ['webhook with no events', { method: 'POST', url: '/v1/webhooks', payload: { url: 'https://hooks.example.com/', events: [] }, as: h.admin }, 400],
      [
        'webhook with an unknown event',
        { method: 'POST', url: '/v1/webhooks', payload: { url: 'https://hooks.example.com/', events: ['token.exploded'] }, as: h.admin },
        400,
      ],
      [
        'webhook URL not a string',
        { method: 'POST', url: '/v1/webhooks', payload: { url: { href: 'https://x.example/' }, events: ['token.created'] }, as: h.admin },
        400,
      ],
      [
        'webhook URL too long',
        { method: 'POST', url: '/v1/webhooks', payload: { url: `https://x.example/${'a'.repeat(3000)}`, events: ['token.created'] }, as: h.admin },
        400,
      ],
      [
        'webhook URL to the metadata service',
        { method: 'POST', url: '/v1/webhooks', payload: { url: 'http://169.254.169.254/', events: ['token.created'] }, as: h.admin },
        400,
      ],
      [
        'webhook URL with javascript:',
        { method: 'POST', url: '/v1/webhooks', payload: { url: 'javascript:alert(1)', events: ['token.created'] }, as: h.admin },
        400,
      ],
      [
        'webhook with an unknown field',
        { method: 'POST', url: '/v1/webhooks', payload: { url: 'https://x.example/', events: ['token.created'], secret: 'whsec_x' }, as: h.admin },
        400,
      ],
      [
        'webhook with a negative low threshold',
        { method: 'POST', url: '/v1/webhooks', payload: { url: 'https://x.example/', events: ['token.created'], creditsLowThreshold: '-1x' }, as: h.admin },
        400,
      ],
      [
        'webhook expiringDays of 0',
        { method: 'POST', url: '/v1/webhooks', payload: { url: 'https://x.example/', events: ['token.created'], expiringDays: 0 }, as: h.admin },
        400,
      ],
      [
        'webhook for a team that does not exist',
        { method: 'POST', url: '/v1/webhooks', payload: { url: 'https://x.example/', events: ['token.created'], teamId: 'team_nope' }, as: h.admin },
        403,
      ],
      ['empty webhook patch', { method: 'PATCH', url: '/v1/webhooks/whk_nope', payload: {}, as: h.admin }, 400],
      ['webhook patch of status', { method: 'PATCH', url: '/v1/webhooks/whk_nope', payload: { status: 'active' }, as: h.admin }, 400],
      ['SQL in a webhook id', { method: 'GET', url: `/v1/webhooks/${encodeURIComponent("x' OR '1'='1")}`, as: h.admin }, 404],
      ['webhook id too long', { method: 'GET', url: `/v1/webhooks/${'a'.repeat(500)}/deliveries`, as: h.admin }, 400],
      [
        'NUL in a webhook URL',
        { method: 'POST', url: '/v1/webhooks', headers: json, payload: '{"url":"https://x.example/\\u0000","events":["token.created"]}', as: h.admin },
        400,
      ],
      ['webhook deliveries limit too large', { method: 'GET', url: '/v1/webhooks/whk_x/deliveries?limit=100000', as: h.admin }, 400],
      ['unknown method on a route', { method: 'PUT', url: `/v1/tokens/${tokenId}`, payload: { name: 'x' }, as: h.admin }, 404],
      ['credential with control characters', { method: 'GET', url: '/v1/tokens', headers: { authorization: 'Bearer tsr_\u0001\u0002' } }, 401],
      ['huge credential', { method: 'GET', url: '/v1/tokens', headers: { authorization: `Bearer ${'a'.repeat(8000)}` } }, 401],
      ['empty bearer', { method: 'GET', url: '/v1/tokens', headers: { authorization: 'Bearer ' } }, 401],
      ['user with unknown role', { method: 'POST', url: '/v1/users', payload: { name: 'x', role: 'root' }, as: h.admin }, 400],
      ['team slug with slash', { method: 'POST', url: '/v1/teams', payload: { slug: 'a/b' }, as: h.admin }, 400],
      ['member with unknown role', { method: 'POST', url: '/v1/teams/whatever/members', payload: { userId: 'usr_x', role: 'god' }, as: h.admin }, 400],
      ['audit with unknown action', { method: 'GET', url: '/v1/audit?action=token.explode', as: h.admin }, 400],
      ['NUL in a name', { method: 'POST', url: '/v1/tokens', headers: json, payload: '{"name":"a\\u0000b"}', as: h.admin }, 400],
      ['NUL in metadata', { method: 'POST', url: '/v1/tokens', headers: json, payload: '{"name":"a","metadata":{"k\\u0000":"v"}}', as: h.admin }, 400],
      ['NUL in a path id', { method: 'GET', url: '/v1/tokens/tok_%00', as: h.admin }, 400],
      ['NUL in a cursor', { method: 'GET', url: '/v1/tokens?cursor=%00', as: h.admin }, 400],
      ['NUL in a team slug query', { method: 'GET', url: '/v1/tokens?slug=a%00', as: h.admin }, 400],
      ['NUL in a token name search', { method: 'GET', url: '/v1/tokens?q=de%00', as: h.admin }, 400],
      ['token name search too long', { method: 'GET', url: `/v1/tokens?q=${'a'.repeat(201)}`, as: h.admin }, 400],
      ['NUL in an owner filter', { method: 'GET', url: '/v1/tokens?ownerUserId=usr%00', as: h.admin }, 400],
      ['a lone high surrogate in a name', { method: 'POST', url: '/v1/tokens', headers: json, payload: '{"name":"a\\ud800"}', as: h.admin }, 400],
      [
        'a lone low surrogate in a metadata key',
        { method: 'POST', url: '/v1/tokens', headers: json, payload: '{"name":"a","metadata":{"\\uDC00":1}}', as: h.admin },
        400,
      ],
      ['surrogates the wrong way round', { method: 'POST', url: '/v1/tokens', headers: json, payload: '{"name":"\\ude00\\ud83d"}', as: h.admin }, 400],
      [
        'a lone surrogate deep in metadata',
        { method: 'POST', url: '/v1/tokens', headers: json, payload: '{"name":"a","metadata":{"k":[[{"v":"\\udbff"}]]}}', as: h.admin },
        400,
      ],
      ['a lone surrogate to verify', { method: 'POST', url: '/v1/verify', headers: json, payload: '{"token":"tsr_\\ud800"}' }, 400],
      ['batch of objects without token', { method: 'POST', url: '/v1/verify/batch', payload: { tokens: [{ scopes: ['x'] }] } }, 400],
      ['a snapshot page of 0', { method: 'GET', url: '/v1/verifier/snapshot?limit=0', as: h.admin }, 400],
      ['a snapshot page past 1,000', { method: 'GET', url: '/v1/verifier/snapshot?limit=1001', as: h.admin }, 400],
      ['a snapshot cursor past 64 characters', { method: 'GET', url: `/v1/verifier/snapshot?cursor=${'x'.repeat(65)}`, as: h.admin }, 400],
      ['a stream resumed after a negative change', { method: 'GET', url: '/v1/verifier/changes?after=-1', as: h.admin }, 400],
      ['a stream resumed after no number', { method: 'GET', url: '/v1/verifier/changes?after=abc', as: h.admin }, 400],
      ['a Last-Event-ID that is no number', { method: 'GET', url: '/v1/verifier/changes', headers: { 'last-event-id': '1e3' }, as: h.admin }, 400],
      ['a Last-Event-ID of 16 digits', { method: 'GET', url: '/v1/verifier/changes', headers: { 'last-event-id': '1'.repeat(16) }, as: h.admin }, 400],
      ['an analytics window that ends before it starts', { method: 'GET', url: '/v1/analytics/verifications?from=2000&to=1000', as: h.admin }, 400],
      ['an empty analytics window', { method: 'GET', url: '/v1/analytics/verifications?from=1000&to=1000', as: h.admin }, 400],
      [
        'an analytics window of more than 10,000 buckets',
        { method: 'GET', url: `/v1/analytics/verifications?from=0&to=${20_000 * 60_000}&granularity=minute`, as: h.admin },
        400,
      ],
      ['analytics grouped by something unknown', { method: 'GET', url: '/v1/analytics/verifications?groupBy=ip', as: h.admin }, 400],
      ['an unknown analytics granularity', { method: 'GET', url: '/v1/analytics/verifications?granularity=second', as: h.admin }, 400],
      ['an unknown outcome filter', { method: 'GET', url: '/v1/analytics/verifications?outcome=valid', as: h.admin }, 400],
      ['an analytics window past the year 2286', { method: 'GET', url: '/v1/analytics/verifications?to=1e16', as: h.admin }, 400],
      ['NUL in an analytics tag', { method: 'GET', url: '/v1/analytics/verifications?tag=a%00', as: h.admin }, 400],
      [
        '11 tags on a verification',
        { method: 'POST', url: '/v1/verify', payload: { token: 'tsk_x', tags: Array.from({ length: 11 }, (_, i) => `t${i}`) } },
        400,
      ],
      ['a tag with a space', { method: 'POST', url: '/v1/verify', payload: { token: 'tsk_x', tags: ['plan pro'] } }, 400],
      ['a tag of 65 characters', { method: 'POST', url: '/v1/verify', payload: { token: 'tsk_x', tags: ['t'.repeat(65)] } }, 400],
      ['a batch item with a bad tag', { method: 'POST', url: '/v1/verify/batch', payload: { tokens: [{ token: 'tsk_x', tags: ['<script>'] }] } }, 400],
      ['a policy that is not JSON', { method: 'PUT', url: '/v1/policies', headers: json, payload: '{"maxLifetime":', as: h.admin }, 400],
      ['a policy with an unknown rule', { method: 'PUT', url: '/v1/policies', payload: { maxAge: 3 }, as: h.admin }, 400],
      ['a lifetime of 0 days', { method: 'PUT', url: '/v1/policies', payload: { maxLifetime: { api: 0 } }, as: h.admin }, 400],
      ['a lifetime of 1e300 days', { method: 'PUT', url: '/v1/policies', payload: { maxLifetime: { api: 1e300 } }, as: h.admin }, 400],
      ['a lifetime of half a day', { method: 'PUT', url: '/v1/policies', payload: { maxLifetime: { api: 0.5 } }, as: h.admin }, 400],
      ['a lifetime as text', { method: 'PUT', url: '/v1/policies', payload: { maxLifetime: { api: '90' } }, as: h.admin }, 400],
      ['a lifetime for an unknown type', { method: 'PUT', url: '/v1/policies', payload: { maxLifetime: { root: 9 } }, as: h.admin }, 400],
      ['__proto__ in a lifetime', { method: 'PUT', url: '/v1/policies', headers: json, payload: '{"maxLifetime":{"__proto__":{"api":1}}}', as: h.admin }, 400],
      ['an expiry required twice of one type', { method: 'PUT', url: '/v1/policies', payload: { expiryRequired: ['api', 'api'] }, as: h.admin }, 400],
      ['a negative inactivity', { method: 'PUT', url: '/v1/policies', payload: { inactivityDays: -30 }, as: h.admin }, 400],
      [
        'a warning as long as the inactivity',
        { method: 'PUT', url: '/v1/policies', payload: { inactivityDays: 3, inactivityWarningDays: 3 }, as: h.admin },
        400,
      ],
      [
        '201 allowed scopes',
        { method: 'PUT', url: '/v1/policies', payload: { allowedScopes: Array.from({ length: 201 }, (_, i) => `s${i}`) }, as: h.admin },
        400,
      ],
      ['NUL in an allowed scope', { method: 'PUT', url: '/v1/policies', headers: json, payload: '{"allowedScopes":["a\\u0000"]}', as: h.admin }, 400],
      ['allowed scopes as a string', { method: 'PUT', url: '/v1/policies', payload: { allowedScopes: '*' }, as: h.admin }, 400],
      ['a team policy of a team that does not exist', { method: 'PUT', url: '/v1/teams/team_nope/policies', payload: {}, as: h.admin }, 403],
      ['a team policy with a NUL in the team', { method: 'GET', url: '/v1/teams/a%00/policies', as: h.admin }, 400],
      // Suspension and offboarding (issue 22).
      ['a suspension reason too long', { method: 'POST', url: `/v1/tokens/${tokenId}/disable`, payload: { reason: 'r'.repeat(501) }, as: h.admin }, 400],
      ['a suspension reason that is no string', { method: 'POST', url: `/v1/tokens/${tokenId}/disable`, payload: { reason: { $gt: '' } }, as: h.admin }, 400],
      ['a suspension with an unknown field', { method: 'POST', url: `/v1/tokens/${tokenId}/disable`, payload: { disabledAt: 0 }, as: h.admin }, 400],
      ['a suspension body that is an array', { method: 'POST', url: `/v1/tokens/${tokenId}/disable`, headers: json, payload: '[]', as: h.admin }, 400],
      ['NUL in a reason', { method: 'POST', url: `/v1/tokens/${tokenId}/disable`, headers: json, payload: '{"reason":"a\\u0000"}', as: h.admin }, 400],
      ['disabling an unknown user', { method: 'POST', url: '/v1/users/usr_%00/disable', as: h.admin }, 400],
      ['deleting a user id past 64 characters', { method: 'DELETE', url: `/v1/users/${'u'.repeat(65)}`, as: h.admin }, 400],
      ['a user named as the admin but for case', { method: 'POST', url: '/v1/users', payload: { name: 'ADMIN' }, as: h.admin }, 409],
      ['a user name of full-width letters folding to admin', { method: 'POST', url: '/v1/users', payload: { name: 'ａｄｍｉｎ' }, as: h.admin }, 409],
      ['a member role that is unknown', { method: 'PATCH', url: '/v1/teams/whatever/members/usr_x', payload: { role: 'god' }, as: h.admin }, 400],
      ['a member change without a role', { method: 'PATCH', url: '/v1/teams/whatever/members/usr_x', payload: {}, as: h.admin }, 400],
      [
        'a member change with another field',
        { method: 'PATCH', url: '/v1/teams/whatever/members/usr_x', payload: { role: 'owner', teamId: 'x' }, as: h.admin },
        400,
      ],
      ['NUL in a member id', { method: 'DELETE', url: '/v1/teams/whatever/members/usr_%00', as: h.admin }, 400],
      ['every token, asked with no boolean', { method: 'GET', url: '/v1/tokens?all=maybe', as: h.admin }, 400],
      ['a forward-auth tag with a newline', { method: 'GET', url: '/v1/forward-auth?tag=a%0Ab', headers: { authorization: 'Bearer tsk_x' } }, 400],
      ...leakCases(),
    ];

    /** Leak intake: GitHub's bodies are signed as sent (a bad body with a good signature is still refused), GitLab's carry its token. */
    const leakCases = (): Array<[string, InjectOptions & { as?: string }, number]> => {
      const signed = (payload: string | Buffer, headers: Record<string, string> = {}): InjectOptions => ({
        method: 'POST',
        url: '/v1/leaks/github',
        payload,
        headers: { ...github.sign(payload), ...headers },
      });
      const gitlab = (payload: string, headers: Record<string, string> = json): InjectOptions => ({
        method: 'POST',
        url: '/v1/leaks/gitlab/revoke_tokens',
        payload,
        headers: { authorization: GITLAB_TOKEN, ...headers },
      });
      const report = (payload: string, headers: Record<string, string> = json): InjectOptions => ({
        method: 'POST',
        url: '/v1/leaks/report',
        payload,
        headers,
      });
      const item = (token: string) => ({ token, type: 'tessera_api_key', url: 'https://github.com/x', source: 'content' });
      return [
        ['a GitHub report that is not JSON, signed', signed('[{"token":'), 400],
        ['a GitHub report with __proto__, signed', signed('[{"token":"a","type":"t","__proto__":{"admin":true}}]'), 400],
        ['a GitHub report with NUL, signed', signed('[{"token":"tsk_\\u0000","type":"t"}]'), 400],
        ['a GitHub report with a lone surrogate, signed', signed('[{"token":"tsk_\\ud800","type":"t"}]'), 400],
        ['a GitHub report of 1,001 findings, signed', signed(JSON.stringify(Array.from({ length: 1001 }, () => item('tsk_x')))), 400],
        ['a GitHub report that is an object, signed', signed(JSON.stringify(item('tsk_x'))), 400],
        ['a gzip GitHub report, signed', signed(gzipSync(JSON.stringify([item('tsk_x')])), { 'content-encoding': 'gzip' }), 415],
        ['a GitHub report as text/plain, signed', signed(JSON.stringify([item('tsk_x')]), { 'content-type': 'text/plain' }), 415],
        ['a GitHub report over 100 kB, signed', signed(JSON.stringify([item('x'.repeat(1000)), { ...item('tsk_x'), url: 'x'.repeat(110_000) }])), 413],
        ['a GitHub report signed for another body', { ...signed('[]'), payload: JSON.stringify([item('tsk_x')]) }, 401],
        ['a GitHub report with a signature of 2,000 characters', signed('[]', { 'github-public-key-signature': 'A'.repeat(2000) }), 401],
        ['a GitLab list that is not JSON', gitlab('[{"type":'), 400],
        ['a GitLab finding with NUL', gitlab(`[{"type":"${GITLAB_TOKEN_TYPES[0]}","token":"a\\u0000"}]`), 400],
        ['a GitLab finding of an unknown type', gitlab('[{"type":"gitleaks_rule_id_aws","token":"x"}]'), 400],
        ['a GitLab list as a form', gitlab('type=x', { 'content-type': 'application/x-www-form-urlencoded' }), 415],
        ['a GitLab list without its token, not even JSON', { ...gitlab('[{"type":'), headers: json }, 401],
        ['a report that is not JSON', report('{"token":'), 400],
        ['a report with a javascript: URL', report(JSON.stringify({ token: 'tsk_x', url: 'javascript:alert(1)' })), 400],
        ['a report with a note over 2,000 characters', report(JSON.stringify({ token: 'tsk_x', note: 'n'.repeat(2001) })), 400],
        ['a report with NUL in the note', report('{"token":"tsk_x","note":"a\\u0000"}'), 400],
        ['a report with an unknown field', report(JSON.stringify({ token: 'tsk_x', admin: true })), 400],
        ['a report as a form', report('token=tsk_x', { 'content-type': 'application/x-www-form-urlencoded' }), 415],
        ['a leak policy with an unknown action', { method: 'PUT', url: '/v1/leak-policy', payload: { action: 'explode' }, as: h.admin }, 400],
        ['a leak policy grace as text', { method: 'PUT', url: '/v1/leak-policy', payload: { action: 'rotate', gracePeriodMs: '1000' }, as: h.admin }, 400],
        ['a leak policy with an unknown field', { method: 'PUT', url: '/v1/leak-policy', payload: { action: 'revoke', who: 'me' }, as: h.admin }, 400],
        ['a rotate leak policy without its grace', { method: 'PUT', url: '/v1/leak-policy', payload: { action: 'rotate' }, as: h.admin }, 400],
        [
          'a team leak policy of a team id too long',
          { method: 'PUT', url: `/v1/teams/${'t'.repeat(65)}/leak-policy`, payload: { action: 'revoke' }, as: h.admin },
          400,
        ],
        ['a team leak policy cleared of a team id too long', { method: 'DELETE', url: `/v1/teams/${'t'.repeat(65)}/leak-policy`, as: h.admin }, 400],
      ];
    };

    it('answers each with the expected 4xx, in the native error shape, and changes nothing', async () => {
      const before = await storeSnapshot(h);
      for (const [what, options, status] of cases()) {
        const res = await h.request(options);
        assert.equal(res.statusCode, status, `${what}: ${res.body.slice(0, 200)}`);
        const body = res.json();
        assert.equal(typeof body.error.code, 'string', what);
        assert.equal(body.error.requestId, res.headers['x-request-id'], what);
      }
      assert.equal(await storeSnapshot(h), before);
      assert.equal(({} as Record<string, unknown>).admin, undefined, 'no prototype was polluted');
    });

    it('keeps text with a surrogate pair (an emoji escaped in JSON) as it was sent', async () => {
      const res = await h.request({
        method: 'POST',
        url: '/v1/tokens',
        headers: json,
        payload: '{"name":"\\ud83d\\ude00","metadata":{"\\ud83d\\ude00":"\\uD83D\\uDE00"}}',
        as: h.admin,
      });
      assert.equal(res.statusCode, 201, res.body);
      const read = (await h.request({ method: 'GET', url: `/v1/tokens/${res.json().token.id}`, as: h.admin })).json().token;
      assert.deepEqual([read.name, read.metadata], ['😀', { '😀': '😀' }]);
    });

    it('takes JSON in UTF-8 however the type is spelled, the identity coding, and an optional body left out', async () => {
      const typed: Array<Record<string, string>> = [
        { 'content-type': 'APPLICATION/JSON; CHARSET="UTF-8"' },
        { 'content-type': 'application/json;charset=utf-8' },
        { 'content-type': 'application/json', 'content-encoding': 'identity' },
      ];
      for (const headers of typed) {
        const res = await h.request({ method: 'POST', url: '/v1/tokens', headers, payload: '{"name":"typed"}', as: h.admin });
        assert.equal(res.statusCode, 201, JSON.stringify(headers));
      }
      const fresh = async () => (await h.request({ method: 'POST', url: '/v1/tokens', payload: { name: 'rotated' }, as: h.admin })).json().token.id as string;
      const bodies: Array<Pick<InjectOptions, 'headers' | 'payload'>> = [{}, { headers: json, payload: '' }, { headers: json, payload: '{}' }];
      for (const body of bodies) {
        const res = await h.request({ method: 'POST', url: `/v1/tokens/${await fresh()}/rotate`, as: h.admin, ...body });
        assert.equal(res.statusCode, 201, JSON.stringify(body));
      }
    });

    it('answers unknown routes with 404 NOT_FOUND and a request id', async () => {
      const res = await h.request({ method: 'GET', url: '/v2/whatever' });
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().error.code, 'NOT_FOUND');
      assert.match(String(res.headers['x-request-id']), /^req_/);
    });

    it('serves OpenAPI 3.1 describing every native route, and the docs page', async () => {
      const spec = (await h.request({ method: 'GET', url: '/openapi.json' })).json();
      assert.equal(spec.openapi, '3.1.0');
      for (const path of ['/v1/tokens', '/v1/tokens/{id}', '/v1/tokens/{id}/rotate', '/v1/verify', '/v1/verify/batch', '/v1/audit', '/v1/teams/{id}/members']) {
        assert.ok(spec.paths[path], path);
      }
      assert.ok(spec.paths['/v1/tokens'].post.requestBody.content['application/json'].schema.properties.name);
      assert.deepEqual(spec.paths['/v1/verify'].post.security, [], 'verify needs no credential');
      assert.deepEqual(spec.paths['/v1/tokens'].post.security, [{ bearer: ['tokens:write'] }], 'a management route names the scope it needs');
      assert.deepEqual(spec.paths['/v1/tokens'].get.security, [{ bearer: ['tokens:read'] }]);
      const docs = await h.request({ method: 'GET', url: '/docs' });
      assert.equal(docs.statusCode, 200);
      assert.match(docs.body, /swagger-ui/i);
    });
  },
  { leaks: { githubKeys: github.keys(), gitlabToken: GITLAB_TOKEN, reportsPerMinute: 0 } },
);
