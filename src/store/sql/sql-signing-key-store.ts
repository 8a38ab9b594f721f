import type { Kysely } from 'kysely';
import { byRecency, type SigningKeyRecord, type SigningKeyStore } from '../signing-key-store.js';
import { millis, withConflict } from './driver/conflicts.js';
import type { Database, SigningKeysTable } from './schema.js';

const CURRENT = 'current';

export class SqlSigningKeyStore implements SigningKeyStore {
  constructor(private readonly db: Kysely<Database>) {}

  async list(): Promise<SigningKeyRecord[]> {
    // Few rows (one per rotation): ordered here, the same way as in memory.
    const rows = await this.db.selectFrom('signing_keys').selectAll().execute();
    return rows.map(recordOf).sort(byRecency);
  }

  async addFirst(key: SigningKeyRecord): Promise<void> {
    // The unique index on current_slot refuses a second current key, however close the two inserts.
    await withConflict('a current signing key', () => this.db.insertInto('signing_keys').values(rowOf(key)).execute());
  }

  async rotate(key: SigningKeyRecord): Promise<{ retired: string | null }> {
    return withConflict('a newer signing key', () =>
      this.db.transaction().execute(async (tx) => {
        const retired = await tx
          .updateTable('signing_keys')
          .set({ current_slot: null, retired_at: key.activatedAt })
          .where('current_slot', '=', CURRENT)
          .returning('kid')
          .executeTakeFirst();
        // A concurrent rotation that committed first left no current row to retire here; its new
        // key then makes this insert fail on the unique index: CONFLICT, this transaction undone.
        await tx.insertInto('signing_keys').values(rowOf(key)).execute();
        return { retired: retired?.kid ?? null };
      }),
    );
  }
}

function rowOf(key: SigningKeyRecord): SigningKeysTable {
  if (key.retiredAt !== null) throw new Error('a new signing key is not retired');
  return {
    kid: key.kid,
    alg: key.alg,
    public_jwk: JSON.stringify(key.publicJwk),
    sealed_private_key: key.sealedPrivateKey,
    current_slot: CURRENT,
    created_at: key.createdAt,
    activated_at: key.activatedAt,
    retired_at: null,
  };
}

function recordOf(row: SigningKeysTable): SigningKeyRecord {
  return {
    kid: row.kid,
    alg: row.alg,
    publicJwk: JSON.parse(row.public_jwk) as Record<string, string>,
    sealedPrivateKey: row.sealed_private_key,
    createdAt: millis(row.created_at),
    activatedAt: millis(row.activated_at),
    retiredAt: millis(row.retired_at),
  };
}
