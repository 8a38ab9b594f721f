/** How far V8 lets the heap grow past what was live at the last full collection, in percent. */
export const HEAP_GROWING_PERCENT = 50;

/**
 * The V8 flag a serving process runs with, unless Node's own arguments set one already: collect
 * before the heap grows past 1.5× what was live. On a machine with memory to spare V8 lets the
 * heap grow up to 4× first, which for tessera means up to 4× its token cache: cached records live
 * for the cache's TTL, long enough to be moved to the old generation, and die there
 * (docs/performance.md has the measurements). It goes on Node's command line — `npm start`, a
 * cluster's workers (their execArgv) — never through v8.setFlagsFromString after start, which
 * Node documents as unpredictable.
 */
export function heapGrowthFlag(execArgv: readonly string[]): string | undefined {
  if (execArgv.some((arg) => /^--heap[-_]growing[-_]percent(=|$)/.test(arg))) return undefined;
  return `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
}

/** Node's arguments for a process that serves: `execArgv` with the heap growth flag when it has none. */
export function servingExecArgv(execArgv: readonly string[]): string[] {
  const flag = heapGrowthFlag(execArgv);
  return flag ? [...execArgv, flag] : [...execArgv];
}
