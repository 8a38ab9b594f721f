import { AppError } from '../core/errors.js';
import { FOREIGN_FORMATS, importedKeyOf } from '../core/foreign-key-record.js';
import { accountFromExport, tokenFromExport, type ExportLine } from '../core/token-export.js';
import type { MembershipRecord, TeamRecord, UserRecord } from '../core/account.js';
import type { ImportCounts, ImportItem, ImportPlacement, ImportService } from '../service/import-service.js';
import type { AccountStore } from '../store/account-store.js';
import { csvRecords, jsonLinesRecords, looksLikeJsonLines, type SourceRecord } from './import-source.js';

export const IMPORT_FORMATS = ['tessera', ...FOREIGN_FORMATS] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export interface ImportFileOptions {
  path: string;
  format: ImportFormat;
  dryRun: boolean;
  /** Import the good records and list the bad; else a bad record stops the import before anything is written. */
  skipInvalid: boolean;
  /** Foreign keys: whose they are (unless a record's owner names a user here) and which team's. */
  owner?: string;
  team?: string;
  /** Told how many records are done, of how many, as the writing goes. */
  onProgress?: (done: number, total: number) => void;
}

export interface BadRecord {
  line: number;
  problem: string;
}

export interface ImportFileReport extends ImportCounts {
  /** The first bad records, by line (all are counted in `refused`). */
  bad: BadRecord[];
  /** False when bad records stopped the import: nothing was written. */
  written: boolean;
  users: number;
  teams: number;
  notes: string[];
}

/**
 * Records per write, one transaction each. On SQLite a commit writes every index page the
 * transaction touched, and the digest index's inserts land all over it: a million keys took 31 s
 * in transactions of 5000, 15 s in transactions of 50 000 (better-sqlite3 alone). A server beside
 * the import waits for each, about a second at a million rows (busy_timeout gives it 5).
 */
const BATCH = 50_000;
const MAX_LISTED = 100;

/** A record checked: the item to write (null when only checking), an account of an export, or what is wrong. */
type Checked = { line: number; item: ImportItem | null } | { line: number; account: ExportLine } | { line: number; problem: string };

/**
 * `tessera import`: reads the file twice, streaming both times. The first pass checks every record
 * (and keeps the accounts of a tessera export, which are few); only when none is bad, or
 * `skipInvalid` is given, the second writes, BATCH records to a transaction.
 */
export async function importFile(deps: { importer: ImportService; accounts: AccountStore }, options: ImportFileOptions): Promise<ImportFileReport> {
  const report: ImportFileReport = { imported: 0, skipped: 0, refused: 0, bad: [], written: false, users: 0, teams: 0, notes: [] };
  const placement = await placementFor(deps.importer, options);
  const accounts: ExportLine[] = [];
  let total = 0;
  for await (const checked of checkedRecords(deps.importer, options, placement, true)) {
    if ('problem' in checked) {
      report.refused++;
      if (report.bad.length < MAX_LISTED) report.bad.push({ line: checked.line, problem: checked.problem });
    } else if ('account' in checked) accounts.push(checked.account);
    else total++;
  }
  if (report.refused > 0 && !options.skipInvalid) return report;
  const created = await createAccounts(deps.accounts, accounts, options.dryRun);
  Object.assign(report, created);
  let batch: ImportItem[] = [];
  let done = 0;
  const seen = options.dryRun ? new Set<string>() : undefined;
  const flush = async () => {
    const outcomes = await deps.importer.write(batch, { dryRun: options.dryRun });
    for (const [i, outcome] of outcomes.entries()) {
      // A dry run writes nothing, so a digest met in an earlier batch is only known here.
      const digest = seen && batch[i]!.token.digest.toString('base64url');
      if (outcome.status === 'imported' && (!seen || !seen.has(digest!))) report.imported++;
      else report.skipped++;
      if (seen) seen.add(digest!);
    }
    done += batch.length;
    batch = [];
    options.onProgress?.(done, total);
  };
  options.onProgress?.(0, total);
  for await (const checked of checkedRecords(deps.importer, options, placement, false)) {
    if (!('item' in checked) || checked.item === null) continue;
    batch.push(checked.item);
    if (batch.length >= BATCH) await flush();
  }
  if (batch.length > 0) await flush();
  report.written = !options.dryRun;
  return report;
}

async function placementFor(importer: ImportService, options: ImportFileOptions): Promise<ImportPlacement | undefined> {
  if (options.format === 'tessera') {
    if (options.owner !== undefined || options.team !== undefined)
      throw new AppError('VALIDATION_ERROR', 'a tessera export keeps its owners and teams: leave out --owner and --team');
    return undefined;
  }
  if (options.owner === undefined)
    throw new AppError('VALIDATION_ERROR', 'give --owner <user id>: the user the imported keys belong to (unless a record names one)');
  const team = options.team === undefined ? null : options.team.startsWith('team_') ? { id: options.team } : { slug: options.team };
  return importer.placement(options.owner, team);
}

