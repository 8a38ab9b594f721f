import { formatCredits } from '../core/credits.js';
import { AppError } from '../core/errors.js';
import { andThen, type MaybeAsync } from '../lib/maybe-async.js';
import type { Services } from '../service/services.js';
import type { Verification, VerifyOptions } from '../service/verify-service.js';
import { creditsInput } from './credit-input.js';
import type { VerifyBody, VerifyResult } from './schemas/verify-schemas.js';
import { cachedTokenView } from './views.js';

/** A verification's outcome as the API shows it. Built field by field: this runs on every verification. */
export function verifyView(outcome: Verification, now: number): VerifyResult {
  const view: VerifyResult = { valid: outcome.valid, code: outcome.code };
  if (outcome.token) view.token = cachedTokenView(outcome.token, now, outcome.cached === true);
  if (outcome.remaining !== undefined) view.remaining = formatCredits(outcome.remaining);
  const limit = outcome.rateLimit;
  if (limit) view.rateLimit = { name: limit.name, limit: limit.limit, remaining: limit.remaining, resetAt: limit.resetAt };
  return view;
}

/** A verify body's requirements (all but the token) as the verify service takes them; `ip` defaults to the caller's. */
export function verifyOptions(fields: Omit<VerifyBody, 'token'>, requestIp: string): VerifyOptions {
  const options: VerifyOptions = { ip: fields.ip ?? requestIp };
  if (fields.scopes !== undefined) options.scopes = fields.scopes;
  if (fields.resource !== undefined) options.resource = fields.resource;
  if (fields.environment !== undefined) options.environment = fields.environment;
  if (fields.project !== undefined) options.project = fields.project;
  if (fields.rateLimits !== undefined) options.rateLimits = fields.rateLimits;
  if (fields.tags !== undefined) options.tags = fields.tags;
  if (fields.cost !== undefined) {
    const cost = creditsInput(fields.cost, 'cost');
    // A negative cost would add to the balance: whoever holds a token could mint credits for it.
    if (cost < 0n) throw new AppError('VALIDATION_ERROR', 'cost must not be negative');
    options.cost = cost;
  }
  return options;
}

/**
 * `POST /v1/verify` once its body is read and valid: the verify service behind the guessing
 * guard, its answer as the API shows it. The Fastify route and the fast path
 * (verify-fast-path.ts) both answer through this, so they cannot decide differently. Answered at
 * once, without a promise, when nothing has to wait (see VerifyService.verify); throws at once
 * what the guard refuses.
 *
 * `requestIp` is the caller's address; the end client's (`ip` in the body) is what the
 * allowlist checks when the caller names it, and what the guard locks out.
 */
export function answerVerify(services: Pick<Services, 'verify' | 'clock'>, body: VerifyBody, requestIp: string): MaybeAsync<VerifyResult> {
  const from = body.ip === undefined ? { caller: requestIp } : { caller: requestIp, client: body.ip };
  return andThen(services.verify.verifyPresented(body.token, verifyOptions(body, requestIp), from), (result) => verifyView(result, services.clock.now()));
}
