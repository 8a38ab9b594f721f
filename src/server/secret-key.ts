import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The server key that get-or-create secrets are derived from: TESSERA_SECRET_KEY (base64url,
 * 32 bytes or more; every node of a cluster needs the same), else a key made on first use
 * and kept in the data directory, readable by its owner only — never in the database.
 */
export function loadSecretKey(envValue: string | undefined, dataDir: string): Buffer {
  if (envValue) {
    const key = Buffer.from(envValue, 'base64url');
    if (key.length < 32) throw new Error('TESSERA_SECRET_KEY must be at least 32 bytes, base64url-encoded');
    return key;
  }
  const path = join(dataDir, 'secret.key');
  try {
    return Buffer.from(readFileSync(path, 'utf8').trim(), 'base64url');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
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
