import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Stores } from '../store/stores.js';
import { KEY_FINGERPRINT_SETTING, keyFingerprint, keyMismatch } from './key-fingerprint.js';
import { describeStore, type ServerConfig } from './server-config.js';

/**
 * The server key that get-or-create secrets are derived from, as configured: TESSERA_SECRET_KEY
 * (base64url, 32 bytes or more; every node of a cluster needs the same), else the key file in the
 * data directory; undefined when there is neither. Never writes one: see claimServerKey.
 */
export function readSecretKey(envValue: string | undefined, dataDir: string): Buffer | undefined {
  if (envValue) {
    const key = Buffer.from(envValue, 'base64url');
    if (key.length < 32) throw new Error('TESSERA_SECRET_KEY must be at least 32 bytes, base64url-encoded');
    return key;
  }
  try {
    return Buffer.from(readFileSync(join(dataDir, 'secret.key'), 'utf8').trim(), 'base64url');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return undefined;
  }
}

/**
 * The server key for `stores`, checked against the fingerprint the store recorded on its first
 * start (recorded now if there is none), and refused if it is another. A new key — a file in the
 * data directory, readable by its owner only, never in the database — is made only for a store
 * that records no fingerprint: a new installation. A store that records one was served with a
 * key this node lacks (a restored backup, a node set up without TESSERA_SECRET_KEY), and a key
 * file made for it would be a wrong one, in the very place the right one has to be copied to.
 */
export async function claimServerKey(config: ServerConfig, stores: Stores): Promise<Buffer> {
  let key = readSecretKey(config.secretKey, config.dataDir);
  if (!key) {
    const recorded = await stores.settings.read(KEY_FINGERPRINT_SETTING);
    if (recorded !== undefined) {
      throw new Error(
        `${describeStore(config)} was first served with a secret key (fingerprint ${recorded.slice(0, 8)}), and there is none here: ` +
          `set TESSERA_SECRET_KEY to that key, or copy its secret.key into ${config.dataDir} (--data-dir). No key file was written.`,
      );
    }
    key = createSecretKey(config.dataDir);
  }
  const own = keyFingerprint(key);
  const mismatch = keyMismatch(await stores.settings.claim(KEY_FINGERPRINT_SETTING, own), own);
  if (mismatch) throw new Error(mismatch);
  return key;
}

function createSecretKey(dataDir: string): Buffer {
  const path = join(dataDir, 'secret.key');
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  // Written whole under a name of its own, then linked into place: the link fails if another
  // process starting at the same time got there first, and then theirs is read — never a file
  // they have created but not yet written.
  const draft = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(draft, key.toString('base64url'), { mode: 0o600, flag: 'wx' });
  try {
    linkSync(draft, path);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return Buffer.from(readFileSync(path, 'utf8').trim(), 'base64url');
  } finally {
    unlinkSync(draft);
  }
}
