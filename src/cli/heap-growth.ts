import { setFlagsFromString } from 'node:v8';

/** How far V8 lets the heap grow past what was live at the last full collection, in percent. */
export const HEAP_GROWING_PERCENT = 50;

/**
 * Makes V8 collect before its heap grows past 1.5× what was live, unless Node was started
 * with its own `--heap-growing-percent`. On a machine with memory to spare V8 lets the heap
 * grow up to 4× first, which for tessera means up to 4× its token cache: cached records live
 * for the cache's TTL, long enough to be moved to the old generation, and die there. Under a
 * spread of cache misses (`npm run bench -- verify-misses`, 55k records cached) the process
 * swung between 230 and 390 MB; with this it stays near 240 MB, for the same CPU per request.
 * V8 reads the flag whenever it sets the next collection's limit, so setting it at start works.
 */
export function limitHeapGrowth(): void {
  const flag = heapGrowthFlag(process.execArgv);
  if (flag) setFlagsFromString(flag);
}

/** The V8 flag limitHeapGrowth sets, or undefined when Node's own arguments set one already. */
export function heapGrowthFlag(execArgv: readonly string[]): string | undefined {
  if (execArgv.some((arg) => /^--heap[-_]growing[-_]percent(=|$)/.test(arg))) return undefined;
  return `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
}
