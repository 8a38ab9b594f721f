/**
 * Why a JSON value nests objects and arrays deeper than `maxDepth` levels, or undefined when it
 * does not. An object or array is a level, the value itself the first; scalars add none.
 * Iterative: a hostile value nested thousands deep would overflow the stack of a recursive walk
 * (or of JSON.stringify) before any limit could be told.
 */
export function jsonDepthProblem(value: unknown, maxDepth: number): string | undefined {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [next, depth] = stack.pop()!;
    if (next === null || typeof next !== 'object') continue;
    if (depth > maxDepth) return `is nested deeper than ${maxDepth} levels`;
    for (const child of Object.values(next)) stack.push([child, depth + 1]);
  }
  return undefined;
}
