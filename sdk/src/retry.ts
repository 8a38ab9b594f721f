/** How a call is retried; every bound holds at once. */
export interface RetryOptions {
  /** Attempts in all, the first included; 1 turns retries off. Default 3. */
  maxAttempts?: number;
  /** The first backoff's ceiling; each retry doubles it. Default 200 ms. */
  baseDelayMs?: number;
  /** No wait between attempts is longer, whatever `Retry-After` asks. Default 10 s. */
  maxDelayMs?: number;
  /** No retry starts after this long since the call began. Default 30 s. */
  maxElapsedMs?: number;
}

export type RetryPolicy = Required<RetryOptions>;

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 10_000, maxElapsedMs: 30_000 };

export function retryPolicy(options: RetryOptions | false | undefined): RetryPolicy {
  if (options === false) return { ...DEFAULT_RETRY, maxAttempts: 1 };
  return { ...DEFAULT_RETRY, ...options };
}

/**
 * What became of one attempt: an answer with its status, or none — `refused` (the connection was
 * never made, so nothing was sent), `lost` (cut or failed after the request may have been sent),
 * `timeout` (no answer in time).
 */
export type AttemptOutcome = { status: number } | { failure: 'refused' | 'lost' | 'timeout' };

/**
 * Whether to try again after `outcome`. `repeatable`: the request acts at most once however often
 * it is sent — a read, a change that sets rather than adds, or a POST carrying an Idempotency-Key —
 * so an attempt whose answer was lost may be sent again. Anything else is retried only when it
 * surely never reached the server. `earlierLost`: an earlier attempt of this call was lost, so a
 * 409 may be that attempt, still running, holding the idempotency key.
 */
export function shouldRetry(outcome: AttemptOutcome, repeatable: boolean, earlierLost: boolean): boolean {
  if ('failure' in outcome) return outcome.failure === 'refused' || repeatable;
  if (outcome.status === 429 || outcome.status === 503) return repeatable;
  return outcome.status === 409 && repeatable && earlierLost;
}

/**
 * The wait before attempt `attempt + 1` (attempt counts from 1): "full jitter" exponential
 * backoff, a random wait up to `baseDelayMs · 2^(attempt−1)` (`random` in [0, 1)), so clients that
 * failed together do not come back together; never less than the server's `Retry-After`.
 * Undefined when the server asks for a longer wait than `maxDelayMs`: the caller hears now.
 */
export function retryDelayMs(attempt: number, policy: RetryPolicy, random: number, retryAfterMs?: number): number | undefined {
  if (retryAfterMs !== undefined && retryAfterMs > policy.maxDelayMs) return undefined;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.max(Math.floor(random * ceiling), retryAfterMs ?? 0);
}

/** `Retry-After` in ms: delay-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, nowMs: number): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP date names its day and month; Date.parse alone would read "-1" as a year.
  const date = /[A-Za-z]{3}/.test(text) ? Date.parse(text) : NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}
