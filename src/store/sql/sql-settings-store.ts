import type { Kysely } from 'kysely';
import type { SettingsStore } from '../settings-store.js';
import type { Database } from './schema.js';

export class SqlSettingsStore implements SettingsStore {
  constructor(private readonly db: Kysely<Database>) {}

  async claim(name: string, value: string): Promise<string> {
    // The primary key decides between concurrent claims; the loser's insert does nothing. A
    // setting is never updated or deleted, so the row read next is the one every claimant reads.
    await this.db
      .insertInto('server_settings')
      .values({ name, value })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const row = await this.db.selectFrom('server_settings').select('value').where('name', '=', name).executeTakeFirstOrThrow();
    return row.value;
  }

  async read(name: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('server_settings').select('value').where('name', '=', name).executeTakeFirst();
    return row?.value;
  }
}
