import { createPublicKey, verify, type KeyObject } from 'node:crypto';

/**
 * GitHub's secret scanning partner program: GitHub posts what it found in public code as a JSON
 * array, signed with ECDSA P-256 over SHA-256 of the body as sent; the signature (DER, base64) and
 * the id of the key are in the GitHub-Public-Key-Signature and -Identifier headers. Its public keys
 * are published as `{"public_keys": [{"key_identifier", "key" (PEM), "is_current"}]}`; the operator
 * gives tessera that document, so no request ever leaves for GitHub.
 */
export interface ScanningKey {
  id: string;
  key: KeyObject;
}

/** The keys of GitHub's published document (JSON text); throws naming what is wrong with it. */
export function parseScanningKeys(text: string): ScanningKey[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new Error('not JSON: expected GitHub\'s {"public_keys": [...]} document');
  }
  const entries = (document as { public_keys?: unknown } | null)?.public_keys;
  if (!Array.isArray(entries) || entries.length === 0) throw new Error('public_keys: a non-empty array of {key_identifier, key}');
  return entries.map((entry: { key_identifier?: unknown; key?: unknown }, i) => {
    if (typeof entry?.key_identifier !== 'string' || entry.key_identifier === '') throw new Error(`public_keys[${i}].key_identifier: a non-empty string`);
    if (typeof entry.key !== 'string') throw new Error(`public_keys[${i}].key: a PEM public key`);
    let key: KeyObject;
    try {
      key = createPublicKey(entry.key);
    } catch {
      throw new Error(`public_keys[${i}].key: not a PEM public key`);
    }
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new Error(`public_keys[${i}].key: an ECDSA P-256 key (GitHub signs with ECDSA over SHA-256)`);
    }
    return { id: entry.key_identifier, key };
  });
}

/**
 * Whether `signature` (base64 DER) is a signature of `body` by the key named `keyId`. Any key in
 * the document is accepted, current or not: GitHub keeps signing with a retired key for a while.
 */
export function scanningSignatureValid(keys: readonly ScanningKey[], keyId: string | undefined, signature: string | undefined, body: Uint8Array): boolean {
  if (!keyId || !signature) return false;
  const key = keys.find((k) => k.id === keyId);
  if (!key || !/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) return false;
  try {
    return verify('sha256', body, { key: key.key, dsaEncoding: 'der' }, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
