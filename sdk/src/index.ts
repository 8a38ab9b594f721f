// @tessera/sdk: what a user's API imports to ask tessera about its keys.
export type { KeyVerifier, RateLimitState, ResourceRef, TokenView, VerifyAnswer, VerifyCode, VerifyRequirements } from './verify-answer.js';
export { createVerifier, Verifier, type VerifierOptions, type VerifierState } from './verifier.js';
export type { GuardOptions, RouteRequirements, Verified } from './guard.js';
export { refusalFor, statusOf, type Problem, type Refusal, type RefusalCode } from './refusal.js';
export { Tessera, type TesseraOptions } from './client.js';
export { TesseraError, type ClientErrorCode, type JwtErrorCode, type TesseraErrorCode } from './errors.js';
export { createJwtVerifier, type JwtClaims, type JwtVerifier, type JwtVerifierOptions } from './jwt-verifier.js';
export type { RetryOptions } from './retry.js';
export type { CallOptions, IdempotentCallOptions } from './transport.js';
export type { TokensApi } from './tokens.js';
export type { CreditsApi } from './credits.js';
export type { ReservationsApi } from './reservations.js';
export type {
  ApiErrorCode,
  CreateTokenInput,
  CreditAmount,
  CreditPool,
  ErrorBody,
  IssuedToken,
  ListTokensQuery,
  Reservation,
  ReserveRequest,
  ReserveResult,
  RotateTokenInput,
  Token,
  TokenCredits,
  TokenPage,
  UpdateTokenInput,
  VerifyBatchRequest,
  VerifyRequest,
  VerifyResult,
} from './types.js';
export type { paths } from './api-types.js';
