import { SignJWT } from 'jose';
import { AppError } from '../core/errors.js';
import { SCOPE_PATTERN } from '../core/scopes.js';
import type { TokenRecord } from '../core/token.js';
import type { Runtime } from './runtime.js';
import type { SigningKeyService } from './signing-key-service.js';
import type { VerifyService } from './verify-service.js';

/** The JOSE `typ` of the JWTs issued: an OAuth 2.0 access token in JWT form (RFC 9068 §2.1). */
export const ACCESS_TOKEN_JWT_TYPE = 'at+jwt';
/** RFC 8693's token type URIs. */
export const TOKEN_TYPE_ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
export const TOKEN_TYPE_JWT = 'urn:ietf:params:oauth:token-type:jwt' as const;

/** The refusals of RFC 6749 §5.2 and RFC 8693 §2.2.2 an exchange can end in. */
export type ExchangeRefusal = 'invalid_grant' | 'invalid_scope' | 'invalid_target';

/** Where exchanges are counted (the metrics): `issued`, or the refusal. */
export interface ExchangeCounter {
  countTokenExchange(outcome: 'issued' | ExchangeRefusal): void;
}

export interface ExchangeRequest {
  /** The API key presented as `subject_token`. */
  subjectToken: string;
  /** `scope`, space-separated; undefined: the key's scopes. */
  scope: string | undefined;
  /** `audience` and `resource` (RFC 8707), as given; the issuer when neither is. */
  audience: string | undefined;
  resource: string | undefined;
  /** This server as the JWT's `iss` (oauth/issuer.ts). */
  issuer: string;
  /** The caller's address: the key's IP allowlist and the guessing guard see it. */
  ip: string;
}

export type ExchangeOutcome =
  | { issued: true; accessToken: string; expiresIn: number; scope: string; claims: JwtClaims }
  | { issued: false; error: ExchangeRefusal; description: string };

/** The claims of an issued JWT (RFC 7519, RFC 9068, RFC 8693 §4). */
export interface JwtClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  iat: number;
  nbf: number;
  exp: number;
  jti: string;
  scope: string;
  client_id: string;
  owner: string;
  team?: string;
  tessera_token_type: string;
}

/**
 * RFC 8693 token exchange: an API key in, a short-lived JWT signed with the current signing key
 * out. The key is verified as POST /v1/verify verifies it (guessing guard, its rate limits, its
 * IP allowlist against the caller) without a charge: an exchange costs no credits.
 */
export class TokenExchangeService {
  constructor(
    private readonly deps: { verify: VerifyService; signingKeys: SigningKeyService; counter: ExchangeCounter; runtime: Runtime },
    /** TESSERA_JWT_TTL_SECONDS: how long an issued JWT lives, unless its key expires sooner. */
    private readonly ttlSeconds: number,
  ) {}

  async exchange(request: ExchangeRequest): Promise<ExchangeOutcome> {
    const outcome = await this.#exchange(request);
    this.deps.counter.countTokenExchange(outcome.issued ? 'issued' : outcome.error);
    return outcome;
  }

  async #exchange(request: ExchangeRequest): Promise<ExchangeOutcome> {
    const requested = requestedScopes(request.scope);
    if (requested === 'malformed') return refuse('invalid_scope', `scope must be scopes separated by single spaces, each matching ${SCOPE_PATTERN}`);
    const audience = audienceOf(request);
    if (typeof audience === 'object' && 'error' in audience) return audience;

    const options = requested === undefined ? { ip: request.ip } : { ip: request.ip, scopes: requested };
    const verdict = await this.deps.verify.admitPresented(request.subjectToken, options, { caller: request.ip });
    const token = verdict.token;
    switch (verdict.code) {
      case 'VALID':
        break;
      case 'INSUFFICIENT_PERMISSIONS':
        return refuse('invalid_scope', 'the requested scope exceeds the scopes of the subject_token');
      case 'RATE_LIMITED': {
        const limit = verdict.rateLimit!;
        const now = this.deps.runtime.now();
        throw new AppError('RATE_LIMITED', `rate limit ${limit.name} of ${limit.limit} reached`, {
          limit: limit.limit,
          remaining: limit.remaining,
          resetAfterMs: Math.max(0, limit.resetAt - now),
          retryAfterMs: limit.retryAfterMs,
        });
      }
      case 'FORBIDDEN':
        return refuse('invalid_grant', 'the subject_token may not be used from this address');
      default:
        // NOT_FOUND, REVOKED, DISABLED, EXPIRED (USAGE_EXCEEDED cannot happen: nothing is charged).
        return refuse('invalid_grant', 'the subject_token is not a valid key (unknown, revoked, suspended or expired)');
    }
    if (!token) throw new Error('a valid verification without its token');
    return this.#issue(token, requested ?? [...token.scopes], audience, request.issuer);
  }

  async #issue(token: TokenRecord, scopes: string[], audience: string | string[] | undefined, issuer: string): Promise<ExchangeOutcome> {
    const now = this.deps.runtime.now();
    const iat = Math.floor(now / 1000);
    // Never past the key's own end: its expiry, or the revocation a rotation scheduled.
    const ends = [token.expiresAt, token.revokedAt].filter((at): at is number => at !== null && at > now);
    const exp = Math.min(iat + this.ttlSeconds, ...ends.map((at) => Math.floor(at / 1000)));
    if (exp <= iat) return refuse('invalid_grant', 'the subject_token expires within the second');
    const scope = scopes.join(' ');
    const claims: JwtClaims = {
      iss: issuer,
      sub: token.id,
      aud: audience ?? issuer,
      iat,
      nbf: iat,
      exp,
      jti: Buffer.from(this.deps.runtime.randomBytes(16)).toString('base64url'),
      scope,
      client_id: token.id,
      owner: token.ownerUserId,
      ...(token.teamId !== null ? { team: token.teamId } : {}),
      tessera_token_type: token.type,
    };
    const key = await this.deps.signingKeys.current();
    const accessToken = await new SignJWT({ ...claims }).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: ACCESS_TOKEN_JWT_TYPE }).sign(key.privateKey);
    return { issued: true, accessToken, expiresIn: exp - iat, scope, claims };
  }
}

function refuse(error: ExchangeRefusal, description: string): ExchangeOutcome {
  return { issued: false, error, description };
}

const SCOPE = new RegExp(SCOPE_PATTERN);

/** RFC 6749 §3.3: scopes separated by single spaces; each one a scope tessera could grant. Duplicates are dropped. */
function requestedScopes(text: string | undefined): string[] | undefined | 'malformed' {
  if (text === undefined) return undefined;
  const scopes = text.split(' ');
  if (scopes.some((scope) => !SCOPE.test(scope))) return 'malformed';
  return [...new Set(scopes)];
}

/**
 * The JWT's `aud`: `audience` (a logical name) and `resource` (RFC 8707: an absolute URI without a
 * fragment), one value when one is given, both when both are, undefined (the issuer) when neither is.
 */
function audienceOf(request: ExchangeRequest): string | string[] | undefined | { issued: false; error: ExchangeRefusal; description: string } {
  if (request.resource !== undefined) {
    const url = URL.canParse(request.resource) ? new URL(request.resource) : undefined;
    if (!url || request.resource.includes('#'))
      return { issued: false, error: 'invalid_target', description: 'resource must be an absolute URI without a fragment' };
  }
  const audiences = [request.audience, request.resource].filter((value): value is string => value !== undefined);
  if (audiences.length === 0) return undefined;
  return audiences.length === 1 ? audiences[0]! : audiences;
}
