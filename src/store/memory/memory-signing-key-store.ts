import { AppError } from '../../core/errors.js';
import { byRecency, type SigningKeyRecord, type SigningKeyStore } from '../signing-key-store.js';

export class MemorySigningKeyStore implements SigningKeyStore {
  readonly #keys: SigningKeyRecord[] = [];

  async list(): Promise<SigningKeyRecord[]> {
    return [...this.#keys].sort(byRecency).map((key) => ({ ...key }));
  }

  async addFirst(key: SigningKeyRecord): Promise<void> {
    if (this.#keys.some((k) => k.retiredAt === null)) throw new AppError('CONFLICT', 'a current signing key exists');
    this.#insert(key);
  }

  async rotate(key: SigningKeyRecord): Promise<{ retired: string | null }> {
    const index = this.#keys.findIndex((k) => k.retiredAt === null);
    this.#insert(key);
    if (index === -1) return { retired: null };
    const current = this.#keys[index]!;
    this.#keys[index] = { ...current, retiredAt: key.activatedAt };
    return { retired: current.kid };
  }

  #insert(key: SigningKeyRecord): void {
    if (key.retiredAt !== null) throw new Error('a new signing key is not retired');
    if (this.#keys.some((k) => k.kid === key.kid)) throw new AppError('CONFLICT', `signing key ${key.kid} exists`);
    this.#keys.push({ ...key, publicJwk: { ...key.publicJwk } });
  }
}
