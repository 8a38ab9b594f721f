import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadGithubScanningKeys } from './github-scanning-keys.js';

/** GitHub's keys document with a fresh P-256 public key for each id. */
function keysDocument(...ids: string[]): string {
  const pem = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return JSON.stringify({ public_keys: ids.map((id, i) => ({ key_identifier: id, key: pem(), is_current: i === 0 })) });
}

function withKeysFile(body: (path: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-github-keys-'));
  try {
    body(join(dir, 'secret_scanning.json'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Moves the file's modification time on, as saving it again would (two writes in one millisecond have the same). */
function touchLater(path: string, seconds: number): void {
  const at = new Date(Date.now() + seconds * 1000);
  utimesSync(path, at, at);
}

describe('GitHub scanning keys from a file', () => {
  it('reads the file again on reload once it changed, and only then', () => {
    withKeysFile((path) => {
      writeFileSync(path, keysDocument('old'));
      const ring = loadGithubScanningKeys({ file: path }, () => assert.fail('no problem expected'))!;
      assert.deepEqual(
        ring.keys.map((k) => k.id),
        ['old'],
      );
      ring.reload();
      const before = ring.keys;
      assert.equal(ring.keys, before, 'an unchanged file is not read again');
      writeFileSync(path, keysDocument('new', 'old'));
      touchLater(path, 5);
      ring.reload();
      assert.deepEqual(
        ring.keys.map((k) => k.id),
        ['new', 'old'],
      );
    });
  });

  it('keeps the keys it has when the changed file cannot be read, says why once, and takes the file when it is fixed', () => {
    withKeysFile((path) => {
      writeFileSync(path, keysDocument('old'));
      const problems: string[] = [];
      const ring = loadGithubScanningKeys({ file: path }, (message) => problems.push(message))!;
      writeFileSync(path, '{"public_keys": "half-saved');
      touchLater(path, 5);
      ring.reload();
      ring.reload();
      assert.deepEqual(
        ring.keys.map((k) => k.id),
        ['old'],
      );
      assert.equal(problems.length, 1, problems.join('\n'));
      assert.match(problems[0]!, /^TESSERA_GITHUB_SCANNING_KEYS_FILE \(.*\): not JSON.*; keeping the GitHub scanning keys read before$/);
      rmSync(path);
      ring.reload();
      ring.reload();
      assert.equal(problems.length, 2, problems.join('\n'));
      assert.match(problems[1]!, /cannot read .*; keeping/);
      writeFileSync(path, keysDocument('fixed'));
      touchLater(path, 10);
      ring.reload();
      assert.deepEqual(
        ring.keys.map((k) => k.id),
        ['fixed'],
      );
    });
  });

  it('refuses to start on a file it cannot read, naming the setting', () => {
    withKeysFile((path) => {
      assert.throws(() => loadGithubScanningKeys({ file: path }), /^Error: TESSERA_GITHUB_SCANNING_KEYS_FILE: cannot read /);
      writeFileSync(path, '[]');
      assert.throws(() => loadGithubScanningKeys({ file: path }), /^Error: TESSERA_GITHUB_SCANNING_KEYS_FILE \(.*\): /);
    });
  });
});
