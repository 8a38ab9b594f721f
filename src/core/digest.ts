import { hash, timingSafeEqual } from 'node:crypto';

/** SHA-256 of the whole token text: the only form in which a secret is ever stored or cached. */
export function digestSecret(secret: string): Buffer {
  return hash('sha256', secret, 'buffer') as unknown as Buffer;
}

/**
 * The digest as base64url text, the key the token cache uses: made without a Buffer, which
 * costs more than the hash itself on the verify path.
 */
export function digestKeyOf(secret: string): string {
  return hash('sha256', secret, 'base64url');
}

export function digestsEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
