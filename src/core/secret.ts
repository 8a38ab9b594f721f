import { crc32 } from 'node:zlib';
import { encodeBase62, randomBase62 } from './base62.js';

/** Characters of CSPRNG randomness in a secret: 30 base62 characters are about 178 bits. */
export const SECRET_RANDOM_LENGTH = 30;
/** Characters of the CRC32 checksum: 62^6 exceeds 2^32, so six always suffice. */
export const SECRET_CHECKSUM_LENGTH = 6;

const SECRET_PATTERN = /^([a-z][a-z0-9]{0,15})_([0-9A-Za-z]{30})([0-9A-Za-z]{6})$/;

export interface ParsedSecret {
  prefix: string;
  text: string;
}

function checksumOf(head: string): string {
  return encodeBase62(crc32(head) >>> 0, SECRET_CHECKSUM_LENGTH);
}

/** Makes a new secret `<prefix>_<30 random base62><6 base62 CRC32 of everything before it>`. */
export function generateSecret(prefix: string, randomBytes: (n: number) => Uint8Array): string {
  if (!/^[a-z][a-z0-9]{0,15}$/.test(prefix)) throw new Error(`invalid secret prefix: ${prefix}`);
  const head = `${prefix}_${randomBase62(SECRET_RANDOM_LENGTH, randomBytes)}`;
  return head + checksumOf(head);
}

/**
 * Checks a presented secret's shape and checksum without any lookup. Returns undefined for
 * anything that cannot be a secret tessera made: a mistyped or made-up token.
 */
export function parseSecret(text: string): ParsedSecret | undefined {
  if (text.length > 64) return undefined;
  const match = SECRET_PATTERN.exec(text);
  if (!match) return undefined;
  const head = `${match[1]}_${match[2]}`;
  if (checksumOf(head) !== match[3]) return undefined;
  return { prefix: match[1]!, text };
}

/** The last four characters, kept so a person can tell tokens apart. */
export function secretSuffix(secret: string): string {
  return secret.slice(-4);
}
