import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { isPostgresUrl } from '../store/postgres-url.js';
import { fsyncFile, inspectSqliteStore, removeSqliteSidecars, SqliteInUseError, withExclusiveSqlite } from '../store/sql/sqlite-store-file.js';
import { configuredKeyFingerprint, postgresCommands, serverKeySource, sqliteStorePath } from './backup-command.js';
import { KEY_FINGERPRINT_SETTING } from './key-fingerprint.js';
import type { ServerConfig } from './server-config.js';

/** How long a restore waits for the target's lock before it concludes a server holds it. */
const IN_USE_WAIT_MS = 1000;

/**
 * `tessera restore FILE [--force]`: puts a backup in place of the configured SQLite store. The
 * file must be a sound tessera store made with the configured server key; no process may have
 * the target open; an existing store is replaced only with `force`. The backup is copied beside
 * the target, checked, flushed and renamed over it: the target is the old store or the new one,
 * never a mix. Every refusal leaves the data directory as it was. Migrations run at the next start.
 */
export async function restoreCommand(config: ServerConfig, file: string, force: boolean): Promise<string> {
  const source = resolve(file);
  if (isPostgresUrl(config.databaseUrl)) {
    const { restore } = postgresCommands(config.databaseUrl, source);
    throw new Error(
      `tessera restore puts SQLite backups in place; this store is PostgreSQL. Restore a pg_dump backup with pg_restore, servers stopped:\n\n    ${restore}\n\n` +
        'and start tessera with the server key the backup was made with. See "Backups" in docs/operations.md.',
    );
  }
  if (!existsSync(source)) throw new Error(`there is no backup at ${source}`);
  const target = sqliteStorePath(config);
  const replacing = existsSync(target);
  if (replacing && !force) {
    throw new Error(`a store exists at ${target}: tessera restore replaces it only with --force (take a backup of it first); nothing was changed`);
  }
  const own = configuredKeyFingerprint(config);
  if (own === undefined) {
    throw new Error(
      `no server key is configured for ${config.dataDir}: set TESSERA_SECRET_KEY (or secretKey in the config file) to the key the backup was made with, ` +
        `or copy its key file to ${serverKeySource(config)}; nothing was changed`,
    );
  }

  const createdDir = mkdirSync(config.dataDir, { recursive: true });
  const draft = `${target}.restoring-${process.pid}`;
  let restored = false;
  try {
    copyFileSync(source, draft);
    const report = inspectSqliteStore(draft);
    if (report.unknown.length > 0) {
      throw new Error(`${source} was made by a newer tessera (migrations ${report.unknown.join(', ')} are unknown to this one): restore it with that version`);
    }
    const recorded = report.settings[KEY_FINGERPRINT_SETTING];
    if (recorded !== undefined && recorded !== own) {
      throw new Error(
        `${source} was served with the server key of fingerprint ${recorded.slice(0, 8)}, but the configured key (${serverKeySource(config)}) ` +
          `has fingerprint ${own.slice(0, 8)}: configure the key the backup was made with; nothing was changed`,
      );
    }
    fsyncFile(draft);
    const swap = () => {
      removeSqliteSidecars(target);
      renameSync(draft, target);
    };
    if (replacing) withExclusiveSqlite(target, IN_USE_WAIT_MS, swap);
    else swap();
    restored = true;
    fsyncFile(config.dataDir);
    const pending = report.pending.length > 0 ? `; ${report.pending.length} migration(s) will be applied when a server starts on it` : '';
    return `restored ${source} into ${target} (${report.applied.length} migrations${pending}). Start tessera with the same server key.`;
  } catch (error) {
    if (error instanceof SqliteInUseError) {
      throw new Error(`a process is using ${target} (a tessera server?): stop every process on this data directory, then restore again; nothing was changed`, {
        cause: error,
      });
    }
    throw error;
  } finally {
    rmSync(draft, { force: true });
    removeSqliteSidecars(draft);
    if (!restored && createdDir !== undefined) rmSync(createdDir, { recursive: true, force: true });
  }
}
