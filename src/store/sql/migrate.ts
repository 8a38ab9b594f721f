import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { initial } from './migrations/2026-11-22T1530-initial.js';
import { catalog } from './migrations/2026-11-22T1650-catalog.js';
import { edgeConfig } from './migrations/2026-11-22T1710-edge-config.js';
import { credits } from './migrations/2026-11-23T0230-credits.js';
import { tokenChanges } from './migrations/2026-11-23T1300-token-changes.js';
import { useCount } from './migrations/2026-11-23T1400-use-count.js';
import { tokenUses } from './migrations/2026-11-30T2300-token-uses.js';
import { reservationDigests } from './migrations/2026-12-05T0300-reservation-digests.js';
import { serverSettings } from './migrations/2026-12-05T0310-server-settings.js';
import { edenaiNames } from './migrations/2026-12-05T0320-edenai-names.js';
import { personalTokenScopes } from './migrations/2026-12-05T0330-personal-token-scopes.js';
import { changeOwners } from './migrations/2026-12-05T1200-change-owners.js';
import { signingKeys } from './migrations/2026-12-05T1400-signing-keys.js';
import { sessions } from './migrations/2026-12-05T1500-sessions.js';
import { verificationCounts } from './migrations/2026-12-05T1600-verification-counts.js';
import { tokenNames } from './migrations/2026-12-05T1700-token-names.js';
import { tokenNamesFolded } from './migrations/2026-12-05T1750-token-names-folded.js';
import { suspension } from './migrations/2026-12-05T1800-suspension.js';
import { lifecyclePolicies } from './migrations/2026-12-05T1810-lifecycle-policies.js';
import { leakPolicies } from './migrations/2026-12-05T1820-leak-policies.js';
import { webhooks } from './migrations/2026-12-05T1830-webhooks.js';
import { partialTokenIndexes } from './migrations/2026-12-05T1900-partial-token-indexes.js';
import type { Database, SqlDialect } from './schema.js';

/**
 * Every migration, by its dated name; listed here (not read from disk) so dist/ carries them.
 * Kysely applies them in the order of their names, so a name carries date and time.
 */
export function migrations(dialect: SqlDialect): Record<string, Migration> {
  return {
    '2026-11-22T1530-initial': initial(dialect),
    '2026-11-22T1650-catalog': catalog,
    '2026-11-22T1710-edge-config': edgeConfig,
    '2026-11-23T0230-credits': credits,
    '2026-11-23T1300-token-changes': tokenChanges(dialect),
    '2026-11-23T1400-use-count': useCount,
    '2026-11-30T2300-token-uses': tokenUses(dialect),
    '2026-12-05T0300-reservation-digests': reservationDigests,
    '2026-12-05T0310-server-settings': serverSettings,
    '2026-12-05T0320-edenai-names': edenaiNames,
    '2026-12-05T0330-personal-token-scopes': personalTokenScopes,
    '2026-12-05T1200-change-owners': changeOwners,
    '2026-12-05T1400-signing-keys': signingKeys,
    '2026-12-05T1500-sessions': sessions,
    '2026-12-05T1600-verification-counts': verificationCounts,
    '2026-12-05T1700-token-names': tokenNames(dialect),
    '2026-12-05T1750-token-names-folded': tokenNamesFolded(dialect),
    '2026-12-05T1800-suspension': suspension,
    '2026-12-05T1810-lifecycle-policies': lifecyclePolicies,
    '2026-12-05T1820-leak-policies': leakPolicies,
    '2026-12-05T1830-webhooks': webhooks,
    '2026-12-05T1900-partial-token-indexes': partialTokenIndexes(dialect),
  };
}

/**
 * Applies the migrations not yet applied; returns their names. A database a newer version has
 * migrated further is left as it is, so long as it has every migration this version knows: a
 * rolling upgrade's older nodes (and a downgrade) keep running on it, which holds because every
 * migration only expands the schema (docs/operations.md#upgrades). One that lacks some of this
 * version's own migrations besides is refused: neither version's order can apply them.
 */
export async function migrateToLatest(db: Kysely<Database>, dialect: SqlDialect): Promise<string[]> {
  const newer = await newerMigrations(db, dialect);
  if (newer.length > 0) {
    const pending = await pendingMigrations(db, dialect);
    if (pending.length === 0) return [];
    throw new Error(
      `the database has migrations of a newer tessera (${newer.join(', ')}) but not this version's ${pending.join(', ')}: run the newer version's \`tessera migrate\`, then upgrade this node`,
    );
  }
  const { error, results = [] } = await migrator(db, dialect).migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Migrations the database has that this version does not know: a newer version applied them. */
export async function newerMigrations(db: Kysely<Database>, dialect: SqlDialect): Promise<string[]> {
  const known = await migrator(db, dialect).getMigrations();
  if (!known.some((migration) => migration.executedAt !== undefined)) return [];
  const names = new Set(known.map((migration) => migration.name));
  const { rows } = await sql<{ name: string }>`select name from tessera_migrations order by name`.execute(db);
  return rows.map((row) => row.name).filter((name) => !names.has(name));
}

/** The migrations this code has that the database has not applied; their names. */
export async function pendingMigrations(db: Kysely<Database>, dialect: SqlDialect): Promise<string[]> {
  const known = await migrator(db, dialect).getMigrations();
  return known.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

function migrator(db: Kysely<Database>, dialect: SqlDialect): Migrator {
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) };
  return new Migrator({ db, provider, migrationTableName: 'tessera_migrations', migrationLockTableName: 'tessera_migrations_lock' });
}
