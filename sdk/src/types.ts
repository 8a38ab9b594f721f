import type { paths } from './api-types.js';

// The client's names for the shapes of the native API, each read from the types generated from
// the server's schemas (api-types.ts), so a schema change reaches them with `npm run sdk:types`.

type Operation<P extends keyof paths, M extends keyof paths[P]> = paths[P][M];
type JsonOf<T> = T extends { content: { 'application/json': infer B } } ? B : never;
/** The JSON answer of `M P` with status `S`. */
type Answer<P extends keyof paths, M extends keyof paths[P], S extends number> =
  Operation<P, M> extends { responses: infer R } ? (S extends keyof R ? JsonOf<R[S]> : never) : never;
/** The JSON body `M P` takes. */
type Body<P extends keyof paths, M extends keyof paths[P]> = Operation<P, M> extends { requestBody: infer B } ? JsonOf<B> : never;
/** The query parameters of `M P`. */
type Query<P extends keyof paths, M extends keyof paths[P]> = Operation<P, M> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

/** A token as the API shows it: never its secret. */
export type Token = Answer<'/v1/tokens/{id}', 'get', 200>['token'];
/** A created or rotated token with its secret, shown this once. */
export type IssuedToken = Answer<'/v1/tokens', 'post', 201>;
export type TokenPage = Answer<'/v1/tokens', 'get', 200>;
export type CreateTokenInput = Body<'/v1/tokens', 'post'>;
export type UpdateTokenInput = Body<'/v1/tokens/{id}', 'patch'>;
export type RotateTokenInput = Body<'/v1/tokens/{id}/rotate', 'post'>;
/** Filters of a listing: `teamId` or `slug` to list a team's, `type`, `status`; `limit` is the page size. */
export type ListTokensQuery = Query<'/v1/tokens', 'get'>;

/** A token to verify and what it must allow: scopes, resource, environment, project, `ip`, `cost`, rate limits. */
export type VerifyRequest = Body<'/v1/verify', 'post'>;
/** `{valid, code}`; when valid the token, and `remaining` credits or the tightest `rateLimit`. */
export type VerifyResult = Answer<'/v1/verify', 'post', 200>;
export type VerifyCode = VerifyResult['code'];
/** Up to 1,000 tokens (secrets, or requests of their own) and the requirements a plain secret is checked against. */
export type VerifyBatchRequest = Body<'/v1/verify/batch', 'post'>;

/** A token's balance after a change, and the token. */
export type TokenCredits = Answer<'/v1/tokens/{id}/credits', 'post', 200>;
/** A user's or team's shared pool of credits. */
export type CreditPool = Answer<'/v1/credit-pools/{ownerId}', 'get', 200>;
/** A decimal amount of credits, e.g. "12.5": up to 9 fraction digits, at most 10^9. */
export type CreditAmount = Body<'/v1/tokens/{id}/credits', 'post'>['amount'];

export type ReserveRequest = Body<'/v1/credits/reserve', 'post'>;
/** `{valid, code}` and, when valid, the `reservationId` to settle, its expiry and the credits left. */
export type ReserveResult = Answer<'/v1/credits/reserve', 'post', 200>;
export type Reservation = Answer<'/v1/credits/{reservationId}', 'get', 200>;

/** The body of every native error. */
export type ErrorBody = Answer<'/v1/tokens/{id}', 'get', 404>;
/** The stable codes the API answers errors with. */
export type ApiErrorCode = ErrorBody['error']['code'];
