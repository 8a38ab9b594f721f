import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { missingScopes } from '../../src/core/scopes.js';
import { TesseraError } from './errors.js';

export type { JwtErrorCode } from './errors.js';

export interface JwtVerifierOptions {
  /** The tessera server, e.g. `https://keys.example.com`: its key set is at `/.well-known/jwks.json`, and it is the issuer unless `issuer` says otherwise. */
  url?: string;
  /** The key set's URL, when it is not under `url` (a gateway's copy, say). */
  jwksUrl?: string;
  /** The `iss` to require: the server's TESSERA_PUBLIC_URL. Defaults to `url`; with `jwksUrl` alone, the issuer is not checked. */
  issuer?: string;
  /** The `aud` this API answers to (the `audience` or `resource` the client exchanged for): one of them must be in the JWT. */
  audience: string | string[];
  /** Clock skew allowed on `exp` and `nbf`, in seconds; default 5. */
  clockToleranceSeconds?: number;
  /** The time, in ms since the epoch; `Date.now` by default (tests pass a fake clock). */
  now?: () => number;
}

/** The claims of a JWT that tessera issued (POST /oauth/token), verified. */
export interface JwtClaims extends JWTPayload {
  iss: string;
  /** The id of the API key the JWT was exchanged for. */
  sub: string;
  aud: string | string[];
  iat: number;
  exp: number;
  jti: string;
  /** Space-separated, as RFC 9068 writes it; `scopes` holds the same as a list. */
  scope: string;
  scopes: string[];
  /** The API key's id, as for `sub`. */
  client_id: string;
  /** The user who owns the key. */
  owner: string;
  /** The key's team, when it has one. */
  team?: string;
  /** The kind of key: `api`, `personal` or `resource`. */
  tessera_token_type: string;
}

export interface JwtVerifier {
  /**
   * The JWT's claims once its signature, issuer, audience, lifetime and (if given) scopes hold;
   * throws a TesseraError with a JwtErrorCode otherwise. Offline: only the key set is fetched,
   * cached, and fetched again when a JWT names a key it does not hold (after a rotation).
   */
  verify(jwt: string, requirements?: { scopes?: string[] }): Promise<JwtClaims>;
}

const JWKS_PATH = '/.well-known/jwks.json';

/** Verifies the JWTs tessera's token exchange issues, with the keys the server publishes. */
export function createJwtVerifier(options: JwtVerifierOptions): JwtVerifier {
  const base = options.url?.replace(/\/+$/, '');
  const jwksUrl = options.jwksUrl ?? (base === undefined ? undefined : `${base}${JWKS_PATH}`);
  if (jwksUrl === undefined) throw new TypeError('createJwtVerifier needs url (the tessera server) or jwksUrl');
  const issuer = options.issuer ?? base;
  // Fetched again after a minute, as the server's Cache-Control says, and when a JWT names a key
  // the set lacks (at most every 5 s; jose's default is 30 s). A rotated-in key is published 90 s
  // before it signs, so the set holds it by then.
  const keys = createRemoteJWKSet(new URL(jwksUrl), { cacheMaxAge: 60_000, cooldownDuration: 5_000 });
  const now = options.now ?? Date.now;
  const tolerance = options.clockToleranceSeconds ?? 5;

  return {
    async verify(jwt, requirements = {}) {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(jwt, keys, {
          algorithms: ['EdDSA'],
          typ: 'at+jwt',
          audience: options.audience,
          ...(issuer === undefined ? {} : { issuer }),
          clockTolerance: tolerance,
          currentDate: new Date(now()),
          requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti'],
        }));
      } catch (error) {
        throw refusal(error);
      }
      const claims = claimsOf(payload);
      const missing = missingScopes(claims.scopes, requirements.scopes ?? []);
      if (missing.length > 0) throw new TesseraError('JWT_INSUFFICIENT_SCOPE', `the JWT lacks the scope(s) ${missing.join(', ')}`, { status: 403 });
      return claims;
    },
  };
}

function claimsOf(payload: JWTPayload): JwtClaims {
  const text = (name: string) => {
    const value = payload[name];
    if (typeof value !== 'string') throw new TesseraError('JWT_CLAIM_INVALID', `the JWT's ${name} claim is missing or not a string`, { status: 401 });
    return value;
  };
  const scope = typeof payload.scope === 'string' ? payload.scope : text('scope');
  if (payload.team !== undefined) text('team');
  return {
    ...payload,
    iss: text('iss'),
    sub: text('sub'),
    aud: payload.aud!,
    iat: payload.iat!,
    exp: payload.exp!,
    jti: text('jti'),
    scope,
    scopes: scope === '' ? [] : scope.split(' '),
    client_id: text('client_id'),
    owner: text('owner'),
    tessera_token_type: text('tessera_token_type'),
  } as JwtClaims;
}

/** jose's failure as a TesseraError whose code says what was wrong; 401 is what an API would answer. */
function refusal(error: unknown): TesseraError {
  const details = { status: 401, cause: error };
  if (error instanceof errors.JWTExpired) return new TesseraError('JWT_EXPIRED', 'the JWT has expired', details);
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'aud':
        return new TesseraError('JWT_WRONG_AUDIENCE', 'the JWT is meant for another audience', details);
      case 'iss':
        return new TesseraError('JWT_WRONG_ISSUER', 'the JWT was issued by another server', details);
      case 'nbf':
      case 'iat':
        return new TesseraError('JWT_NOT_YET_VALID', 'the JWT is not valid yet', details);
      default:
        return new TesseraError('JWT_CLAIM_INVALID', `the JWT's ${error.claim} claim is invalid: ${error.reason}`, details);
    }
  }
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return new TesseraError('JWT_SIGNATURE_INVALID', 'the JWT’s signature does not verify with any key the server publishes', details);
  }
  if (
    error instanceof errors.JWKSTimeout ||
    error instanceof errors.JWKSInvalid ||
    error instanceof TypeError ||
    (error instanceof errors.JOSEError && error.code === 'ERR_JOSE_GENERIC')
  ) {
    return new TesseraError('JWKS_UNAVAILABLE', 'the server’s key set could not be fetched, so the JWT could not be checked', { cause: error });
  }
  return new TesseraError('JWT_MALFORMED', 'not a JWT that tessera issued (malformed, or another algorithm or type)', details);
}
