// @tessera/sdk: what a user's API imports to ask tessera about its keys.
export { createVerifier, Verifier, type VerifierOptions, type VerifierState } from './verifier.js';
export type { KeyVerifier, TokenView, VerifyAnswer, VerifyCode, VerifyRequirements } from './verify-answer.js';
