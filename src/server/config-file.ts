import { readFileSync } from 'node:fs';

/** A config file's settings, by key, as JSON gave them. */
export type ConfigFileValues = Record<string, unknown>;

/** Reads a JSON config file: an object of settings; anything else is refused naming the file (and where JSON broke, the position). */
export function readConfigFile(path: string): ConfigFileValues {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the config file ${path}: ${(error as Error).message}`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const at = lineAndColumn(text, errorOffset(text, (error as Error).message));
    throw new Error(`the config file ${path} is not JSON: ${(error as Error).message} (line ${at.line}, column ${at.column})`, { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`the config file ${path} must hold a JSON object of settings ({"port": 8420, …})`);
  }
  return parsed as ConfigFileValues;
}

/**
 * Where JSON.parse gave up: the position its message names, else the end of the longest prefix
 * that is still a beginning of JSON (a parse of it fails only for want of more text). Every
 * prefix shorter than that one is a beginning too, so it is found by bisection.
 */
function errorOffset(text: string, message: string): number {
  const named = /at position (\d+)/.exec(message);
  if (named) return Number(named[1]);
  const isBeginning = (length: number) => {
    try {
      JSON.parse(text.slice(0, length));
      return true;
    } catch (error) {
      const message = (error as Error).message;
      const at = /at position (\d+)/.exec(message);
      return /end of JSON input/.test(message) || (at !== null && Number(at[1]) >= length);
    }
  };
  let low = 0;
  let high = text.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (isBeginning(middle)) low = middle;
    else high = middle - 1;
  }
  return low;
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

/** The candidate nearest to `word` by edit distance, case ignored. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
