import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
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
  };
}

/** Applies the migrations not yet applied; returns their names. */
export async function migrateToLatest(db: Kysely<Database>, dialect: SqlDialect): Promise<string[]> {
  const { error, results = [] } = await migrator(db, dialect).migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
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
