import type { Kysely } from 'kysely';
import type { LifecyclePolicy } from '../../core/lifecycle-policy.js';
import type { PolicyRecord, PolicyStore } from '../policy-store.js';
import { millis } from './driver/conflicts.js';
import type { Database, LifecyclePoliciesTable } from './schema.js';

export class SqlPolicyStore implements PolicyStore {
  constructor(private readonly db: Kysely<Database>) {}

  async find(scope: string): Promise<PolicyRecord | undefined> {
    const row = await this.db.selectFrom('lifecycle_policies').selectAll().where('scope', '=', scope).executeTakeFirst();
    return row && recordOf(row);
  }

  async put(record: PolicyRecord): Promise<void> {
    const values = { scope: record.scope, policy: JSON.stringify(record.policy), updated_at: record.updatedAt, updated_by: record.updatedBy };
    await this.db
      .insertInto('lifecycle_policies')
      .values(values)
      .onConflict((oc) => oc.column('scope').doUpdateSet({ policy: values.policy, updated_at: values.updated_at, updated_by: values.updated_by }))
      .execute();
  }

  async list(): Promise<PolicyRecord[]> {
    const rows = await this.db.selectFrom('lifecycle_policies').selectAll().orderBy('scope').execute();
    return rows.map(recordOf);
  }
}

function recordOf(row: LifecyclePoliciesTable): PolicyRecord {
  return { scope: row.scope, policy: JSON.parse(row.policy) as LifecyclePolicy, updatedAt: millis(row.updated_at), updatedBy: row.updated_by };
}
