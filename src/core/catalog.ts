/** Unleash scopes tokens to environments and projects; both are named objects tessera keeps. */
export interface EnvironmentRecord {
  name: string;
  createdAt: number;
}

export interface ProjectRecord {
  id: string;
  name: string;
  createdAt: number;
}

/** What exists on a new installation, as in Unleash. */
export const DEFAULT_ENVIRONMENTS = ['development', 'production'] as const;
export const DEFAULT_PROJECT = 'default';

/** `*` in a projects list means every project. */
export const ALL_PROJECTS = '*';
