import { tokenStatus, type TokenRecord } from '../core/token.js';

/** A token as the API shows it: every field but the digest, plus its status now. */
export function tokenView(token: TokenRecord, now: number) {
  const { digest: _digest, ...fields } = token;
  return { ...fields, status: tokenStatus(token, now) };
}
