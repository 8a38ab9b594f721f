import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { parseScanningKeys } from '../../src/core/github-secret-scanning.js';
import { fixedKeyring } from '../../src/server/github-scanning-keys.js';
import type { ScanningKeyring } from '../../src/service/leak-partners.js';

/** A stand-in for GitHub's secret scanning: a P-256 key of its own, published in GitHub's JSON shape. */
export class FakeGithub {
  readonly keyId: string;
  readonly #privateKey: KeyObject;
  readonly publicKeyPem: string;

  constructor(keyId = `ghkey-${Math.random().toString(16).slice(2)}`) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    this.keyId = keyId;
    this.#privateKey = privateKey;
    this.publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  /** The document GitHub publishes at api.github.com/meta/public_keys/secret_scanning, with this key in it. */
  keysDocument(...others: FakeGithub[]): string {
    return JSON.stringify({
      public_keys: [this, ...others].map((k, i) => ({ key_identifier: k.keyId, key: k.publicKeyPem, is_current: i === 0 })),
    });
  }

  /** This key and the others, as a keyring that never changes (the server's from TESSERA_GITHUB_SCANNING_KEYS). */
  keys(...others: FakeGithub[]): ScanningKeyring {
    return fixedKeyring(parseScanningKeys(this.keysDocument(...others)));
  }

  /** The headers GitHub sends with `body`: its signature over exactly these bytes. */
  sign(body: string | Buffer): Record<string, string> {
    return {
      'content-type': 'application/json',
      'github-public-key-identifier': this.keyId,
      'github-public-key-signature': sign('sha256', Buffer.from(body), this.#privateKey).toString('base64'),
    };
  }

  /** A report of `found` as GitHub posts it: the body text and its signed headers. */
  report(found: Array<{ token: string; type?: string; url?: string; source?: string }>): { payload: string; headers: Record<string, string> } {
    const payload = JSON.stringify(
      found.map((f) => ({
        token: f.token,
        type: f.type ?? 'tessera_api_key',
        url: f.url ?? 'https://github.com/octo/repo/blob/abc/.env',
        source: f.source ?? 'content',
      })),
    );
    return { payload, headers: this.sign(payload) };
  }
}
