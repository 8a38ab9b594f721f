import { formatCredits } from '../core/credits.js';
import { tokenStatus, type TokenRecord } from '../core/token.js';

/** A token as the API shows it: every field but the digest, amounts as decimal strings, plus its status now. */
export function tokenView(token: TokenRecord, now: number) {
  const { digest: _digest, credits, refill, ...fields } = token;
  return {
    ...fields,
    credits: credits === null ? null : formatCredits(credits),
    refill: refill && { ...refill, amount: formatCredits(refill.amount) },
    status: tokenStatus(token, now),
  };
}
