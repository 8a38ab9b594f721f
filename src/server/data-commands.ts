import { createWriteStream, existsSync, renameSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { once } from 'node:events';
import { progressBar, progressLine, ProgressPace } from './progress.js';
import { AccessPolicy } from '../service/access-policy.js';
import { AuditService } from '../service/audit-service.js';
import { ImportService } from '../service/import-service.js';
import { ForeignKeys } from '../service/foreign-keys.js';
import { systemRuntime } from '../service/runtime.js';
import { openStores } from '../store/open-stores.js';
import type { Stores } from '../store/stores.js';
import { requireExistingStore } from './existing-store.js';
import { exportStore } from './export-file.js';
import { importFile, IMPORT_FORMATS, type ImportFileReport, type ImportFormat } from './import-file.js';
import { looksLikeJsonLines } from './import-source.js';
import { KEY_FINGERPRINT_SETTING } from './key-fingerprint.js';
import { describeStore, type ServerConfig } from './server-config.js';

/** The SQLite page cache of an import's connection: a million tokens' indexes stay in memory while they grow. */
export const IMPORT_SQLITE_CACHE_MB = 256;

export interface ImportFlags {
  format?: string;
  dryRun?: boolean;
  skipInvalid?: boolean;
  team?: string;
  owner?: string;
}

/** The import's service over the stores, auditing as the system (no actor): an offline command has no caller. */
export function importerFor(stores: Stores): ImportService {
  const runtime = systemRuntime;
  const access = new AccessPolicy({ accounts: stores.accounts, edgeConfigs: stores.edgeConfigs });
  const audit = new AuditService({ audit: stores.audit, access, runtime, accounts: stores.accounts, tokens: stores.tokens });
  return new ImportService({
    tokens: stores.tokens,
    accounts: stores.accounts,
    foreignKeys: new ForeignKeys({ settings: stores.settings }, { refreshMs: 0 }),
    audit,
    runtime,
  });
}

/** A tessera export says so on its first line; else CSV by its look or name, else JSON Lines. */
async function formatOf(path: string, given: string | undefined): Promise<ImportFormat> {
  if (given !== undefined) {
    if (!(IMPORT_FORMATS as readonly string[]).includes(given)) throw new Error(`--format must be one of ${IMPORT_FORMATS.join(', ')}`);
    return given as ImportFormat;
  }
  const { createReadStream } = await import('node:fs');
  const { createInterface } = await import('node:readline');
  for await (const line of createInterface({ input: createReadStream(path, { encoding: 'utf8' }) })) {
    if (line.trim() === '') continue;
    if (/^\{\s*"kind"\s*:\s*"header"/.test(line)) return 'tessera';
    break;
  }
  return (await looksLikeJsonLines(path)) ? 'jsonl' : 'csv';
}

/** Progress on stderr: a bar redrawn in place on a terminal, a line now and then in a log. */
function progressReporter(label: string): (done: number, total: number) => void {
  const tty = process.stderr.isTTY === true;
  const pace = new ProgressPace(tty);
  const started = performance.now();
  return (done, total) => {
    const state = { done, total, elapsedMs: performance.now() - started };
    if (!pace.due(state, performance.now()) && done < total) return;
    if (tty) process.stderr.write(`\r${progressBar(state)}${done >= total ? '\n' : ''}`);
    else process.stderr.write(`${progressLine(label, state)}\n`);
  };
}

function summary(report: ImportFileReport, dryRun: boolean): string {
  const counts = `imported ${report.imported}, skipped ${report.skipped} (already there), refused ${report.refused}`;
  const accounts = report.users + report.teams > 0 ? `; users ${report.users}, teams ${report.teams} ${dryRun ? 'to make' : 'made'}` : '';
  if (!report.written && !dryRun) return `nothing imported: ${report.refused} bad record(s); fix them, or pass --skip-invalid to import the others`;
  return `${dryRun ? 'dry run, nothing written: would have ' : ''}${counts}${accounts}`;
}

export async function importCommand(config: ServerConfig, path: string, flags: ImportFlags): Promise<void> {
  const format = await formatOf(path, flags.format);
  requireExistingStore(
    config,
    ". A new installation's store is made first: by `tessera migrate` (for a tessera export, whose users come with it) or a first `tessera serve` (an admin for --owner)",
  );
  const stores = await openStores({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, sqliteCacheMb: IMPORT_SQLITE_CACHE_MB });
  try {
    const importer = importerFor(stores);
    const report = await importFile(
      { importer, accounts: stores.accounts },
      {
        path,
        format,
        dryRun: flags.dryRun === true,
        skipInvalid: flags.skipInvalid === true,
        ...(flags.owner !== undefined ? { owner: flags.owner } : {}),
        ...(flags.team !== undefined ? { team: flags.team } : {}),
        onProgress: progressReporter('import'),
      },
    );
    for (const bad of report.bad) console.error(`${path}:${bad.line}: ${bad.problem}`);
    if (report.refused > report.bad.length) console.error(`… and ${report.refused - report.bad.length} more bad record(s)`);
    for (const note of report.notes) console.error(`note: ${note}`);
    if (report.written)
      await importer.audit(null, { imported: report.imported, skipped: report.skipped, refused: report.refused }, { via: 'cli', format, file: path });
    console.log(`${describeStore(config)}: ${summary(report, flags.dryRun === true)}`);
    if (!report.written && flags.dryRun !== true) process.exitCode = 1;
  } finally {
    await stores.close();
  }
}

/** Where `--out` is written: refused when it exists unless `force`, as `tessera backup` refuses. */
function exportTarget(out: string, force: boolean): string {
  const target = resolve(out);
  if (existsSync(target) && !force) throw new Error(`${target} exists: give another path, or --force to replace it`);
  if (!existsSync(dirname(target))) throw new Error(`the directory of ${target} does not exist: create it first`);
  return target;
}

export async function exportCommand(config: ServerConfig, flags: { team?: string; out?: string; force?: boolean }): Promise<void> {
  requireExistingStore(config);
  const target = flags.out === undefined ? undefined : exportTarget(flags.out, flags.force === true);
  const stores = await openStores({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  // Digests and users: a new file of the owner's only ('wx': never one left by someone else), renamed
  // over the target when whole, so a replaced file does not keep its old mode and a failed export leaves it as it was.
  const draft = target === undefined ? undefined : `${target}.partial-${process.pid}`;
  try {
    // Read, never claimed: an export names the key the store was served with, if it was.
    const serverKeyFingerprint = (await stores.settings.read(KEY_FINGERPRINT_SETTING)) ?? null;
    const out = draft === undefined ? process.stdout : createWriteStream(draft, { mode: 0o600, flags: 'wx' });
    const counts = await exportStore(
      stores,
      { ...(flags.team !== undefined ? { team: flags.team } : {}), now: Date.now(), serverKeyFingerprint },
      async (line) => {
        if (!out.write(line)) await once(out, 'drain');
      },
    );
    if (out !== process.stdout) {
      out.end();
      await once(out, 'finish');
      renameSync(draft!, target!);
    }
    console.error(
      `exported ${counts.tokens} tokens, ${counts.users} users, ${counts.teams} teams, ${counts.memberships} memberships from ${describeStore(config)}`,
    );
  } finally {
    if (draft !== undefined) rmSync(draft, { force: true });
    await stores.close();
  }
}
