import { randomBytes } from 'node:crypto';

/** The clock and randomness the services hand to the pure core; tests pass fixed ones. */
export interface Runtime {
  now(): number;
  randomBytes(n: number): Uint8Array;
}

export const systemRuntime: Runtime = {
  now: () => Date.now(),
  randomBytes: (n) => randomBytes(n),
};
