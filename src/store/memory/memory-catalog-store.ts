import { DEFAULT_ENVIRONMENTS, DEFAULT_PROJECT, type EnvironmentRecord, type ProjectRecord } from '../../core/catalog.js';
import { AppError } from '../../core/errors.js';
import type { CatalogStore } from '../catalog-store.js';

export class MemoryCatalogStore implements CatalogStore {
  readonly #environments = new Map<string, EnvironmentRecord>(DEFAULT_ENVIRONMENTS.map((name) => [name, { name, createdAt: 0 }]));
  readonly #projects = new Map<string, ProjectRecord>([[DEFAULT_PROJECT, { id: DEFAULT_PROJECT, name: 'Default', createdAt: 0 }]]);

  async createEnvironment(environment: EnvironmentRecord): Promise<void> {
    if (this.#environments.has(environment.name)) throw new AppError('CONFLICT', 'environment exists');
    this.#environments.set(environment.name, { ...environment });
  }

  async listEnvironments(): Promise<EnvironmentRecord[]> {
    return [...this.#environments.values()].sort((a, b) => a.name.localeCompare(b.name)).map((e) => ({ ...e }));
  }

  async findEnvironment(name: string): Promise<EnvironmentRecord | undefined> {
    const environment = this.#environments.get(name);
    return environment && { ...environment };
  }

  async createProject(project: ProjectRecord): Promise<void> {
    if (this.#projects.has(project.id)) throw new AppError('CONFLICT', 'project exists');
    this.#projects.set(project.id, { ...project });
  }

  async listProjects(): Promise<ProjectRecord[]> {
    return [...this.#projects.values()].sort((a, b) => a.id.localeCompare(b.id)).map((p) => ({ ...p }));
  }

  async existingProjects(ids: readonly string[]): Promise<string[]> {
    return [...new Set(ids)].filter((id) => this.#projects.has(id));
  }
}
