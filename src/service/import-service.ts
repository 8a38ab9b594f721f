import { userNameKey } from '../core/account.js';
import { AppError } from '../core/errors.js';
import { importedKeyOf, type ImportedKey } from '../core/foreign-key-record.js';
import { newId } from '../core/ids.js';
import { newTokenRecord, tokenFields } from '../core/issue-token.js';
import type { TokenRecord } from '../core/token.js';
import type { AccountStore } from '../store/account-store.js';
import type { ForeignKeys } from './foreign-keys.js';
import type { TokenStore } from '../store/token-store.js';
import type { AccessPolicy } from './access-policy.js';
import type { AuditService } from './audit-service.js';
import type { CallContext } from './principal.js';
import type { Runtime } from './runtime.js';

/** A token ready to write, and whether it is another system's key (which verification looks up only where such keys exist). */
export interface ImportItem {
  token: TokenRecord;
  foreign: boolean;
}

export type ImportOutcome = { status: 'imported'; id: string } | { status: 'skipped'; id: string };

export type BatchAnswer =
  | { refused: Array<{ index: number; reason: string }> }
  | { dryRun: boolean; imported: number; skipped: number; results: Array<ImportOutcome & { index: number }> };

/** Whose imported foreign keys are, and in which team. */
export interface ImportPlacement {
  ownerUserId: string;
  teamId: string | null;
}

export interface ImportCounts {
  imported: number;
  skipped: number;
  refused: number;
}

/**
 * The write side of an import, shared by `tessera import` and POST /v1/tokens/import: turns
 * another system's keys into tokens, writes a batch skipping what exists (by id, and by digest),
 * and marks the installation as holding foreign keys once one is written.
 */
export class ImportService {
  readonly #users = new Map<string, boolean>();
  #foreignClaimed = false;

  constructor(
    private readonly deps: {
      tokens: TokenStore;
      accounts: AccountStore;
      /** Where it is recorded, for every node, that imported keys exist: before the first foreign key is written. */
      foreignKeys: Pick<ForeignKeys, 'claim'>;
      audit: Pick<AuditService, 'record'>;
      runtime: Runtime;
      /** For the API's batches: admins only. */
      access?: Pick<AccessPolicy, 'requireAdmin'>;
      /** Every node drops cached answers (a negative one for an imported digest): the live server's change feed. */
      changes?: { publish(tokens: readonly TokenRecord[]): Promise<void> };
    },
  ) {}

