import { FOREIGN_KEYS_PRESENT, FOREIGN_KEYS_SETTING } from '../core/foreign-key.js';
import type { SettingsStore } from '../store/settings-store.js';

export interface ForeignKeysOptions {
  /** How often the setting is read again until it is present: another node's import is accepted here within this. */
  refreshMs: number;
}

/**
 * Whether this installation holds keys imported from another system (core/foreign-key.ts), which
 * decides whether a presented text in no tessera format is looked up at all. Read from the store's
 * settings at start and every `refreshMs` after until present; then never again, since the setting
 * is never removed. An importer in this process says so at once (`markPresent`, or `claim`).
 *
 * `present` is a plain field read: verification asks it only for texts parseSecret refused.
 */
export class ForeignKeys {
  #present = false;
  #timer: NodeJS.Timeout | undefined;
  #reading: Promise<boolean> | undefined;

  constructor(
    private readonly deps: { settings: SettingsStore },
    private readonly options: ForeignKeysOptions,
  ) {}

  /** Whether foreign texts are looked up: an import has happened here or on another node, as far as this node has read. */
  get present(): boolean {
    return this.#present;
  }

  /** An import in this process wrote a foreign key (and claimed the setting): look such texts up from now on. */
  markPresent(): void {
    this.#present = true;
    this.#stopTimer();
  }

  /** Records in the store that imported keys exist, for every node, and marks them present here: what an importer calls before its first foreign key. */
  async claim(): Promise<void> {
    await this.deps.settings.claim(FOREIGN_KEYS_SETTING, FOREIGN_KEYS_PRESENT);
    this.markPresent();
  }

  /** Reads the setting now, unless it is known present (one read at a time); answers `present`. */
  refresh(): Promise<boolean> {
    if (this.#present) return Promise.resolve(true);
    this.#reading ??= this.deps.settings
      .read(FOREIGN_KEYS_SETTING)
      .then((value) => {
        if (value === FOREIGN_KEYS_PRESENT) this.markPresent();
        return this.#present;
      })
      .finally(() => (this.#reading = undefined));
    return this.#reading;
  }

  /**
   * Reads the setting once, then every `refreshMs` until it is present (0: never again). A failed
   * read goes to `onError` and the next one tries again; start itself never fails.
   */
  async start(onError: (error: unknown) => void): Promise<void> {
    await this.refresh().catch(onError);
    if (this.#present || this.#timer || this.options.refreshMs <= 0) return;
    this.#timer = setInterval(() => void this.refresh().catch(onError), this.options.refreshMs);
    this.#timer.unref();
  }

  stop(): void {
    this.#stopTimer();
  }

  #stopTimer(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
