import { randomBytes } from 'node:crypto';
import type { AuditEvent } from '../../src/core/audit.js';
import { newId } from '../../src/core/ids.js';
import { issueToken, tokenFields, type TokenFields } from '../../src/core/issue-token.js';
import type { TokenRecord } from '../../src/core/token.js';

export const T0 = Date.UTC(2026, 10, 22, 12);

/** A stored-token record with plausible defaults; the secret is returned for lookups. */
export function makeToken(overrides: Partial<TokenRecord> = {}, fields: Partial<TokenFields> = {}): { token: TokenRecord; secret: string } {
  const issued = issueToken(
    tokenFields({ name: 'fixture', type: 'api', origin: 'api', ownerUserId: 'usr_owner', ...fields }),
    overrides.createdAt ?? T0,
    randomBytes,
  );
  return { token: { ...issued.token, ...overrides }, secret: issued.secret };
}

export function makeEvent(overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id: newId('evt', overrides.at ?? T0, randomBytes),
    at: T0,
    action: 'token.create',
    actorUserId: 'usr_actor',
    actorTokenId: 'tok_actor',
    targetType: 'token',
    targetId: 'tok_target',
    teamId: null,
    subjectUserId: 'usr_subject',
    ip: '127.0.0.1',
    requestId: 'req_1',
    details: {},
    ...overrides,
  };
}
