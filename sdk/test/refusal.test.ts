import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VERIFY_CODES } from '../../src/core/verify.js';
import { refusalFor, statusOf, type RefusalCode } from '../src/refusal.js';

const NOW = 1_700_000_000_000;
const options = { realm: 'api' };

describe('refusalFor', () => {
  it('answers every refusing code with a status and an RFC 9457 body', () => {
    const codes: RefusalCode[] = [...VERIFY_CODES.filter((c) => c !== 'VALID'), 'MISSING_KEY', 'VERIFIER_UNAVAILABLE'];
    const statuses = Object.fromEntries(codes.map((code) => [code, statusOf(code)]));
    assert.deepEqual(statuses, {
      NOT_FOUND: 401,
      REVOKED: 401,
      EXPIRED: 401,
      DISABLED: 401,
      INSUFFICIENT_PERMISSIONS: 403,
      FORBIDDEN: 403,
      RATE_LIMITED: 429,
      USAGE_EXCEEDED: 402,
      MISSING_KEY: 401,
      VERIFIER_UNAVAILABLE: 503,
    });
    for (const code of codes) {
      const { status, body } = refusalFor(code, { valid: false, code: 'NOT_FOUND' }, {}, options, NOW);
      assert.equal(body.status, status);
      assert.equal(body.code, code);
      assert.equal(body.type, 'about:blank');
      assert.ok(body.title && body.detail);
    }
  });

  it('turns resetAt into whole seconds from now, Retry-After at least one', () => {
    const answer = { valid: false, code: 'RATE_LIMITED' as const, rateLimit: { name: 'burst', limit: 10, remaining: 0, resetAt: NOW + 2_001 } };
    assert.deepEqual(refusalFor('RATE_LIMITED', answer, {}, options, NOW).headers, {
      'Retry-After': '3',
      'RateLimit-Limit': '10',
      'RateLimit-Remaining': '0',
      'RateLimit-Reset': '3',
    });
    const past = { ...answer, rateLimit: { ...answer.rateLimit, resetAt: NOW - 5 } };
    assert.equal(refusalFor('RATE_LIMITED', past, {}, options, NOW).headers['Retry-After'], '1');
    assert.equal(refusalFor('RATE_LIMITED', past, {}, options, NOW).headers['RateLimit-Reset'], '0');
  });

  it('names problem types under a configured base, with titles of their own, and quotes the realm', () => {
    const { headers, body } = refusalFor('EXPIRED', undefined, {}, { realm: 'my "api"', problemTypeBase: 'https://api.example.com/problems/' }, NOW);
    assert.equal(body.type, 'https://api.example.com/problems/expired');
    assert.equal(body.title, 'Expired API key');
    assert.match(headers['WWW-Authenticate']!, /^Bearer realm="my \\"api\\"", error="invalid_token"/);
  });

  it('names the required scopes in an insufficient_scope challenge, and only then', () => {
    const scoped = refusalFor('INSUFFICIENT_PERMISSIONS', undefined, { scopes: ['docs:read', 'docs:write'] }, options, NOW);
    assert.equal(scoped.headers['WWW-Authenticate'], 'Bearer realm="api", error="insufficient_scope", scope="docs:read docs:write"');
    const other = refusalFor('INSUFFICIENT_PERMISSIONS', undefined, { environment: 'live' }, options, NOW);
    assert.equal(other.headers['WWW-Authenticate'], 'Bearer realm="api", error="insufficient_scope"');
  });
});
