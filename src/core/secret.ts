import { createHmac } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { decodeBase62, encodeBase62, randomBase62 } from './base62.js';

/** Characters of CSPRNG randomness in a secret: 30 base62 characters are about 178 bits. */
export const SECRET_RANDOM_LENGTH = 30;
/** Characters of the CRC32 checksum: 62^6 exceeds 2^32, so six always suffice. */
export const SECRET_CHECKSUM_LENGTH = 6;

const SECRET_PATTERN = /^([a-z][a-z0-9]{0,15})_[0-9A-Za-z]{36}$/;

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

/** Unleash's token text wraps the secret: `project:environment.<secret>`. */
const WRAPPED_PATTERN = /^[^\s:]{1,100}:[^\s.:]{1,100}\.(.{1,64})$/;

/**
 * Checks a presented secret's shape and checksum without any lookup, also inside an
 * Unleash wrapper. Returns undefined for anything that cannot be a secret tessera made: a
 * mistyped or made-up token.
 */
export function parseSecret(text: string): ParsedSecret | undefined {
  if (text.length > 264) return undefined;
  const inner = text.includes(':') ? (WRAPPED_PATTERN.exec(text)?.[1] ?? text) : text;
  const match = SECRET_PATTERN.exec(inner);
  if (!match) return undefined;
  // Compared as numbers: decoding six characters costs less than encoding the checksum as text.
  const checksumAt = inner.length - SECRET_CHECKSUM_LENGTH;
  if (decodeBase62(inner.slice(checksumAt)) !== crc32(inner.slice(0, checksumAt)) >>> 0) return undefined;
  return { prefix: match[1]!, text };
}

/**
 * A secret made from a key and a description instead of randomness: the same inputs give the
 * same secret, so a get-or-create API can answer the same token again without storing it.
 * HMAC-SHA256 in counter mode supplies the bytes.
 */
export function deriveSecret(prefix: string, key: Uint8Array, material: string): string {
  let counter = 0;
  return generateSecret(prefix, (n) => {
    const out = Buffer.alloc(n);
    for (let filled = 0; filled < n; filled += 32) {
      createHmac('sha256', key).update(`${counter++}\n${material}`).digest().copy(out, filled);
    }
    return out;
  });
}

/** The last four characters, kept so a person can tell tokens apart. */
export function secretSuffix(secret: string): string {
  return secret.slice(-4);
}
