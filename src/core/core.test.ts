import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { digestSecret, digestsEqual } from './digest.js';
import { ERROR_CODES, httpStatusOf } from './errors.js';
import { newId } from './ids.js';
import { ipAllowed, parseCidr } from './ip-allowlist.js';
import { jsonDepthProblem } from './json-depth.js';
import { hasLoneSurrogate } from './lone-surrogate.js';
import { metadataProblem } from './metadata.js';
import { missingScopes, SCOPE_PATTERN, scopeCovers } from './scopes.js';
import { LATEST_TIME_MS, tokenInputProblem } from './token-input.js';

describe('digest', () => {
  it('is SHA-256 of the whole text', () => {
    const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    assert.equal(digestSecret('abc').toString('hex'), abc);
  });

  it('compares in constant time, refusing different lengths', () => {
    assert.equal(digestsEqual(digestSecret('a'), digestSecret('a')), true);
    assert.equal(digestsEqual(digestSecret('a'), digestSecret('b')), false);
    assert.equal(digestsEqual(digestSecret('a'), digestSecret('a').subarray(1)), false);
  });
});

describe('ids', () => {
  it('have the kind, 26 Crockford characters, and sort by time', () => {
    const early = newId('tok', Date.UTC(2026, 0, 1), randomBytes);
    const late = newId('tok', Date.UTC(2026, 0, 2), randomBytes);
    assert.match(early, /^tok_[0-9a-hjkmnp-tv-z]{26}$/);
    assert.ok(early < late);
  });

  it('strictly increase within one millisecond and when the clock steps back', () => {
    const t = Date.UTC(2030, 0, 1);
    const ids = [newId('evt', t, randomBytes), newId('evt', t, randomBytes), newId('evt', t - 5000, randomBytes), newId('evt', t, randomBytes)];
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(new Set(ids).size, 4);
  });
});

describe('scopes', () => {
  it('match exactly or by a trailing wildcard', () => {
    assert.equal(scopeCovers('docs:read', 'docs:read'), true);
    assert.equal(scopeCovers('docs:read', 'docs:write'), false);
    assert.equal(scopeCovers('*', 'anything:at:all'), true);
    assert.equal(scopeCovers('docs:*', 'docs:read'), true);
    assert.equal(scopeCovers('docs:*', 'doc:read'), false);
    assert.deepEqual(missingScopes(['docs:*', 'billing:read'], ['docs:write', 'billing:write', 'billing:read', 'x']), ['billing:write', 'x']);
    assert.deepEqual(missingScopes([], []), []);
  });

  it('accept only safe scope strings', () => {
    const pattern = new RegExp(SCOPE_PATTERN);
    for (const ok of ['*', 'docs:read', 'a.b/c-d_e', 'docs:*']) assert.equal(pattern.test(ok), true, ok);
    for (const bad of ['', 'has space', 'a*b', '**', 'ü', 'x'.repeat(129)]) assert.equal(pattern.test(bad), false, bad);
  });
});

describe('IP allowlists', () => {
  it('parse addresses and CIDR ranges', () => {
    assert.deepEqual(parseCidr('10.0.0.0/8'), { address: '10.0.0.0', prefix: 8, family: 'ipv4' });
    assert.deepEqual(parseCidr('2001:db8::1'), { address: '2001:db8::1', prefix: 128, family: 'ipv6' });
    for (const bad of ['10.0.0.0/33', '10.0.0.0/', '10.0.0/8', 'garbage', '::1/129', '1.2.3.4/8/9', '1.2.3.4/-1']) {
      assert.equal(parseCidr(bad), undefined, bad);
    }
  });

  it('match IPv4, IPv6 and IPv4-mapped addresses; unparseable entries never match', () => {
    const list = ['10.0.0.0/8', '2001:db8::/32', 'not a range'];
    assert.equal(ipAllowed(list, '10.255.0.1'), true);
    assert.equal(ipAllowed(list, '11.0.0.1'), false);
    assert.equal(ipAllowed(list, '2001:db8:1::5'), true);
    assert.equal(ipAllowed(list, '2001:db9::5'), false);
    assert.equal(ipAllowed(list, '::ffff:10.1.2.3'), true);
    assert.equal(ipAllowed(list, 'not an ip'), false);
    assert.equal(ipAllowed([], '10.0.0.1'), false);
  });
});

