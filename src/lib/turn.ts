/**
 * The end of a turn of the event loop: `setImmediate` runs after the poll phase, so by then
 * every request that was ready in this turn has been read. The batching sites (answers held
 * until the turn ends, reads and writes asked for in one turn) all wait for it through here.
 */

/** Runs `work` when this turn ends. */
export function atTurnEnd(work: () => void): void {
  setImmediate(work);
}

/** Resolves when this turn ends: lets the event loop serve what is waiting before going on. */
export function turnEnd(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * What is asked for during one turn, handed over together when it ends. The first `push` of a
 * turn books the hand-over; `take` gets everything pushed until then, in order, and starts a new
 * turn's list.
 */
export class TurnQueue<Item> {
  #items: Item[] = [];

  constructor(private readonly take: (items: Item[]) => void) {}

  push(item: Item): void {
    if (this.#items.push(item) === 1) atTurnEnd(() => this.#handOver());
  }

  #handOver(): void {
    const items = this.#items;
    this.#items = [];
    this.take(items);
  }
}
