import type { EnvironmentRecord, ProjectRecord } from '../core/catalog.js';

export interface CatalogStore {
  /** Throws AppError CONFLICT when the name exists. */
  createEnvironment(environment: EnvironmentRecord): Promise<void>;
  listEnvironments(): Promise<EnvironmentRecord[]>;
  findEnvironment(name: string): Promise<EnvironmentRecord | undefined>;
  /** Throws AppError CONFLICT when the id exists. */
  createProject(project: ProjectRecord): Promise<void>;
  listProjects(): Promise<ProjectRecord[]>;
  /** The ids among `ids` that exist. */
  existingProjects(ids: readonly string[]): Promise<string[]>;
}