describe('lone surrogates', () => {
  it('are found in strings and keys at any depth; pairs, and text without surrogates, are not', () => {
    for (const value of ['\ud800', 'a\udfff', '\ude00\ud83d', '😀\ud83d', { '\udc00': 1 }, [[{ k: ['x', '\udbff'] }]]]) {
      assert.equal(hasLoneSurrogate(value), true, JSON.stringify(value));
    }
    for (const value of ['', 'plain', '😀', '\ud83d\ude00\ud83d\ude00', { '😀': ['é', 1, null, true] }, 12, null]) {
      assert.equal(hasLoneSurrogate(value), false, JSON.stringify(value));
    }
  });

  it('walks a value nested deeper than the stack would allow', () => {
    let deep: unknown = '\ud800';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    assert.equal(hasLoneSurrogate(deep), true);
  });
});

describe('JSON depth', () => {
  it('counts objects and arrays from the value itself, iteratively', () => {
    assert.equal(jsonDepthProblem('text', 0), undefined);
    assert.equal(jsonDepthProblem(null, 0), undefined);
    assert.equal(jsonDepthProblem({ a: 1, b: [] }, 2), undefined);
    assert.notEqual(jsonDepthProblem({ a: 1, b: [] }, 1), undefined);
    assert.notEqual(jsonDepthProblem([[[1]]], 2), undefined);
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    assert.notEqual(jsonDepthProblem(deep, 32), undefined);
  });
});

describe('metadata limits', () => {
  it('refuses nesting past 16 levels and more than 16 kB, without overflowing on hostile depth', () => {
    const nest = (depth: number): Record<string, unknown> => (depth === 1 ? { leaf: 1 } : { a: nest(depth - 1) });
    assert.equal(metadataProblem(nest(16)), undefined);
    assert.match(metadataProblem(nest(17))!, /nested deeper/);
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    assert.match(metadataProblem(deep)!, /nested deeper/);
    assert.match(metadataProblem({ blob: 'x'.repeat(16 * 1024) })!, /16 kB/);
    assert.equal(metadataProblem({ blob: 'x'.repeat(16 * 1024 - 20) }), undefined);
  });
});

describe('token input', () => {
  it('refuses an expiry that is not whole milliseconds from 0 to the end of year 9999', () => {
    // A clock before all of them, so only the bound can refuse them.
    const now = -10;
    for (const expiresAt of [Number.NaN, Number.POSITIVE_INFINITY, -1, 1.5, 1_000_000.5, LATEST_TIME_MS + 1, 2 ** 53, 1e300]) {
      assert.notEqual(tokenInputProblem({ expiresAt }, now), undefined, String(expiresAt));
    }
    for (const expiresAt of [0, 1, LATEST_TIME_MS, null, undefined]) assert.equal(tokenInputProblem({ expiresAt }, now), undefined, String(expiresAt));
  });
});

describe('error codes', () => {
  it('each maps to one HTTP status', () => {
    const expected: Record<string, number> = {
      VALIDATION_ERROR: 400, INVALID_JSON: 400, UNAUTHORIZED: 401, FORBIDDEN: 403, NOT_FOUND: 404, TOKEN_NOT_FOUND: 404,
      USER_NOT_FOUND: 404, EDGE_CONFIG_NOT_FOUND: 404, PLAN_LIMIT_REACHED: 402, CONFLICT: 409, IDEMPOTENCY_MISMATCH: 422, RATE_LIMITED: 429,
      BODY_TOO_LARGE: 413, UNSUPPORTED_MEDIA_TYPE: 415, INTERNAL_ERROR: 500,
    };
    assert.deepEqual(Object.fromEntries(ERROR_CODES.map((c) => [c, httpStatusOf(c)])), expected);
  });
});
