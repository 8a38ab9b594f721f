import { TurnQueue } from '../../../lib/turn.js';

interface Waiting<Key, Value> {
  key: Key;
  resolve(value: Value | undefined): void;
  reject(error: unknown): void;
}

/**
 * Reads asked for in one turn of the event loop, run as one read at its end (lib/turn.ts). On
 * PostgreSQL each query is a round trip that wakes the server's backend and the client's socket;
 * on SQLite each statement outside a transaction takes and releases WAL's read lock. Under a
 * spread of cache misses, one read for the turn's tokens costs less than one for each.
 */
export class TurnBatch<Key, Value> {
  readonly #waiting = new TurnQueue<Waiting<Key, Value>>((waiting) => void this.#read(waiting));

  constructor(
    /** Reads the values of `keys` (each once), keyed by `idOf`; a key not in the map has none. */
    private readonly read: (keys: Key[]) => Promise<Map<string, Value>>,
    private readonly idOf: (key: Key) => string,
  ) {}

  get(key: Key): Promise<Value | undefined> {
    return new Promise((resolve, reject) => this.#waiting.push({ key, resolve, reject }));
  }

  async #read(waiting: Waiting<Key, Value>[]): Promise<void> {
    const keys = new Map(waiting.map(({ key }) => [this.idOf(key), key]));
    try {
      const values = await this.read([...keys.values()]);
      for (const { key, resolve } of waiting) resolve(values.get(this.idOf(key)));
    } catch (error) {
      for (const { reject } of waiting) reject(error);
    }
  }
}
