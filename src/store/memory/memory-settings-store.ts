import type { SettingsStore } from '../settings-store.js';

export class MemorySettingsStore implements SettingsStore {
  readonly #values = new Map<string, string>();

  async claim(name: string, value: string): Promise<string> {
    if (!this.#values.has(name)) this.#values.set(name, value);
    return this.#values.get(name)!;
  }

  async read(name: string): Promise<string | undefined> {
    return this.#values.get(name);
  }
}
