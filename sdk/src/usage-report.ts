/** Verifications of one token in one minute with one outcome and set of tags, as `POST /v1/verifier/usage` takes them. */
export interface ReportedCount {
  tokenId: string;
  /** The minute's start, ms since the epoch. */
  minute: number;
  outcome: string;
  count: number;
  tags?: string[];
}

const MINUTE_MS = 60_000;
/** What one request carries at most: the server takes 1,000 counts and 100 kB of body. */
const PER_REQUEST = 1000;
const BYTES_PER_REQUEST = 90_000;
/** Counts kept while the server cannot be reached; past it the oldest are dropped. */
const MAX_KEPT = 50_000;

/**
 * The counts of the verifications a Verifier answered itself, per token, minute, outcome and tags,
 * sent to the server in batches so its analytics and last-used times include them. Counting is
 * a Map update; sending happens on a timer, off the verification path.
 */
export class UsageReport {
  #minute: number;
  #current = new Map<string, ReportedCount>();
  /** Counts of past minutes, and counts a failed send left. */
  #kept: ReportedCount[] = [];
  #sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly send: (counts: ReportedCount[]) => Promise<void>,
    private readonly onError: (error: Error) => void,
    now: number,
  ) {
    this.#minute = now - (now % MINUTE_MS);
  }

  /** When the minute counts now go to ends. */
  get minuteEnd(): number {
    return this.#minute + MINUTE_MS;
  }

  add(tokenId: string, outcome: string, tags: readonly string[] | undefined, count: number): void {
    const tagged = tags !== undefined && tags.length > 0;
    const key = tagged ? `${tokenId}\u0000${outcome}\u0000${tags.join('\u0000')}` : `${tokenId}\u0000${outcome}`;
    const earlier = this.#current.get(key);
    if (earlier) earlier.count += count;
    else this.#current.set(key, { tokenId, minute: this.#minute, outcome, count, ...(tagged ? { tags: [...tags] } : {}) });
  }

  /** Closes the minute: what is counted from now on is `now`'s minute. */
  turn(now: number): void {
    this.#keepCurrent();
    this.#minute = now - (now % MINUTE_MS);
  }

  /** Sends everything counted so far; a failed send is kept (bounded) for the next. */
  flush(): Promise<void> {
    this.#keepCurrent();
    const next = this.#sending.then(() => this.#sendKept());
    this.#sending = next;
    return next;
  }

  #keepCurrent(): void {
    for (const count of this.#current.values()) this.#kept.push(count);
    this.#current = new Map();
  }

  async #sendKept(): Promise<void> {
    while (this.#kept.length > 0) {
      const batch = this.#kept.splice(0, batchLength(this.#kept));
      try {
        await this.send(batch);
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        if ((failure as { retry?: boolean }).retry === false) {
          this.onError(failure);
          continue;
        }
        this.#kept.unshift(...batch);
        const dropped = this.#kept.length - MAX_KEPT;
        if (dropped > 0) this.#kept.splice(0, dropped);
        this.onError(dropped > 0 ? new Error(`${failure.message}; the oldest ${dropped} usage counts were dropped`, { cause: failure }) : failure);
        return;
      }
    }
  }
}

/** How many of the first counts fit in one request. */
function batchLength(counts: readonly ReportedCount[]): number {
  let bytes = 0;
  let n = 0;
  while (n < counts.length && n < PER_REQUEST) {
    bytes += JSON.stringify(counts[n]).length + 1;
    if (bytes > BYTES_PER_REQUEST && n > 0) break;
    n++;
  }
  return n;
}
