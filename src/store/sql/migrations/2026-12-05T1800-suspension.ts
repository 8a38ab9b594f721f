import type { Kysely } from 'kysely';

// Frozen: never edit after it has landed; add a new dated migration instead.
/**
 * Suspension and offboarding (issue 22). A token keeps two times: `disabled_at`, suspended by
 * itself, and `owner_disabled_at`, its user disabled — set on all the user's tokens in one
 * statement, so verify still reads the one token row. A user keeps `disabled_at`, and `name_key`,
 * the folded name that a unique index holds to one user. Stores made before may hold users whose
 * names fold alike: the first of each (by num_id) gets the key, the others keep null, which the
 * index allows any number of, so this migration never fails on them.
 */
export const suspension = {
  async up(db: Kysely<any>): Promise<void> {
    for (const column of ['disabled_at', 'owner_disabled_at']) {
      await db.schema.alterTable('tokens').addColumn(column, 'bigint').execute();
    }
    await db.schema.alterTable('users').addColumn('disabled_at', 'bigint').execute();
    await db.schema.alterTable('users').addColumn('name_key', 'text').execute();
    const users = (await db.selectFrom('users').select(['id', 'name']).orderBy('num_id').execute()) as Array<{ id: string; name: string }>;
    const taken = new Set<string>();
    for (const user of users) {
      // core/account.ts userNameKey as it was when this landed: a frozen file keeps its own copy.
      const key = user.name.normalize('NFKC').toLowerCase().trim();
      if (taken.has(key)) continue;
      taken.add(key);
      await db.updateTable('users').set({ name_key: key }).where('id', '=', user.id).execute();
    }
    await db.schema.createIndex('users_name_key').on('users').column('name_key').unique().execute();
  },
};
