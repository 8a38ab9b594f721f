import type { Kysely } from 'kysely';
import type { LeakAction } from '../../core/leak-policy.js';
import type { LeakPolicyStore, StoredLeakPolicy } from '../leak-policy-store.js';
import type { Database, LeakPoliciesTable } from './schema.js';

/** The installation's default is the row whose scope is this: a team id always starts with `team_`. */
const INSTALLATION = '*';

export class SqlLeakPolicyStore implements LeakPolicyStore {
  constructor(private readonly db: Kysely<Database>) {}

  async find(teamId: string | null): Promise<StoredLeakPolicy | undefined> {
    const row = await this.db
      .selectFrom('leak_policies')
      .selectAll()
      .where('scope', '=', teamId ?? INSTALLATION)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  async put(policy: StoredLeakPolicy): Promise<void> {
    const values = {
      action: policy.action,
      grace_period_ms: policy.gracePeriodMs,
      updated_at: policy.updatedAt,
      updated_by: policy.updatedBy,
    };
    await this.db
      .insertInto('leak_policies')
      .values({ scope: policy.teamId ?? INSTALLATION, ...values })
      .onConflict((oc) => oc.column('scope').doUpdateSet(values))
      .execute();
  }

  async remove(teamId: string | null): Promise<boolean> {
    const result = await this.db
      .deleteFrom('leak_policies')
      .where('scope', '=', teamId ?? INSTALLATION)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}

function fromRow(row: LeakPoliciesTable): StoredLeakPolicy {
  return {
    teamId: row.scope === INSTALLATION ? null : row.scope,
    action: row.action as LeakAction,
    gracePeriodMs: row.grace_period_ms === null ? null : Number(row.grace_period_ms),
    updatedAt: Number(row.updated_at),
    updatedBy: row.updated_by,
  };
}
