import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isExpired, isRevoked, tokenStatus, type TokenRecord } from './token.js';
import { decideVerify } from './verify.js';

const NOW = 1_000_000;

function token(overrides: Partial<TokenRecord> = {}): TokenRecord {
  return {
    id: 'tok_1',
    digest: Buffer.alloc(32),
    name: 't',
    type: 'api',
    origin: 'api',
    prefix: 'tsk',
    suffix: 'abcd',
    scopes: [],
    resource: null,
    environment: null,
    projects: [],
    ownerUserId: 'usr_1',
    teamId: null,
    metadata: {},
    ipAllowlist: [],
    expiresAt: null,
    createdAt: 0,
    updatedAt: 0,
    activeAt: null,
    useCount: 0,
    revokedAt: null,
    leakedAt: null,
    leakedUrl: null,
    disabledAt: null,
    ownerDisabledAt: null,
    parentId: null,
    rotatedFromId: null,
    credits: null,
    creditsActive: false,
    creditPool: null,
    refill: null,
    lastRefillAt: null,
    rateLimits: [],
    ...overrides,
  };
}

describe('token status at the boundaries', () => {
  it('is revoked from revokedAt on; a leak mark alone does not revoke (the leak policy does)', () => {
    assert.equal(isRevoked(token({ revokedAt: NOW }), NOW), true);
    assert.equal(isRevoked(token({ revokedAt: NOW + 1 }), NOW), false);
    assert.equal(isRevoked(token({ leakedAt: NOW - 50 }), NOW), false);
  });

  it('is expired from expiresAt on', () => {
    assert.equal(isExpired(token({ expiresAt: NOW }), NOW), true);
    assert.equal(isExpired(token({ expiresAt: NOW + 1 }), NOW), false);
    assert.equal(isExpired(token(), NOW), false);
  });

  it('reports revoked over expired', () => {
    assert.equal(tokenStatus(token({ revokedAt: 1, expiresAt: 1 }), NOW), 'revoked');
    assert.equal(tokenStatus(token({ expiresAt: 1 }), NOW), 'expired');
    assert.equal(tokenStatus(token(), NOW), 'active');
  });
});

describe('decideVerify', () => {
  it('follows the documented order of checks', () => {
    assert.deepEqual(decideVerify(undefined, {}, NOW), { valid: false, code: 'NOT_FOUND' });
    const everythingWrong = token({ revokedAt: 1, expiresAt: 1, scopes: [], ipAllowlist: ['10.0.0.0/8'] });
    assert.equal(decideVerify(everythingWrong, { scopes: ['x'], ip: '1.1.1.1' }, NOW).code, 'REVOKED');
    assert.equal(decideVerify({ ...everythingWrong, revokedAt: null }, { scopes: ['x'], ip: '1.1.1.1' }, NOW).code, 'EXPIRED');
    assert.equal(
      decideVerify({ ...everythingWrong, revokedAt: null, expiresAt: null }, { scopes: ['x'], ip: '1.1.1.1' }, NOW).code,
      'INSUFFICIENT_PERMISSIONS',
    );
    assert.equal(decideVerify({ ...everythingWrong, revokedAt: null, expiresAt: null }, { ip: '1.1.1.1' }, NOW).code, 'FORBIDDEN');
    assert.deepEqual(decideVerify(token(), {}, NOW), { valid: true, code: 'VALID' });
  });

  it('checks resource, environment, project and scopes only when asked', () => {
    const t = token({ resource: { kind: 'edge-config', id: 'e1' }, environment: 'prod', projects: ['web'], scopes: ['docs:*'] });
    const code = (required: Parameters<typeof decideVerify>[1]) => decideVerify(t, required, NOW).code;
    assert.equal(code({}), 'VALID');
    assert.equal(code({ resource: { kind: 'edge-config', id: 'e1' } }), 'VALID');
    assert.equal(code({ resource: { kind: 'edge-config', id: 'e2' } }), 'INSUFFICIENT_PERMISSIONS');
    assert.equal(code({ resource: { kind: 'bucket', id: 'e1' } }), 'INSUFFICIENT_PERMISSIONS');
    assert.equal(code({ environment: 'dev' }), 'INSUFFICIENT_PERMISSIONS');
    assert.equal(code({ project: 'api' }), 'INSUFFICIENT_PERMISSIONS');
    assert.equal(code({ scopes: ['docs:read'], project: 'web', environment: 'prod' }), 'VALID');
    assert.equal(decideVerify(token(), { resource: { kind: 'edge-config', id: 'e1' } }, NOW).code, 'INSUFFICIENT_PERMISSIONS');
  });

  it('treats no environment, no projects or a * project as unrestricted', () => {
    assert.equal(decideVerify(token(), { environment: 'any', project: 'any' }, NOW).code, 'VALID');
    assert.equal(decideVerify(token({ projects: ['*'] }), { project: 'any' }, NOW).code, 'VALID');
  });

  it('refuses an allowlisted token when the ip is missing or outside', () => {
    const t = token({ ipAllowlist: ['192.168.1.0/24'] });
    assert.equal(decideVerify(t, {}, NOW).code, 'FORBIDDEN');
    assert.equal(decideVerify(t, { ip: '192.168.2.1' }, NOW).code, 'FORBIDDEN');
    assert.equal(decideVerify(t, { ip: '192.168.1.77' }, NOW).code, 'VALID');
  });
});
