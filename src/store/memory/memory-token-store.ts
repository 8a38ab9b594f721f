import { AppError } from '../../core/errors.js';
import { isEdgeClientOwner } from '../../core/unleash-edge-token.js';
import { tokenStatus, type TokenRecord } from '../../core/token.js';
import type { Page } from '../page.js';
import { foldAscii, type TokenListQuery, type TokenPatch, type TokenRotation, type TokenStore, type TokenUse } from '../token-store.js';
import { paginate } from './paginate.js';

const EDENAI_ORIGIN = 'edenai';

/** The in-memory fake: the contract suite holds it to the same behaviour as the SQL stores. */
export class MemoryTokenStore implements TokenStore {
  readonly #byId = new Map<string, StoredToken>();
  readonly #idByDigest = new Map<string, string>();
  /** The memory credit store's part of a rotation (moving open reservations), done in the same step. */
  #onRotate: (oldId: string, newId: string) => void = () => {};
  /** The memory account store's users, as the SQL stores read `users`: none until `ownersFrom` is called. */
  #owner: OwnerLookup = () => undefined;

  /** Called by the memory stores' factory with the account store's users, which a token's insert checks its owner against. */
  ownersFrom(lookup: OwnerLookup): void {
    this.#owner = lookup;
  }

  async insert(token: TokenRecord): Promise<void> {
    // Read and written in one step (nothing awaits in between), as SQL reads the owner's row locked.
    const owner = this.#ownerOf(token.ownerUserId);
    if (!owner) throw new AppError('USER_NOT_FOUND', 'no such user: a token is stored only for an owner who exists');
    this.#put({ ...token, ownerDisabledAt: owner.disabledAt });
  }

