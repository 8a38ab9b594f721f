import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';

/** Bytes of an AES-256-GCM nonce: 96 bits, as NIST SP 800-38D recommends. */
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** The sealed text's version: a later scheme is a new tag, and the old one stays readable. */
const VERSION = 'v1';

/**
 * A 256-bit key for one purpose, derived from the server key (src/server/secret-key.ts) with
 * HKDF-SHA256: each purpose's label gives an unrelated key, so what is sealed for one cannot be
 * opened as another, and the server key itself never encrypts anything.
 */
export function sealingKey(serverKey: Uint8Array, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', serverKey, 'tessera sealed box', purpose, 32));
}

/**
 * `plaintext` encrypted and authenticated with AES-256-GCM under `key`, as
 * `v1.<nonce>.<ciphertext and tag>` (base64url). `context` (the record's id, say) is
 * authenticated but not stored: a sealed value copied to another record does not open there.
 * The nonce is random (`randomBytes`, the caller's CSPRNG): keys sealed this way are few.
 */
export function seal(key: Uint8Array, plaintext: Uint8Array, context: string, randomBytes: (n: number) => Uint8Array): string {
  const nonce = Buffer.from(randomBytes(NONCE_BYTES));
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return `${VERSION}.${nonce.toString('base64url')}.${body.toString('base64url')}`;
}

/** What `seal` sealed, or undefined when the key, the context or a single bit of the text is wrong. */
export function openSealed(key: Uint8Array, sealed: string, context: string): Buffer | undefined {
  const [version, nonceText, bodyText, ...rest] = sealed.split('.');
  if (version !== VERSION || nonceText === undefined || bodyText === undefined || rest.length > 0) return undefined;
  const nonce = Buffer.from(nonceText, 'base64url');
  const body = Buffer.from(bodyText, 'base64url');
  if (nonce.length !== NONCE_BYTES || body.length < TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]);
  } catch {
    return undefined;
  }
}
