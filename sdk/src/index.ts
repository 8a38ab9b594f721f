// @tessera/sdk: what a user's API imports to ask tessera about its keys.
export type { RateLimitState, ResourceRef, TokenView, VerifyAnswer, VerifyCode, KeyVerifier, VerifyRequirements } from './verify-answer.js';
export type { GuardOptions, RouteRequirements, Verified } from './guard.js';
export { refusalFor, statusOf, type Problem, type Refusal, type RefusalCode } from './refusal.js';
