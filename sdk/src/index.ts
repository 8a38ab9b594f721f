// @tessera/sdk: what a user's API imports to ask tessera about its keys.
export type { KeyVerifier, RateLimitState, ResourceRef, TokenView, VerifyAnswer, VerifyCode, VerifyRequirements } from './verify-answer.js';
export { createVerifier, Verifier, type VerifierOptions, type VerifierState } from './verifier.js';
export type { GuardOptions, RouteRequirements, Verified } from './guard.js';
export { refusalFor, statusOf, type Problem, type Refusal, type RefusalCode } from './refusal.js';
