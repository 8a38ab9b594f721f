import type { Kysely, Transaction } from 'kysely';
import { TurnQueue } from '../../../lib/turn.js';

type Work<DB> = (db: Kysely<DB> | Transaction<DB>) => Promise<unknown>;

interface Queued<DB> {
  work: Work<DB>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * Group commit for short writes on SQLite: the writes asked for in one turn of the event loop
 * run together in one transaction, in the order they came. On SQLite a commit (the WAL append
 * and the locks around it) costs more than a one-row guarded UPDATE, and under load many
 * verifications with a charge arrive in the same turn. Each write is still its own guarded
 * statement, run one after the other, so what each one decides is what it would decide alone.
 *
 * A write alone in its turn runs on its own. When one write of a group fails, the transaction
 * rolls back and every write of the group runs again on its own, so only the failing one fails.
 */
export class GroupCommit<DB> {
  readonly #queue = new TurnQueue<Queued<DB>>((group) => void this.#commit(group));

  constructor(private readonly db: Kysely<DB>) {}

  run<T>(work: (db: Kysely<DB> | Transaction<DB>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject }));
  }

  async #commit(group: Queued<DB>[]): Promise<void> {
    if (group.length > 1) {
      try {
        const results = await this.db.transaction().execute(async (tx) => {
          const out: unknown[] = [];
          for (const { work } of group) out.push(await work(tx));
          return out;
        });
        group.forEach((queued, i) => queued.resolve(results[i]));
        return;
      } catch {
        // Rolled back: nothing of the group happened. Each runs again alone, below.
      }
    }
    for (const { work, resolve, reject } of group) await work(this.db).then(resolve, reject);
  }
}
