import type { KeyVerifier, VerifyAnswer, VerifyRequirements } from '../src/verify-answer.js';

/** The tests' verifier: plain fetch to a real tessera's POST /v1/verify, so the middleware meets real answers. */
export function fetchVerifier(baseUrl: string): KeyVerifier {
  return {
    async verify(secret, requirements = {}) {
      const response = await fetch(`${baseUrl}/v1/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: secret, ...requirements }),
      });
      if (response.status !== 200) throw new Error(`POST /v1/verify answered ${response.status}: ${await response.text()}`);
      return (await response.json()) as VerifyAnswer;
    },
  };
}

/** A verifier that keeps the requirements of its last call, to see what the middleware asked. */
export function recording(verifier: KeyVerifier): KeyVerifier & { last: VerifyRequirements | undefined } {
  const recorder = {
    last: undefined as VerifyRequirements | undefined,
    verify(secret: string, requirements?: VerifyRequirements) {
      recorder.last = requirements;
      return verifier.verify(secret, requirements);
    },
  };
  return recorder;
}
