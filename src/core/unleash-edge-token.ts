import { ALL_PROJECTS } from './catalog.js';

export const UNLEASH_TOKEN_TYPES = ['client', 'admin', 'frontend', 'backend'] as const;
export type UnleashTokenType = (typeof UNLEASH_TOKEN_TYPES)[number];

export function isUnleashTokenType(type: string): type is UnleashTokenType {
  return (UNLEASH_TOKEN_TYPES as readonly string[]).includes(type);
}

/** One list per set of projects: sorted, unique, and `*` alone when it is there. */
export function normalizeProjects(projects: readonly string[]): string[] {
  if (projects.includes(ALL_PROJECTS)) return [ALL_PROJECTS];
  return [...new Set(projects)].sort();
}

/** Unleash's token text: `project:environment.<secret>`, `*:` for all projects, `[]:` for several. */
export function unleashTokenText(projects: readonly string[], environment: string, secret: string): string {
  const scope = projects.length === 1 ? projects[0]! : '[]';
  return `${scope}:${environment}.${secret}`;
}

/** What owns the tokens an Unleash Edge client asks for with a signed request: the client, which is no user. */
const EDGE_CLIENT_OWNER = 'edge:';

export function edgeClientOwner(edgeClientId: string): string {
  return EDGE_CLIENT_OWNER + edgeClientId;
}

/**
 * Whether a token's owner is an Unleash Edge client rather than a user (user ids are `usr_…`):
 * its tokens are stored without a user row to check, as there is no user to delete or disable.
 */
export function isEdgeClientOwner(ownerUserId: string): boolean {
  return ownerUserId.startsWith(EDGE_CLIENT_OWNER);
}