/** The file's records, each checked; `checkOnly` skips building tokens for the records that pass. */
async function* checkedRecords(
  importer: ImportService,
  options: ImportFileOptions,
  placement: ImportPlacement | undefined,
  checkOnly: boolean,
): AsyncGenerator<Checked> {
  const { format, path } = options;
  const json = format === 'jsonl' || format === 'tessera' || (format !== 'csv' && (await looksLikeJsonLines(path)));
  const records: AsyncIterable<SourceRecord> = json ? jsonLinesRecords(path) : csvRecords(path);
  let first = true;
  for await (const record of records) {
    const { line } = record;
    if ('problem' in record) {
      yield record;
      continue;
    }
    if (format === 'tessera') {
      const isFirst = first;
      first = false;
      const { row } = record;
      if (isFirst !== (row.kind === 'header')) {
        yield { line, problem: isFirst ? 'the first line must be the header of a tessera export (kind "header")' : 'a second header' };
        continue;
      }
      if (row.kind === 'token') {
        const token = tokenFromExport(row.token);
        if (typeof token === 'string') yield { line, problem: token };
        // Another system's keys that the source had imported stay foreign here.
        else yield { line, item: { token, foreign: token.origin === 'import' } };
        continue;
      }
      const account = accountFromExport(row);
      yield typeof account === 'string' ? { line, problem: account } : { line, account };
      continue;
    }
    const parsed = importedKeyOf(format, record.row);
    if ('problem' in parsed) yield { line, problem: parsed.problem };
    else if (checkOnly) yield { line, item: null };
    else yield { line, item: await importer.tokenOf(parsed.key, placement!) };
  }
}

/**
 * The users, teams and memberships of a tessera export that this store lacks. A user whose name
 * another user here has, or a team whose slug another team has, is made with its id's last 6
 * characters added, and said so in the notes.
 */
async function createAccounts(
  accounts: AccountStore,
  lines: readonly ExportLine[],
  dryRun: boolean,
): Promise<{ users: number; teams: number; notes: string[] }> {
  const notes: string[] = [];
  let users = 0;
  let teams = 0;
  const memberships = lines.flatMap((l) => (l.kind === 'membership' ? [l.membership] : []));
  for (const line of lines) {
    if (line.kind !== 'user' || (await accounts.findUser(line.user.id))) continue;
    users++;
    if (dryRun) continue;
    const user: Omit<UserRecord, 'numId' | 'disabledAt'> = {
      id: line.user.id,
      name: line.user.name,
      email: line.user.email,
      role: line.user.role,
      createdAt: line.user.createdAt,
    };
    try {
      await accounts.createUser(user);
    } catch (error) {
      if (!(error instanceof AppError) || (error.code !== 'USER_NAME_TAKEN' && error.code !== 'CONFLICT')) throw error;
      const name = `${user.name}-${user.id.slice(-6)}`;
      await accounts.createUser({ ...user, name, email: null });
      notes.push(`user ${user.id}: the name ${user.name} (or its email) is taken here, so it is ${name}`);
    }
    if (typeof line.user.disabledAt === 'number') await accounts.setUserDisabled(user.id, line.user.disabledAt, Date.now());
  }
  for (const line of lines) {
    if (line.kind !== 'team' || (await accounts.findTeam({ id: line.team.id }))) continue;
    teams++;
    if (dryRun) continue;
    const members = memberships.filter((m) => m.teamId === line.team.id);
    const owner = members.find((m) => m.role === 'owner');
    if (!owner) {
      notes.push(`team ${line.team.id}: the export names no owner, so it was not made`);
      continue;
    }
    await createTeam(accounts, line.team, owner, notes);
    for (const member of members) if (member !== owner) await addMember(accounts, member);
  }
  return { users, teams, notes };
}

async function createTeam(accounts: AccountStore, team: TeamRecord, owner: MembershipRecord, notes: string[]): Promise<void> {
  try {
    await accounts.createTeam(team, owner);
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== 'CONFLICT') throw error;
    const slug = `${team.slug}-${team.id.slice(-6)}`;
    await accounts.createTeam({ ...team, slug }, owner);
    notes.push(`team ${team.id}: the slug ${team.slug} is taken here, so it is ${slug}`);
  }
}

async function addMember(accounts: AccountStore, member: MembershipRecord): Promise<void> {
  try {
    await accounts.addMember(member);
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== 'CONFLICT') throw error;
  }
}
