import { createHmac } from 'node:crypto';

/** Where the fingerprint of the secret key is recorded (SettingsStore). */
export const KEY_FINGERPRINT_SETTING = 'secret_key_fingerprint';

/**
 * Names the secret key without revealing it: an HMAC-SHA256 of a fixed label under the key,
 * in hex. Kept in the database so a node with another key can tell; never a hash of the key
 * itself, which a guess of the key could be checked against as easily as against the key.
 */
export function keyFingerprint(key: Uint8Array): string {
  return createHmac('sha256', key).update('tessera secret key fingerprint v1').digest('hex');
}

/**
 * Why a node whose key has the fingerprint `own` must not serve a database whose recorded
 * fingerprint is `recorded`; undefined when they are the same. A node with another key would
 * derive other secrets for the same get-or-create requests: two live credentials for one.
 */
export function keyMismatch(recorded: string, own: string): string | undefined {
  if (recorded === own) return undefined;
  return (
    `this node's secret key (fingerprint ${own.slice(0, 8)}) is not the one this database was first served with ` +
    `(fingerprint ${recorded.slice(0, 8)}); with it, Unleash tokens and idempotent replays would get secrets other than ` +
    'those already issued. Set TESSERA_SECRET_KEY to the key the other nodes use, or copy their data/secret.key ' +
    "(or this data directory's former one) into this node's data directory."
  );
}
