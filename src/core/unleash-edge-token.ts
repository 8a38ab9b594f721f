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
