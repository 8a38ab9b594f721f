import { existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isPostgresUrl } from '../store/postgres-url.js';
import { backupSqlite, inspectSqliteStore, removeSqliteSidecars } from '../store/sql/sqlite-store-file.js';
import { KEY_FINGERPRINT_SETTING, keyFingerprint } from './key-fingerprint.js';
import { readSecretKey } from './secret-key.js';
import type { ServerConfig } from './server-config.js';

/** The SQLite file of a configuration without a database URL. */
export const sqliteStorePath = (config: ServerConfig): string => join(config.dataDir, 'tessera.db');

/** Where the configured server key comes from, for people: the variable, or the key file. */
export function serverKeySource(config: ServerConfig): string {
  return config.secretKey ? 'TESSERA_SECRET_KEY' : join(config.dataDir, 'secret.key');
}

/** The fingerprint of the configured server key; undefined when there is none yet (no variable, no key file): one is never made here. */
export function configuredKeyFingerprint(config: ServerConfig): string | undefined {
  const key = readSecretKey(config.secretKey, config.dataDir);
  return key && keyFingerprint(key);
}

/** A PostgreSQL URL fit for a command line: without its password (pg_dump reads PGPASSWORD or ~/.pgpass). */
function withoutPassword(text: string): string {
  const url = new URL(text);
  url.password = '';
  url.searchParams.delete('password');
  return url.toString();
}

const shellQuoted = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

/** The pg_dump and pg_restore commands for the configured database. */
export function postgresCommands(databaseUrl: string, file: string): { dump: string; restore: string } {
  const url = shellQuoted(withoutPassword(databaseUrl));
  return {
    dump: `pg_dump --format=custom --file=${shellQuoted(file)} ${url}`,
    restore: `pg_restore --clean --if-exists --no-owner --dbname=${url} ${shellQuoted(file)}`,
  };
}

const KEY_APART =
  'is NOT in the backup: keep a copy of it apart from the backup (never beside it). A server refuses to serve the restored store ' +
  'without it, and anyone holding both could serve your tokens.';

/**
 * `tessera backup FILE`: a consistent copy of the live SQLite store (servers may keep running and
 * writing), checked, with what a restore needs besides it. On PostgreSQL it refuses with the
 * pg_dump command to run instead.
 */
export async function backupCommand(config: ServerConfig, file: string, force: boolean): Promise<string> {
  const target = resolve(file);
  if (isPostgresUrl(config.databaseUrl)) {
    const { dump } = postgresCommands(config.databaseUrl, target);
    throw new Error(
      `tessera backup copies SQLite stores; this one is PostgreSQL. Back it up with pg_dump (the password from PGPASSWORD or ~/.pgpass):\n\n    ${dump}\n\n` +
        `The server key (${serverKeySource(config)}) ${KEY_APART} See "Backups" in docs/operations.md.`,
    );
  }
  const source = sqliteStorePath(config);
  if (!existsSync(source)) throw new Error(`there is no SQLite store at ${source} (--data-dir, TESSERA_DATA_DIR or dataDir in the config file)`);
  if (target === source) throw new Error(`${target} is the live store itself: give the backup a path of its own`);
  if (existsSync(target) && !force) throw new Error(`${target} exists: give another path, or --force to replace it`);
  if (!existsSync(dirname(target))) throw new Error(`the directory of ${target} does not exist: create it first`);

  const draft = `${target}.partial-${process.pid}`;
  let report;
  try {
    // Made empty first, the owner's only: SQLite would make it 0644, and it holds digests and users.
    // SQLite keeps an existing file's mode, and gives its journals the same.
    writeFileSync(draft, '', { mode: 0o600, flag: 'wx' });
    await backupSqlite(source, draft);
    report = inspectSqliteStore(draft);
    renameSync(draft, target);
  } finally {
    rmSync(draft, { force: true });
    removeSqliteSidecars(draft);
  }
  const fingerprint = report.settings[KEY_FINGERPRINT_SETTING];
  const bytes = statSync(target).size;
  return [
    `backup of SQLite ${source} written to ${target}`,
    `  size: ${bytes} bytes (${(bytes / 1_048_576).toFixed(1)} MiB)`,
    `  integrity check: ok; ${report.applied.length} migrations, the latest ${report.applied.at(-1) ?? '-'}`,
    fingerprint
      ? `  server key fingerprint: ${fingerprint.slice(0, 8)} (restoring it needs the server key with this fingerprint)`
      : '  server key fingerprint: none recorded yet (the store was never served)',
    '',
    `The server key (${serverKeySource(config)}) ${KEY_APART}`,
  ].join('\n');
}
