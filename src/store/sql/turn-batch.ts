/**
 * Reads asked for in one turn of the event loop, run as one read at its end (setImmediate,
 * after the poll phase has read every request that was ready). On PostgreSQL each query is a
 * round trip that wakes the server's backend and the client's socket; on SQLite each statement
 * outside a transaction takes and releases WAL's read lock. Under a spread of cache misses, one
 * read for the turn's tokens costs less than one for each.
 */
export class TurnBatch<Key, Value> {
  #waiting: Array<{ key: Key; resolve(value: Value | undefined): void; reject(error: unknown): void }> = [];

  constructor(
    /** Reads the values of `keys` (each once), keyed by `idOf`; a key not in the map has none. */
    private readonly read: (keys: Key[]) => Promise<Map<string, Value>>,
    private readonly idOf: (key: Key) => string,
  ) {}

  get(key: Key): Promise<Value | undefined> {
    return new Promise((resolve, reject) => {
      if (this.#waiting.push({ key, resolve, reject }) === 1) setImmediate(() => void this.#flush());
    });
  }

  async #flush(): Promise<void> {
    const waiting = this.#waiting;
    this.#waiting = [];
    const keys = new Map(waiting.map(({ key }) => [this.idOf(key), key]));
    try {
      const values = await this.read([...keys.values()]);
      for (const { key, resolve } of waiting) resolve(values.get(this.idOf(key)));
    } catch (error) {
      for (const { reject } of waiting) reject(error);
    }
  }
}
