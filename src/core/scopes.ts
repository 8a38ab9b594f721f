/**
 * Scopes are strings such as `documents:read`. A granted scope ending in `*` covers every
 * scope that starts with what precedes it (`documents:*`, or `*` for everything).
 */
export const SCOPE_PATTERN = '^(\\*|[A-Za-z0-9_.:/-]{1,128}\\*?)$';

export function scopeCovers(granted: string, required: string): boolean {
  if (granted.endsWith('*')) return required.startsWith(granted.slice(0, -1));
  return granted === required;
}

/** The required scopes that none of the granted ones covers. */
export function missingScopes(granted: readonly string[], required: readonly string[]): string[] {
  return required.filter((scope) => !granted.some((g) => scopeCovers(g, scope)));
}
