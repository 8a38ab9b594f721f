const FIRST_MS = 100;
const LONGEST_MS = 30_000;
const WINDOW_MS = 60_000;

/**
 * How long to wait before replacing a worker that died, given when workers died (this death
 * included): 100 ms for the first in a minute, doubling with each further one up to 30 s, so a
 * worker that crashes at once (a bad deploy, a database away) does not spin.
 */
export function restartDelay(deaths: readonly number[], now: number): number {
  const recent = deaths.filter((at) => now - at < WINDOW_MS).length;
  return Math.min(LONGEST_MS, FIRST_MS * 2 ** Math.max(0, recent - 1));
}
