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

const viewsOfCachedTokens = new WeakMap<TokenRecord, ReturnType<typeof tokenView>>();

/**
 * tokenView for the verify path, built once per token record and status: a warm verification
 * is answered from the same cached record many times a second. Records are never changed in
 * place (a change reads a new one from the store), so the record itself is the key.
 */
export function cachedTokenView(token: TokenRecord, now: number): ReturnType<typeof tokenView> {
  const known = viewsOfCachedTokens.get(token);
  if (known && known.status === tokenStatus(token, now)) return known;
  const view = tokenView(token, now);
  viewsOfCachedTokens.set(token, view);
  return view;
}
