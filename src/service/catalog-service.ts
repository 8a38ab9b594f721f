import { ALL_PROJECTS, type EnvironmentRecord, type ProjectRecord } from '../core/catalog.js';
import { AppError } from '../core/errors.js';
import type { CatalogStore } from '../store/catalog-store.js';
import type { AccessPolicy } from './access-policy.js';
import type { Principal } from './principal.js';
import type { Runtime } from './runtime.js';

/** Environments and projects: admins create them, every user may read them. */
export class CatalogService {
  constructor(private readonly deps: { catalog: CatalogStore; access: AccessPolicy; runtime: Runtime }) {}

  async createEnvironment(principal: Principal, name: string): Promise<EnvironmentRecord> {
    this.deps.access.requireAdmin(principal);
    const environment = { name, createdAt: this.deps.runtime.now() };
    await this.deps.catalog.createEnvironment(environment);
    return environment;
  }

  listEnvironments(): Promise<EnvironmentRecord[]> {
    return this.deps.catalog.listEnvironments();
  }

  async createProject(principal: Principal, input: { id: string; name?: string }): Promise<ProjectRecord> {
    this.deps.access.requireAdmin(principal);
    const project = { id: input.id, name: input.name ?? input.id, createdAt: this.deps.runtime.now() };
    await this.deps.catalog.createProject(project);
    return project;
  }

  listProjects(): Promise<ProjectRecord[]> {
    return this.deps.catalog.listProjects();
  }

  /** Refuses an environment or project that does not exist; `*` stands for every project. */
  async requireExisting(environment: string, projects: readonly string[]): Promise<void> {
    if (!(await this.deps.catalog.findEnvironment(environment))) {
      throw new AppError('VALIDATION_ERROR', `environment "${environment}" does not exist`);
    }
    const named = projects.filter((p) => p !== ALL_PROJECTS);
    const existing = new Set(await this.deps.catalog.existingProjects(named));
    const missing = named.find((p) => !existing.has(p));
    if (missing !== undefined) throw new AppError('VALIDATION_ERROR', `project "${missing}" does not exist`);
  }
}