  #ownerOf(ownerUserId: string): { disabledAt: number | null } | undefined {
    return isEdgeClientOwner(ownerUserId) ? { disabledAt: null } : this.#owner(ownerUserId);
  }

  #put(token: TokenRecord): void {
    const digest = token.digest.toString('hex');
    if (this.#byId.has(token.id) || this.#idByDigest.has(digest)) throw new AppError('CONFLICT', 'token exists');
    this.#assertEdenaiNameFree(token, token.name);
    this.#byId.set(token.id, structuredClone(token));
    this.#idByDigest.set(digest, token.id);
  }

  /** As in SQL (bulk-token-insert.ts), an import's tokens are stored as they come: their owners are not checked. */
  async insertMany(tokens: readonly TokenRecord[]): Promise<number> {
    let inserted = 0;
    for (const token of tokens) {
      try {
        this.#put(token);
        inserted++;
      } catch (error) {
        if (!(error instanceof AppError && error.code === 'CONFLICT')) throw error;
      }
    }
    return inserted;
  }

  async idsByDigest(digests: readonly Buffer[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const digest of digests) {
      const id = this.#idByDigest.get(digest.toString('hex'));
      if (id !== undefined) found.set(digest.toString('hex'), id);
    }
    return found;
  }

  async existingIds(ids: readonly string[]): Promise<Set<string>> {
    return new Set(ids.filter((id) => this.#byId.has(id)));
  }

  async findById(id: string): Promise<TokenRecord | undefined> {
    const token = this.#byId.get(id);
    return token && copy(token);
  }

  async findByDigest(digest: Buffer): Promise<TokenRecord | undefined> {
    const id = this.#idByDigest.get(digest.toString('hex'));
    return id === undefined ? undefined : this.findById(id);
  }

  async list(query: TokenListQuery): Promise<Page<TokenRecord>> {
    const matching = [...this.#byId.values()].filter(
      (t) =>
        (query.ownerUserId === undefined || t.ownerUserId === query.ownerUserId) &&
        (query.teamId === undefined || t.teamId === query.teamId) &&
        (query.type === undefined || t.type === query.type) &&
        (query.excludeType === undefined || t.type !== query.excludeType) &&
        (query.personalOf === undefined || t.type !== 'personal' || t.ownerUserId === query.personalOf) &&
        (query.resource === undefined || (t.resource?.kind === query.resource.kind && t.resource.id === query.resource.id)) &&
        (query.namePrefix === undefined || foldAscii(t.name).startsWith(foldAscii(query.namePrefix))) &&
        (query.status === undefined || tokenStatus(t, query.now) === query.status),
    );
    const page = paginate(matching, query);
    return { ...page, items: page.items.map(copy) };
  }

  async update(id: string, patch: TokenPatch, updatedAt: number): Promise<TokenRecord | undefined> {
    const token = this.#byId.get(id);
    if (!token) return undefined;
    if (patch.name !== undefined) this.#assertEdenaiNameFree(token, patch.name);
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    Object.assign(token, structuredClone(defined), { updatedAt });
    return copy(token);
  }

  async revoke(id: string, at: number): Promise<TokenRecord | undefined> {
    const token = this.#byId.get(id);
    if (!token) return undefined;
    if (token.revokedAt === null || token.revokedAt > at) {
      token.revokedAt = at;
      token.updatedAt = at;
    }
    return copy(token);
  }

  async setDisabled(id: string, at: number | null, updatedAt: number): Promise<TokenRecord | undefined> {
    const token = this.#byId.get(id);
    if (!token) return undefined;
    if ((at === null) !== (token.disabledAt === null)) Object.assign(token, { disabledAt: at, updatedAt });
    return copy(token);
  }

  /** The account store's half of setUserDisabled: the user's suspension on each of their tokens; the ids of those it changed. */
  setOwnerDisabled(ownerUserId: string, at: number | null, updatedAt: number): string[] {
    const changed = [...this.#byId.values()].filter((t) => t.ownerUserId === ownerUserId && (at === null) !== (t.ownerDisabledAt === null));
    for (const token of changed) Object.assign(token, { ownerDisabledAt: at, updatedAt });
    return changed.map((token) => token.id);
  }

  async findByIds(ids: readonly string[]): Promise<TokenRecord[]> {
    return [...new Set(ids)].sort().flatMap((id) => {
      const token = this.#byId.get(id);
      return token ? [copy(token)] : [];
    });
  }

  /** The account store's half of deleteUser: revokes at `at` each token of the user not revoked by then; the ids of those it changed. */
  revokeOwned(ownerUserId: string, at: number): string[] {
    const changed = [...this.#byId.values()].filter((t) => t.ownerUserId === ownerUserId && (t.revokedAt === null || t.revokedAt > at));
    for (const token of changed) Object.assign(token, { revokedAt: at, updatedAt: at });
    return changed.map((token) => token.id);
  }

  async rotate(read: Pick<TokenRecord, 'id' | 'updatedAt'>, revokeOldAt: number, now: number, replacement: TokenRecord): Promise<TokenRotation> {
    const oldId = read.id;
    const old = this.#byId.get(oldId);
    const owner = this.#ownerOf(replacement.ownerUserId);
    if (!owner || !old || old.revokedAt !== null) return 'retired';
    if (old.updatedAt !== read.updatedAt) return 'changed';
    // The old token is retired first, as in SQL: its name is then free for the replacement.
    const { updatedAt } = old;
    Object.assign(old, { revokedAt: revokeOldAt, updatedAt: now });
    try {
      this.#put({ ...replacement, credits: replacement.credits === null ? null : old.credits, ownerDisabledAt: owner.disabledAt });
    } catch (error) {
      Object.assign(old, { revokedAt: null, updatedAt });
      throw error;
    }
    if (replacement.credits !== null) old.credits = 0n;
    this.#onRotate(oldId, replacement.id);
    return 'rotated';
  }

  async markLeaked(id: string, at: number, url: string | null): Promise<{ token: TokenRecord; marked: boolean } | undefined> {
    const token = this.#byId.get(id);
    if (!token) return undefined;
    const marked = token.leakedAt === null;
    if (marked) Object.assign(token, { leakedAt: at, leakedUrl: url, updatedAt: at });
    return { token: copy(token), marked };
  }

  /** Called by the memory credit store, which holds the reservations a rotation moves. */
  onRotate(move: (oldId: string, newId: string) => void): void {
    this.#onRotate = move;
  }

  async delete(id: string): Promise<boolean> {
    const token = this.#byId.get(id);
    if (!token) return false;
    this.#byId.delete(id);
    this.#idByDigest.delete(token.digest.toString('hex'));
    return true;
  }

  /**
   * The SQL stores' index tokens_edenai_name: an Eden AI token's name is its address in its team,
   * or else its owner's tokens, among those not revoked.
   */
  #assertEdenaiNameFree(token: TokenRecord, name: string): void {
    if (token.origin !== EDENAI_ORIGIN || token.revokedAt !== null) return;
    const namespace = token.teamId ?? token.ownerUserId;
    for (const other of this.#byId.values()) {
      const live = other.revokedAt === null;
      if (live && other.id !== token.id && other.origin === EDENAI_ORIGIN && other.name === name && (other.teamId ?? other.ownerUserId) === namespace) {
        throw new AppError('CONFLICT', 'token exists');
      }
    }
  }

  /** The stored record itself, for the memory credit store's in-place balance changes. */
  live(id: string): StoredToken | undefined {
    return this.#byId.get(id);
  }

  /** Every stored record itself, for memory stores that must decide over many tokens without awaiting. */
  records(): IterableIterator<StoredToken> {
    return this.#byId.values();
  }

  async recordUses(uses: readonly TokenUse[]): Promise<void> {
    for (const use of uses) {
      const token = this.#byId.get(use.id);
      if (!token) continue;
      token.useCount += use.count;
      if (token.activeAt === null || token.activeAt < use.at) token.activeAt = use.at;
    }
  }
}

/** A user as a token's insert reads them: undefined when there is no such user. */
export type OwnerLookup = (userId: string) => { disabledAt: number | null } | undefined;

/** A record as this fake keeps it: changed in place, and only ever handed out as a copy. */
type StoredToken = { -readonly [K in keyof TokenRecord]: TokenRecord[K] };

function copy(token: TokenRecord): StoredToken {
  return { ...structuredClone(token), digest: Buffer.from(token.digest) };
}
