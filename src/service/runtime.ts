import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';

/** The clock, randomness and waiting the services use and hand to the pure core; tests pass fixed ones. */
export interface Runtime {
  now(): number;
  randomBytes(n: number): Uint8Array;
  /** Resolves after `ms`: for answers held back on purpose (a guesser's failures). */
  sleep(ms: number): Promise<void>;
}

/** The time alone, for what reads the clock and nothing else. */
export type Clock = Pick<Runtime, 'now'>;

export const systemRuntime: Runtime = {
  now: () => Date.now(),
  randomBytes: (n) => randomBytes(n),
  sleep: async (ms) => {
    await delay(ms);
  },
};
