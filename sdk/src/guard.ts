import { presentedKey, type KeyReader, type KeySource } from './presented-key.js';
import { rateLimitHeaders, refusalFor, type Refusal } from './refusal.js';
import type { ResourceRef, TokenView, VerifyAnswer, KeyVerifier, VerifyRequirements } from './verify-answer.js';

/** What a route sees of a key that passed: tessera's answer, with the token's view. */
export interface Verified extends VerifyAnswer {
  valid: true;
  code: 'VALID';
  token: TokenView;
}

/** What a route requires of every key, fixed when the route is declared. */
export interface RouteRequirements {
  scopes?: string[];
  resource?: ResourceRef;
  environment?: string;
  project?: string;
  /** Credits this route costs, a decimal string (tessera's default is "1"). */
  cost?: string;
  rateLimits?: { name: string; cost?: number }[];
}

/** The options of each framework's middleware; `Req` is what that framework calls a request. */
export interface GuardOptions<Req> extends KeySource, RouteRequirements {
  /** The SDK's `Tessera` client, its in-process verifier, or anything with the same `verify`. */
  verifier: KeyVerifier;
  /** Requirements that depend on the request (a resource named in the path, a cost by size), over the fixed ones. */
  requirementsFor?: (request: Req) => VerifyRequirements | Promise<VerifyRequirements>;
  /**
   * The end client's address sent to tessera, for IP allowlists and its guard against guessing.
   * By default the framework's own (which follows its trust-proxy setting); `false` sends none.
   */
  ip?: false | ((request: Req) => string | undefined);
  /** The realm of the `WWW-Authenticate` challenge; default "api". */
  realm?: string;
  /** A base URI for problem types (`type` is it plus the code in kebab case); `about:blank` when not given. */
  problemTypeBase?: string;
  /**
   * Called when the verifier throws (tessera unreachable). The request is refused with 503 unless
   * this returns "allow", which lets it through with no token view: fail open, on your say-so.
   */
  onError?: (error: unknown, request: Req) => 'allow' | 'refuse' | undefined;
}

/** How each framework reads a request. */
export interface RequestReader<Req> {
  key(request: Req): KeyReader;
  /** The framework's idea of the client's address. */
  ip(request: Req): string | undefined;
}

/** What to do with a request: let it through (with the answer, unless an error was let through), or refuse it. */
export type GuardOutcome = { pass: true; verified: Verified | undefined; headers: Record<string, string> } | { pass: false; refusal: Refusal };

/** The framework-neutral middleware: reads the key, asks the verifier, decides. */
export function createGuard<Req>(options: GuardOptions<Req>, reader: RequestReader<Req>): (request: Req) => Promise<GuardOutcome> {
  const { verifier, onError } = options;
  const refusal = { realm: options.realm ?? 'api', problemTypeBase: options.problemTypeBase };
  const fixed = fixedRequirements(options);
  const ipOf = options.ip === false ? () => undefined : (options.ip ?? ((request: Req) => reader.ip(request)));

  return async (request) => {
    const key = presentedKey(options, reader.key(request));
    const requirements = options.requirementsFor ? { ...fixed, ...(await options.requirementsFor(request)) } : fixed;
    if (key === undefined) return { pass: false, refusal: refusalFor('MISSING_KEY', undefined, requirements, refusal, Date.now()) };
    const ip = requirements.ip ?? ipOf(request);
    let answer: VerifyAnswer;
    try {
      answer = await verifier.verify(key, ip === undefined ? requirements : { ...requirements, ip });
      if (answer.code === 'VALID' && (!answer.valid || !answer.token)) throw new Error('the verifier answered VALID without a token');
    } catch (error) {
      if (onError?.(error, request) === 'allow') return { pass: true, verified: undefined, headers: {} };
      return { pass: false, refusal: refusalFor('VERIFIER_UNAVAILABLE', undefined, requirements, refusal, Date.now()) };
    }
    const now = Date.now();
    if (answer.code !== 'VALID') return { pass: false, refusal: refusalFor(answer.code, answer, requirements, refusal, now) };
    return { pass: true, verified: answer as Verified, headers: answer.rateLimit ? rateLimitHeaders(answer.rateLimit, now) : {} };
  };
}

function fixedRequirements(options: RouteRequirements): VerifyRequirements {
  const requirements: VerifyRequirements = {};
  if (options.scopes) requirements.scopes = options.scopes;
  if (options.resource) requirements.resource = options.resource;
  if (options.environment !== undefined) requirements.environment = options.environment;
  if (options.project !== undefined) requirements.project = options.project;
  if (options.cost !== undefined) requirements.cost = options.cost;
  if (options.rateLimits) requirements.rateLimits = options.rateLimits;
  return requirements;
}