  /** The placement, checked: the owner must be a user (by id, or by name) and the team a team. */
  async placement(owner: string, team: { id: string } | { slug: string } | null): Promise<ImportPlacement> {
    const ownerUserId = (await this.#isUser(owner)) ? owner : await this.#userNamed(owner);
    if (ownerUserId === undefined) throw new AppError('USER_NOT_FOUND', `no user ${owner} (give a user id or name)`);
    if (team === null) return { ownerUserId, teamId: null };
    const found = await this.deps.accounts.findTeam(team);
    if (!found) throw new AppError('NOT_FOUND', `no team ${'id' in team ? team.id : team.slug}`);
    return { ownerUserId, teamId: found.id };
  }

  /**
   * The token for a foreign key: origin `import`, owned by the key's owner when that names a user
   * here, else by the placement's owner (the source's owner then kept in metadata.importedOwner).
   */
  async tokenOf(key: ImportedKey, placement: ImportPlacement): Promise<ImportItem> {
    const now = this.deps.runtime.now();
    const ownHere = key.owner !== null && (await this.#isUser(key.owner));
    const metadata =
      key.owner === null || ownHere || Object.values(key.metadata).includes(key.owner) ? key.metadata : { ...key.metadata, importedOwner: key.owner };
    const fields = tokenFields({
      name: key.name,
      type: key.type,
      origin: 'import',
      ownerUserId: ownHere ? key.owner! : placement.ownerUserId,
      teamId: placement.teamId,
      scopes: key.scopes,
      environment: key.environment,
      projects: key.projects,
      metadata,
      expiresAt: key.expiresAt,
      credits: key.credits,
      creditsActive: key.credits !== null,
      rateLimits: key.rateLimits,
      disabledAt: key.disabled ? now : null,
    });
    const token = newTokenRecord(fields, {
      id: newId('tok', now, this.deps.runtime.randomBytes),
      digest: key.digest,
      prefix: key.prefix,
      suffix: key.suffix,
      createdAt: key.createdAt ?? now,
      updatedAt: now,
      activeAt: key.activeAt,
    });
    return { token, foreign: key.foreign };
  }

  /**
   * Writes the items in one transaction, skipping each whose id or digest a token has (the one it
   * has is the answer) and each that repeats a digest earlier in the batch. With `dryRun`, decides
   * the same and writes nothing.
   */
  async write(items: readonly ImportItem[], options: { dryRun: boolean }): Promise<ImportOutcome[]> {
    const byDigest = await this.deps.tokens.idsByDigest(items.map((item) => item.token.digest));
    const ids = await this.deps.tokens.existingIds(items.map((item) => item.token.id));
    const outcomes: ImportOutcome[] = [];
    const fresh: ImportItem[] = [];
    for (const item of items) {
      const digest = item.token.digest.toString('hex');
      const existing = ids.has(item.token.id) ? item.token.id : byDigest.get(digest);
      if (existing !== undefined) {
        outcomes.push({ status: 'skipped', id: existing });
        continue;
      }
      byDigest.set(digest, item.token.id);
      ids.add(item.token.id);
      fresh.push(item);
      outcomes.push({ status: 'imported', id: item.token.id });
    }
    if (options.dryRun || fresh.length === 0) return outcomes;
    // Claimed before the keys exist, so no node can hold one it would not look up.
    if (fresh.some((item) => item.foreign)) await this.claimForeignKeys();
    await this.deps.tokens.insertMany(fresh.map((item) => item.token));
    await this.deps.changes?.publish(fresh.map((item) => item.token));
    return outcomes;
  }

  /**
   * POST /v1/tokens/import: up to a thousand keys of the foreign shape, all or nothing. Bad keys
   * are answered by index and nothing is written; else each key is imported or skipped (its digest
   * exists), in one transaction, audited as one event.
   */
  async importBatch(
    ctx: CallContext,
    keys: readonly Record<string, unknown>[],
    options: { dryRun: boolean; ownerUserId?: string; teamId?: string },
  ): Promise<BatchAnswer> {
    if (!this.deps.access) throw new Error('ImportService.importBatch needs an access policy');
    this.deps.access.requireAdmin(ctx.principal);
    this.#users.clear();
    const placement = await this.placement(options.ownerUserId ?? ctx.principal.user.id, options.teamId !== undefined ? { id: options.teamId } : null);
    const parsed = keys.map((row) => importedKeyOf('jsonl', row));
    const refused = parsed.flatMap((result, index) => ('problem' in result ? [{ index, reason: result.problem }] : []));
    if (refused.length > 0) return { refused };
    const items: ImportItem[] = [];
    for (const result of parsed) if ('key' in result) items.push(await this.tokenOf(result.key, placement));
    const outcomes = await this.write(items, { dryRun: options.dryRun });
    const imported = outcomes.filter((o) => o.status === 'imported').length;
    const answer = { dryRun: options.dryRun, imported, skipped: outcomes.length - imported, results: outcomes.map((o, index) => ({ index, ...o })) };
    if (!options.dryRun) await this.audit(ctx, { imported, skipped: answer.skipped, refused: 0 }, { via: 'api', teamId: placement.teamId });
    return answer;
  }

  async claimForeignKeys(): Promise<void> {
    if (this.#foreignClaimed) return;
    await this.deps.foreignKeys.claim();
    this.#foreignClaimed = true;
  }

  /** One audit event for a whole run or batch: its counts and source, never a key. */
  async audit(ctx: CallContext | null, counts: ImportCounts, details: Record<string, unknown>): Promise<void> {
    await this.deps.audit.record(ctx, {
      action: 'token.import',
      targetType: 'installation',
      targetId: 'installation',
      teamId: null,
      subjectUserId: null,
      details: { ...counts, ...details },
    });
  }

  async #userNamed(name: string): Promise<string | undefined> {
    const key = userNameKey(name);
    let cursor: string | undefined;
    do {
      const page = await this.deps.accounts.listUsers({ limit: 500, ...(cursor !== undefined ? { cursor } : {}) });
      const found = page.items.find((user) => userNameKey(user.name) === key);
      if (found) return found.id;
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    return undefined;
  }

  async #isUser(id: string): Promise<boolean> {
    let known = this.#users.get(id);
    if (known === undefined) {
      known = (await this.deps.accounts.findUser(id)) !== undefined;
      if (this.#users.size < 10_000) this.#users.set(id, known);
    }
    return known;
  }
}
