import type { TokenRecord } from '../../src/core/token.js';
import { toRow } from '../../src/store/sql/sql-token-store.js';

/** A token's row as the tokens table held it before suspension (migration 2026-12-05T1800): tests of older migrations insert these. */
export function rowBeforeSuspension(token: TokenRecord) {
  const { disabled_at: _disabled, owner_disabled_at: _ownerDisabled, ...row } = toRow(token);
  return row;
}
