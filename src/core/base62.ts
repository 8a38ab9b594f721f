export const BASE62_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The largest multiple of 62 below 256: bytes at or above it are discarded so every character is equally likely. */
const UNBIASED_LIMIT = 248;

/**
 * Draws `length` uniformly random base62 characters from the given source of random bytes,
 * rejecting the bytes that would bias the distribution.
 */
export function randomBase62(length: number, randomBytes: (n: number) => Uint8Array): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte >= UNBIASED_LIMIT) continue;
      out += BASE62_ALPHABET[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/** Encodes a non-negative integer as base62, left-padded with '0' to `width` characters. */
export function encodeBase62(value: number, width: number): string {
  let out = '';
  let rest = value;
  do {
    out = BASE62_ALPHABET[rest % 62] + out;
    rest = Math.floor(rest / 62);
  } while (rest > 0);
  return out.padStart(width, '0');
}

const DIGIT_VALUES = new Map([...BASE62_ALPHABET].map((c, i) => [c.charCodeAt(0), i]));

/** The value of base62 text of at most 8 characters (exact below 2^53); NaN when a character is not base62. */
export function decodeBase62(text: string): number {
  let value = 0;
  for (let i = 0; i < text.length; i++) value = value * 62 + (DIGIT_VALUES.get(text.charCodeAt(i)) ?? NaN);
  return value;
}
