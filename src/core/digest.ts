import { hash, timingSafeEqual } from 'node:crypto';

/** SHA-256 of the whole token text: the only form in which a secret is ever stored or cached. */
export function digestSecret(secret: string): Buffer {
  return hash('sha256', secret, 'buffer') as unknown as Buffer;
}

export function digestsEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
