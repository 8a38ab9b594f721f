// @tessera/sdk: what a user's API imports to ask tessera about its keys.
export { Tessera, type TesseraOptions } from './client.js';
export { TesseraError, type ClientErrorCode, type TesseraErrorCode } from './errors.js';
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
  VerifyCode,
  VerifyRequest,
  VerifyResult,
} from './types.js';
export type { paths } from './api-types.js';
