import type { Kysely } from 'kysely';
import type { EnvironmentRecord, ProjectRecord } from '../../core/catalog.js';
import type { CatalogStore } from '../catalog-store.js';
import { millis, withConflict } from './driver/conflicts.js';
import type { Database } from './schema.js';

export class SqlCatalogStore implements CatalogStore {
  constructor(private readonly db: Kysely<Database>) {}

  async createEnvironment(e: EnvironmentRecord): Promise<void> {
    await withConflict('environment', () => this.db.insertInto('environments').values({ name: e.name, created_at: e.createdAt }).execute());
  }

  async listEnvironments(): Promise<EnvironmentRecord[]> {
    const rows = await this.db.selectFrom('environments').selectAll().orderBy('name').execute();
    return rows.map((r) => ({ name: r.name, createdAt: millis(r.created_at) }));
  }

  async findEnvironment(name: string): Promise<EnvironmentRecord | undefined> {
    const row = await this.db.selectFrom('environments').selectAll().where('name', '=', name).executeTakeFirst();
    return row && { name: row.name, createdAt: millis(row.created_at) };
  }

  async createProject(p: ProjectRecord): Promise<void> {
    await withConflict('project', () => this.db.insertInto('projects').values({ id: p.id, name: p.name, created_at: p.createdAt }).execute());
  }

  async listProjects(): Promise<ProjectRecord[]> {
    const rows = await this.db.selectFrom('projects').selectAll().orderBy('id').execute();
    return rows.map((r) => ({ id: r.id, name: r.name, createdAt: millis(r.created_at) }));
  }

  async existingProjects(ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('projects')
      .select('id')
      .where('id', 'in', [...new Set(ids)])
      .execute();
    return rows.map((r) => r.id);
  }
}
