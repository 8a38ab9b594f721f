import type { ResourceRef, TokenRecord, TokenStatus } from '../core/token.js';
import type { Page, PageQuery } from './page.js';

export interface TokenListQuery extends PageQuery {
  ownerUserId?: string;
  /** A team's tokens; `null` for tokens that belong to no team. */
  teamId?: string | null;
  type?: string;
  /** Every type but this one (a verifier's snapshot leaves out personal tokens). */
  excludeType?: string;
  /** Of personal tokens, only those of this user (a team listing hides teammates' credentials). */
  personalOf?: string;
  resource?: ResourceRef;
  status?: TokenStatus;
  /**
   * Tokens whose name starts with this, ASCII letters in either case, every other character
   * exactly (foldAscii): a prefix is what an index on the folded name answers
   * (tokens_team_folded_name, tokens_owner_folded_name); a substring, or a fold the databases
   * do not share, would read every row of the caller's listing.
   */
  namePrefix?: string;
  /** The instant `status` is judged at. */
  now: number;
}

export type TokenPatch = Partial<
  Pick<TokenRecord, 'name' | 'scopes' | 'expiresAt' | 'metadata' | 'ipAllowlist' | 'environment' | 'projects' | 'creditsActive' | 'refill' | 'rateLimits'>
>;

/** A token's uses since the last batch: how many, and when the latest was. */
export interface TokenUse {
  id: string;
  at: number;
  count: number;
}

/** What `rotate` did: see there. */
export type TokenRotation = 'rotated' | 'changed' | 'retired';

/** How often a rotation reads the token again after 'changed' before it gives up. */
export const ROTATE_ATTEMPTS = 3;

export interface TokenStore {
  /**
   * Throws AppError CONFLICT when the id or digest exists, or when the token is an Eden AI one
   * (origin `edenai`) with the name of another Eden AI token not revoked in its namespace: its
   * team when it has one, else its owner. (A rotation retires the old token first, so its
   * replacement keeps the name.) Eden AI addresses custom tokens by name, and only the store can keep
   * a name unique against creates that run at once (in SQL, the index tokens_edenai_name).
   *
   * The owner's user row is read in the insert's transaction, locked against its change: throws
   * AppError USER_NOT_FOUND, storing nothing, when there is no such user, and the token is stored
   * with the user's `disabledAt` as its `ownerDisabledAt`, whatever the record says. So a token
   * stored while its owner is deleted or disabled (AccountStore) is either refused or born
   * disabled, or is there for the deletion to revoke and the suspension to mark: never live for
   * an owner who is gone or disabled. An Unleash Edge client's tokens (isEdgeClientOwner) have no
   * user row and are stored unchecked.
   */
  insert(token: TokenRecord): Promise<void>;
  /**
   * A bulk import's write: the tokens in one transaction, each one's uses too when it has any. A
   * token whose id, digest or Eden AI name is taken already is skipped, not an error (a re-run of
   * an import, or a race with another writer). Returns how many it inserted. Unlike `insert`, it
   * does not read the owners: the tokens are stored as given, and the import checks them (a user
   * deleted or disabled during an import is not caught here).
   */
  insertMany(tokens: readonly TokenRecord[]): Promise<number>;
  /** Of these digests, those some token has: hex digest → that token's id. */
  idsByDigest(digests: readonly Buffer[]): Promise<Map<string, string>>;
  /** Of these ids, those that exist. */
  existingIds(ids: readonly string[]): Promise<Set<string>>;
  findById(id: string): Promise<TokenRecord | undefined>;
  findByDigest(digest: Buffer): Promise<TokenRecord | undefined>;
  /** Newest first. */
  list(query: TokenListQuery): Promise<Page<TokenRecord>>;
  /** Throws AppError CONFLICT, changing nothing, when a new name breaks insert's rule for Eden AI names. */
  update(id: string, patch: TokenPatch, updatedAt: number): Promise<TokenRecord | undefined>;
  /** Sets revokedAt to `at` unless it is already revoked at or before `at`. */
  revoke(id: string, at: number): Promise<TokenRecord | undefined>;
  /**
   * Suspends the token itself from `at`, or resumes it (null), leaving its owner's suspension as
   * it is. A second suspension keeps the first time and changes nothing. Undefined when no such token.
   */
  setDisabled(id: string, at: number | null, updatedAt: number): Promise<TokenRecord | undefined>;
  /** The tokens with these ids that exist, in the order of their ids. */
  findByIds(ids: readonly string[]): Promise<TokenRecord[]>;
  /**
   * In one transaction: schedules the old token's revocation at `revokeOldAt` and inserts
   * the replacement — only if the old token is still as `old` read it (the same `updatedAt`) and
   * neither revoked nor rotated already (its revocation scheduled). The replacement copies the old
   * token's grant, so a suspension or a narrowing committed since the read must not be undone:
   * 'changed' then, and the caller reads the token again. 'retired' when it is revoked, rotated
   * or gone, so a token has one successor at most, or when its owner is gone (deleteUser revokes
   * a user's tokens, so only an imported token can be live without its owner). The replacement
   * is stored as `insert` stores a token: with its owner's suspension as the owner's row has it. Either way nothing changes. A balance moves
   * to the replacement as it stands, leaving the old token 0, and so do the old token's open
   * reservations: what they refund later goes to the replacement, never to the retired secret.
   */
  rotate(old: Pick<TokenRecord, 'id' | 'updatedAt'>, revokeOldAt: number, now: number, replacement: TokenRecord): Promise<TokenRotation>;
  delete(id: string): Promise<boolean>;
  /**
   * Marks the token leaked at `at`, seen at `url`, unless a leak was marked already: the first
   * report is the one kept, so reporting a leak again changes nothing. `marked` says whether this
   * call marked it; undefined when there is no such token.
   */
  markLeaked(id: string, at: number, url: string | null): Promise<{ token: TokenRecord; marked: boolean } | undefined>;
  /**
   * Adds each use's count to its token's useCount and moves its activeAt forward to `at`
   * (never backward), all in one transaction; unknown ids are ignored. Each id comes at most
   * once in a batch (UsageRecorder keeps one entry per token): the SQL stores upsert the batch
   * in one statement, and PostgreSQL refuses one that meets a row twice.
   */
  recordUses(uses: readonly TokenUse[]): Promise<void>;
}

/** `text` with A–Z lowered and nothing else changed: what SQLite's lower() does, and PostgreSQL's in collation "C". */
export function foldAscii(text: string): string {
  return text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}
