import { digestKeyOf, digestsEqual } from '../core/digest.js';
import { andThen, type MaybeAsync } from '../lib/maybe-async.js';
import { planCharge, type ChargePlan } from '../core/metering.js';
import { isForeignKeyText } from '../core/foreign-key.js';
import { parseSecret } from '../core/secret.js';
import type { TokenRecord } from '../core/token.js';
import { decideVerify, type VerifyCode, type Verdict, type Requirements } from '../core/verify.js';
import type { CreditStore } from '../store/credit-store.js';
import type { FailureGuard } from './failure-guard.js';
import type { RateLimiter } from './rate-limiter.js';
import type { TokenStore } from '../store/token-store.js';
import type { Runtime } from './runtime.js';
import type { TokenCache } from './token-cache.js';
import type { UsageRecorder } from './usage-recorder.js';
import type { AnalyticsRecorder } from './analytics-recorder.js';
import type { CreditWatch } from './credit-watch.js';

/** The tightest of a token's rate limits after this call, or the one that refused it. */
export interface RateLimitState {
  name: string;
  limit: number;
  remaining: number;
  resetAt: number;
  retryAfterMs: number;
}

export type Verification = Verdict & {
  token?: TokenRecord;
  /** The token came from the cache: it was read, and shown, before. */
  cached?: boolean;
  /** The balance left after this verification's charge (or when it was refused), for metered tokens. */
  remaining?: bigint;
  rateLimit?: RateLimitState;
  /** The token a refused verification was of (REVOKED, EXPIRED, …), which `token` leaves out of the answer: what analytics counts it under. */
  subject?: TokenRecord;
  /** The credits this verification spent (10⁻⁹ credits), for analytics. */
  spent?: bigint;
};

/** Where a presented secret came from: what the guessing guard counts (FailureGuard). */
export interface Presenter {
  /** The address of whoever sent the request. */
  caller: string;
  /** The end client's address when the caller names it (a verification's `ip`): guarded apart from the caller. */
  client?: string;
}

/** Where verification outcomes are counted (the metrics). */
export interface VerifyCounter {
  countVerify(code: VerifyCode): void;
}

export interface VerifyOptions extends Requirements {
  /** What this call costs in 10⁻⁹ credits; one credit when not given. Ignored for tokens without credits. */
  cost?: bigint;
  /** Which of the token's rate limits apply, each with its cost (default 1); all of them when not given. */
  rateLimits?: Array<{ name: string; cost?: number }>;
  /** What analytics may group this verification by (route, plan, …): at most 10 short strings. */
  tags?: readonly string[];
}

/** The verify pipeline: format and checksum, cache, store, pure decision, then the atomic charge. */
export class VerifyService {
  constructor(
    private readonly deps: {
      tokens: TokenStore;
      credits: CreditStore;
      rateLimiter: RateLimiter;
      cache: TokenCache;
      usage: UsageRecorder;
      guard: FailureGuard;
      counter: VerifyCounter;
      runtime: Runtime;
      /** Where outcomes are counted per token and minute; none when analytics is off. */
      analytics?: AnalyticsRecorder | undefined;
      /** Told of every charge and the balance it left (credits.low, credits.exhausted webhooks); never waited on. */
      creditWatch?: Pick<CreditWatch, 'charged'> | undefined;
      /** Whether keys imported from other systems exist (ForeignKeys): only then are texts in no tessera format looked up. */
      foreignKeys?: { readonly present: boolean } | undefined;
    },
  ) {}

