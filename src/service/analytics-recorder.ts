import { bucketStart, BUCKET_MS, OUTCOME_INDEX } from '../core/analytics.js';
import type { TokenRecord } from '../core/token.js';
import { VERIFY_CODES, type VerifyCode } from '../core/verify.js';
import { countKey, type AnalyticsStore, type VerificationCount } from '../store/analytics-store.js';

/** One token's verifications in one minute: a count per outcome, by OUTCOME_INDEX. */
interface Tally {
  counts: Uint32Array;
  /** Credits the VALID ones spent, in 10⁻⁹ credits. */
  credits: bigint;
}

interface Cell extends Tally {
  token: TokenRecord | undefined;
  /** The same counts once more per tag, for grouping by tag. */
  tags: Map<string, Tally> | undefined;
}

const newTally = (): Tally => ({ counts: new Uint32Array(VERIFY_CODES.length), credits: 0n });

/**
 * Counts every verification's outcome per token per minute in memory, and writes the counts
 * behind in one batch (AnalyticsStore.add adds them up, so many nodes' counts sum exactly), as
 * UsageRecorder does use counts. A verification costs a Map lookup and an increment: the
 * minute's cells are keyed by the token id the token record already holds; nothing is built per
 * call but a cell for a token's first verification in a minute.
 */
export class AnalyticsRecorder {
  #minute = Number.NEGATIVE_INFINITY;
  #cells = new Map<string, Cell>();
  /** Earlier minutes not yet written. */
  #closed: Array<{ minute: number; cells: Map<string, Cell> }> = [];
  /** Counts a failed write left, and counts reported by in-process verifiers: added to the next batch. */
  #carried = new Map<string, VerificationCount>();
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();

  constructor(private readonly store: AnalyticsStore) {}

  /**
   * One verification: of `token` (undefined: none was found), with `code`, spending `credits`
   * (VALID ones only), under `tags` (each also counted on its own row).
   */
  record(token: TokenRecord | undefined, code: VerifyCode, credits: bigint | undefined, tags: readonly string[] | undefined, now: number): void {
    if (now < this.#minute || now >= this.#minute + BUCKET_MS.minute) this.#turn(now);
    const id = token === undefined ? '' : token.id;
    let cell = this.#cells.get(id);
    if (cell === undefined) {
      cell = { token, counts: new Uint32Array(VERIFY_CODES.length), credits: 0n, tags: undefined };
      this.#cells.set(id, cell);
    }
    const index = OUTCOME_INDEX[code];
    cell.counts[index]!++;
    if (credits !== undefined && credits !== 0n) cell.credits += credits;
    if (tags === undefined) return;
    cell.tags ??= new Map();
    for (const tag of tags) {
      let tally = cell.tags.get(tag);
      if (tally === undefined) cell.tags.set(tag, (tally = newTally()));
      tally.counts[index]!++;
      if (credits !== undefined && credits !== 0n) tally.credits += credits;
    }
  }

  /**
   * Counts made elsewhere (the SDK's in-process verifiers report what they answered themselves,
   * POST /v1/verifier/usage), written with the next batch.
   */
  add(counts: readonly VerificationCount[]): void {
    for (const count of counts) merge(this.#carried, countKey(count), count);
  }

  #turn(now: number): void {
    if (this.#cells.size > 0) this.#closed.push({ minute: this.#minute, cells: this.#cells });
    this.#minute = bucketStart(now, 'minute');
    this.#cells = new Map();
  }

  /** Writes every count so far in one batch; a failed batch is kept for the next flush. */
  flush(): Promise<void> {
    const write = this.#writing.then(() => this.#write());
    this.#writing = write.catch(() => {});
    return write;
  }

  async #write(): Promise<void> {
    const batch = this.#carried;
    this.#carried = new Map();
    const minutes = [...this.#closed, { minute: this.#minute, cells: this.#cells }];
    this.#closed = [];
    this.#cells = new Map();
    for (const { minute, cells } of minutes) for (const cell of cells.values()) addRows(batch, minute, cell);
    if (batch.size === 0) return;
    try {
      await this.store.add([...batch.values()]);
    } catch (error) {
      // All or nothing (one transaction): kept whole for the next flush, merged with what came since.
      for (const [key, count] of batch) merge(this.#carried, key, count);
      throw error;
    }
  }

  start(intervalMs: number, onError: (error: unknown) => void): void {
    this.#timer = setInterval(() => {
      this.flush().catch(onError);
    }, intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}

function addRows(batch: Map<string, VerificationCount>, minute: number, cell: Cell): void {
  addTally(batch, minute, cell.token, '', cell);
  if (cell.tags) for (const [tag, tally] of cell.tags) addTally(batch, minute, cell.token, tag, tally);
}

function addTally(batch: Map<string, VerificationCount>, minute: number, token: TokenRecord | undefined, tag: string, tally: Tally): void {
  for (let i = 0; i < VERIFY_CODES.length; i++) {
    const count = tally.counts[i]!;
    if (count === 0) continue;
    const outcome = VERIFY_CODES[i]!;
    const row: VerificationCount = {
      granularity: 'minute',
      bucketStart: minute,
      tokenId: token?.id ?? null,
      outcome,
      tag,
      ownerUserId: token?.ownerUserId ?? null,
      teamId: token?.teamId ?? null,
      tokenType: token?.type ?? null,
      count,
      credits: outcome === 'VALID' ? tally.credits : 0n,
    };
    merge(batch, countKey(row), row);
  }
}

function merge(batch: Map<string, VerificationCount>, key: string, row: VerificationCount): void {
  const earlier = batch.get(key);
  if (!earlier) batch.set(key, row);
  else batch.set(key, { ...row, count: earlier.count + row.count, credits: earlier.credits + row.credits });
}