  /**
   * A verification someone presented over the API: `verify` inside the guessing guard, its
   * outcome counted. An end client past its budget is refused at once (RATE_LIMITED, thrown);
   * an unknown token counts against the client and the caller, and past the caller's budget
   * its answer is held back (FailureGuard.slowDown).
   */
  verifyPresented(secret: string, options: VerifyOptions, from: Presenter): MaybeAsync<Verification> {
    this.#checkClient(from);
    return andThen(this.verify(secret, options), (result) => this.#counted([result], from, result, options.tags));
  }

  /**
   * `verifyPresented` without the charge: the checks and the token's rate limits, for a caller
   * that takes the credits its own way (a reservation holds them instead).
   */
  admitPresented(secret: string, options: VerifyOptions, from: Presenter): MaybeAsync<Verification> {
    this.#checkClient(from);
    const token = this.lookup(secret);
    const admitted = token instanceof Promise ? token.then((found) => this.#decide(found, options, false, false)) : this.#decide(token, options, true, false);
    return andThen(admitted, (result) => this.#counted([result], from, result, options.tags));
  }

  /**
   * `verifyPresented` for many tokens from one presenter: every one counted, and the answer held
   * back for each failure past the caller's budget, as that many verifications would be.
   */
  async verifyAllPresented(calls: ReadonlyArray<{ secret: string; options: VerifyOptions }>, from: Presenter): Promise<Verification[]> {
    this.#checkClient(from);
    const results = await Promise.all(calls.map((call) => this.verify(call.secret, call.options)));
    return this.#counted(results, from, results, undefined, calls);
  }

  /**
   * A token its own holder presents as a credential (an Edge Config reader): the whole
   * verification, charges and rate limits included, behind the guard for credentials.
   */
  async verifyCredential(secret: string, options: VerifyOptions, address: string): Promise<Verification> {
    this.deps.guard.check('credential', address, this.deps.runtime.now());
    const result = await this.verify(secret, options);
    this.deps.counter.countVerify(result.code);
    this.deps.analytics?.record(result.token ?? result.subject, result.code, result.spent, options.tags, this.deps.runtime.now());
    if (result.code === 'NOT_FOUND' && this.#looksUp(secret)) this.deps.guard.fail('credential', address, this.deps.runtime.now());
    return result;
  }

  /**
   * A secret presented to find a token by (an authenticated caller naming one of its tokens by
   * its secret): an unknown one counts as a failed credential of `address`.
   */
  async lookupPresented(secret: string, address: string): Promise<TokenRecord | undefined> {
    const now = this.deps.runtime.now();
    this.deps.guard.check('credential', address, now);
    const token = await this.lookup(secret);
    if (!token && this.#looksUp(secret)) this.deps.guard.fail('credential', address, now);
    return token;
  }

  #checkClient(from: Presenter): void {
    if (from.client !== undefined) this.deps.guard.check('client', [from.caller, from.client], this.deps.runtime.now());
  }

  /**
   * Every verification passes here (or through verifyCredential): its outcome counted for the
   * metrics and for analytics, under `tags`, or each call's own tags in a batch.
   */
  #counted<T>(
    results: readonly Verification[],
    from: Presenter,
    answer: T,
    tags: readonly string[] | undefined,
    calls?: ReadonlyArray<{ options: VerifyOptions }>,
  ): MaybeAsync<T> {
    const now = this.deps.runtime.now();
    const analytics = this.deps.analytics;
    let hold = 0;
    for (let i = 0; i < results.length; i++) {
      const result = results[i]!;
      const code = result.code;
      this.deps.counter.countVerify(code);
      analytics?.record(result.token ?? result.subject, code, result.spent, calls === undefined ? tags : calls[i]!.options.tags, now);
      if (code !== 'NOT_FOUND') continue;
      if (from.client !== undefined) this.deps.guard.fail('client', [from.caller, from.client], now);
      // Each failure past the budget waits its own share, in a batch too.
      hold += this.deps.guard.slowDown('caller', from.caller, now);
    }
    return hold > 0 ? this.deps.runtime.sleep(hold).then(() => answer) : answer;
  }

  /**
   * Whether `secret` is looked up at all: a tessera secret whose format and checksum hold, or, on
   * an installation holding imported keys, another system's key text (isForeignKeyText). A failed
   * lookup of either is a guess the guard counts; a text never looked up is not.
   */
  #looksUp(secret: string): boolean {
    return parseSecret(secret) !== undefined || (this.deps.foreignKeys?.present === true && isForeignKeyText(secret));
  }

  /**
   * The stored token a presented secret names, or undefined; mistyped and made-up secrets never
   * reach the store. Texts in no tessera format are looked up only where imported keys exist, by
   * the same cache (unknown ones kept too) and store. Answered at once (no promise) when the cache
   * knows the secret.
   */
  lookup(secret: string): MaybeAsync<TokenRecord | undefined> {
    // The checksum shortcut first: a tessera secret pays nothing more than before imports existed.
    if (!parseSecret(secret) && !(this.deps.foreignKeys?.present === true && isForeignKeyText(secret))) return undefined;
    const key = digestKeyOf(secret);
    const now = this.deps.runtime.now();
    const cached = this.deps.cache.get(key, now);
    if (cached !== undefined) return cached ?? undefined;
    return this.#load(key, now);
  }

  async #load(key: string, now: number): Promise<TokenRecord | undefined> {
    const epoch = this.deps.cache.epoch;
    const digest = Buffer.from(key, 'base64url');
    const found = await this.deps.tokens.findByDigest(digest);
    const token = found && digestsEqual(found.digest, digest) ? found : undefined;
    this.deps.cache.set(key, token ?? null, now, epoch);
    return token;
  }

  /** The pure checks alone (exists, revoked, expired, requirements, IP rules): nothing counted, charged or spent. */
  check(secret: string, requirements: Requirements): MaybeAsync<Verdict> {
    return andThen(this.lookup(secret), (token) => decideVerify(token, requirements, this.deps.runtime.now()));
  }

  /** Answered at once (no promise) for a cached token with no rate limits or credits to spend. */
  verify(secret: string, options: VerifyOptions): MaybeAsync<Verification> {
    const token = this.lookup(secret);
    if (token instanceof Promise) return token.then((found) => this.#decide(found, options, false));
    return this.#decide(token, options, true);
  }

  /** `charge` false: everything but the charge (admitPresented). */
  #decide(token: TokenRecord | undefined, options: VerifyOptions, cached: boolean, charge = true): MaybeAsync<Verification> {
    const now = this.deps.runtime.now();
    const decision: Verification = decideVerify(token, options, now);
    if (!decision.valid || !token) {
      if (token) decision.subject = token;
      return decision;
    }
    const plan = charge ? planCharge(token, options.cost, now) : undefined;
    if (plan || token.rateLimits.length > 0) return this.#meter(token, options, plan, now, cached);
    return this.#valid(token, now, cached);
  }

  /** The rate limits, then the charge: both may wait on the store or Redis. */
  async #meter(token: TokenRecord, options: VerifyOptions, plan: ChargePlan | undefined, now: number, cached: boolean): Promise<Verification> {
    const limited = await this.#rateLimit(token, options, now);
    if (limited && !limited.allowed) return { valid: false, code: 'RATE_LIMITED', rateLimit: limited.state, subject: token };
    const charge = plan && (await this.deps.credits.charge(plan.holder, plan.cost, plan.refill));
    // A refill moved the stored token on: the cached copy would ask for it again.
    if (plan?.refill) this.deps.cache.delete(token.digest.toString('base64url'));
    if (charge && !charge.charged) return { valid: false, code: 'USAGE_EXCEEDED', remaining: charge.remaining, subject: token };
    // A token drawing on a pool its owner does not have has nothing to spend.
    if (plan?.holder.kind === 'pool' && !charge) return { valid: false, code: 'USAGE_EXCEEDED', remaining: 0n, subject: token };
    const result = this.#valid(token, now, cached);
    if (charge && plan) {
      this.deps.creditWatch?.charged(token, plan.holder, plan.cost, charge.remaining);
      result.remaining = charge.remaining;
      result.spent = plan.cost;
    }
    if (limited) result.rateLimit = limited.state;
    return result;
  }

  #valid(token: TokenRecord, now: number, cached: boolean): Verification {
    this.deps.usage.record(token.id, now);
    // Built field by field: object spreads cost more than the rest of a cached verification.
    return { valid: true, code: 'VALID', token, cached };
  }

  /** Spends from the token's rate limits (those the request names, else all), all or nothing. */
  async #rateLimit(token: TokenRecord, options: VerifyOptions, now: number) {
    if (token.rateLimits.length === 0) return undefined;
    const wanted = options.rateLimits ?? token.rateLimits.map((rule) => ({ name: rule.name, cost: 1 }));
    const checks = wanted.flatMap(({ name, cost = 1 }) => {
      const rule = token.rateLimits.find((r) => r.name === name);
      return rule ? [{ key: `${token.id}:${rule.name}`, rule, cost }] : [];
    });
    if (checks.length === 0) return undefined;
    const outcome = await this.deps.rateLimiter.consume(checks, now);
    const { name, limit, remaining, resetAt, retryAfterMs } = outcome;
    return { allowed: outcome.allowed, state: { name: name ?? checks[0]!.rule.name, limit, remaining, resetAt, retryAfterMs } };
  }
}
