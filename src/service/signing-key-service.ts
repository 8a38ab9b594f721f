import type { webcrypto } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { AppError } from '../core/errors.js';
import { openSealed, seal, sealingKey } from '../core/sealed-box.js';
import type { SigningKeyRecord, SigningKeyStore } from '../store/signing-key-store.js';
import type { Runtime } from './runtime.js';

type CryptoKey = webcrypto.CryptoKey;

/** The JWS algorithm of every signing key: EdDSA over Ed25519 (RFC 8037). */
export const SIGNING_ALG = 'EdDSA';
/** The HKDF label of the key the private keys are sealed under: no other secret is sealed with it. */
export const SEALING_PURPOSE = 'jwt signing key';

/** The key new JWTs are signed with: its id, and the private key as a non-extractable key object. */
export interface ActiveSigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
}

/** A public key as /.well-known/jwks.json publishes it (RFC 7517). */
export interface PublishedKey {
  kty: string;
  crv: string;
  x: string;
  kid: string;
  alg: string;
  use: 'sig';
}

/**
 * What `tessera signing-keys list` shows: never the private key, sealed or not. `next`: published,
 * signing from its activation; `current`: signing now; `published`: retired, its JWTs may be
 * unexpired; `expired`: retired and no longer published.
 */
export type SigningKeyInfo = Omit<SigningKeyRecord, 'sealedPrivateKey' | 'publicJwk'> & { state: 'next' | 'current' | 'published' | 'expired' };

export interface SigningKeyOptions {
  /** How long a node trusts what it read of the keys: a rotation on another node reaches it within this. */
  refreshMs: number;
  /** The longest lifetime of a JWT: a retired key stays published until the last JWT it signed has expired. */
  maxTokenLifetimeMs: number;
}

interface KeyState {
  readAt: number;
  keys: SigningKeyRecord[];
}

/**
 * The JWT signing keys: the current one (made on first use, one for all nodes), the published set,
 * rotation. The store holds the private keys sealed under a key derived from the server key; this
 * process opens the current one into a non-extractable key object and keeps nothing else of it.
 */
export class SigningKeyService {
  readonly #sealingKey: Buffer;
  #state: KeyState | undefined;
  #reading: Promise<KeyState> | undefined;
  /** The opened private key of one kid: the current key's, as long as it stays current. */
  #opened: { kid: string; key: Promise<CryptoKey> } | undefined;

  constructor(
    private readonly deps: { store: SigningKeyStore; serverKey: Uint8Array; runtime: Runtime },
    private readonly options: SigningKeyOptions,
  ) {
    this.#sealingKey = sealingKey(deps.serverKey, SEALING_PURPOSE);
  }

  /**
   * The key to sign with now: the newest whose activation has come and that is not retired, or a
   * new one when the store has none. A rotated-in key waits for its activation (published
   * meanwhile), and the key it replaces signs until then, so every node switches at one instant.
   */
  async current(): Promise<ActiveSigningKey> {
    let record = signerOf((await this.#read()).keys, this.deps.runtime.now());
    if (!record) {
      await this.#makeFirst();
      record = signerOf((await this.#read(true)).keys, this.deps.runtime.now());
      if (!record) throw new Error('no signing key is active after making one');
    }
    return { kid: record.kid, alg: record.alg, privateKey: await this.#open(record) };
  }

  /**
   * The public keys a verifier must know: the current one (made if there is none yet, so the set is
   * never empty) and the retired ones whose JWTs may still be unexpired.
   */
  async published(): Promise<PublishedKey[]> {
    await this.current();
    const { keys } = await this.#read();
    const now = this.deps.runtime.now();
    return keys.filter((key) => this.#isPublished(key, now)).map(publishedKey);
  }

  /**
   * Makes a new key the next one: published at once, signing from `activateInMs` on, when the one
   * it replaces retires (and stays published until its JWTs have expired). A delay longer than a
   * verifier's cache of the key set lets every verifier hold the new key before any JWT names it;
   * 0 switches at once (a key believed compromised). With no key yet, the new one signs at once.
   */
  async rotate(activateInMs: number): Promise<{ kid: string; retired: string | null; activatedAt: number }> {
    const now = this.deps.runtime.now();
    const hasKey = (await this.#read(true)).keys.some((key) => key.retiredAt === null);
    const key = await this.#newKey(hasKey ? now + Math.max(0, activateInMs) : now);
    const { retired } = await this.deps.store.rotate(key);
    await this.#read(true);
    return { kid: key.kid, retired, activatedAt: key.activatedAt };
  }

  /** Every key, the newest first, without its private half. */
  async list(): Promise<SigningKeyInfo[]> {
    const now = this.deps.runtime.now();
    const keys = (await this.#read(true)).keys;
    const signer = signerOf(keys, now)?.kid;
    return keys.map(({ sealedPrivateKey: _sealed, publicJwk: _public, ...info }) => ({
      ...info,
      state: info.kid === signer ? 'current' : info.activatedAt > now ? 'next' : this.#isPublished(info, now) ? 'published' : 'expired',
    }));
  }

  /**
   * A retired key signed JWTs until it was retired, and on other nodes until they re-read the keys
   * (refreshMs later at most); the last of those expires maxTokenLifetimeMs after that.
   */
  #isPublished(key: Pick<SigningKeyRecord, 'retiredAt'>, now: number): boolean {
    return key.retiredAt === null || key.retiredAt + this.options.refreshMs + this.options.maxTokenLifetimeMs > now;
  }

  /** The keys as last read, read again when older than refreshMs (or `fresh`); one read at a time. */
  async #read(fresh = false): Promise<KeyState> {
    const now = this.deps.runtime.now();
    const state = this.#state;
    if (!fresh && state && now - state.readAt < this.options.refreshMs && now >= state.readAt) return state;
    if (this.#reading && !fresh) return this.#reading;
    const reading = this.deps.store.list().then((keys) => (this.#state = { readAt: now, keys }));
    this.#reading = reading;
    try {
      return await reading;
    } finally {
      if (this.#reading === reading) this.#reading = undefined;
    }
  }

  async #makeFirst(): Promise<void> {
    try {
      await this.deps.store.addFirst(await this.#newKey(this.deps.runtime.now()));
    } catch (error) {
      // Another node (or request) made the first key a moment ago: that one is current.
      if (!(error instanceof AppError && error.code === 'CONFLICT')) throw error;
    }
  }

  /** A new Ed25519 key pair: the public JWK for the store and the JWKS, the private one sealed at once. */
  async #newKey(activatedAt: number): Promise<SigningKeyRecord> {
    const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
    const { kty, crv, x } = await exportJWK(publicKey);
    const publicJwk = { kty: kty!, crv: crv!, x: x! };
    const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
    const privateJwk = await exportJWK(privateKey);
    const now = this.deps.runtime.now();
    const plaintext = Buffer.from(JSON.stringify(privateJwk), 'utf8');
    try {
      return {
        kid,
        alg: SIGNING_ALG,
        publicJwk,
        sealedPrivateKey: seal(this.#sealingKey, plaintext, kid, this.deps.runtime.randomBytes),
        createdAt: now,
        activatedAt,
        retiredAt: null,
      };
    } finally {
      plaintext.fill(0);
    }
  }

  #open(record: SigningKeyRecord): Promise<CryptoKey> {
    if (this.#opened?.kid === record.kid) return this.#opened.key;
    const key = this.#import(record);
    this.#opened = { kid: record.kid, key };
    // A failure is not kept: the next call tries again.
    key.catch(() => {
      if (this.#opened?.key === key) this.#opened = undefined;
    });
    return key;
  }

  async #import(record: SigningKeyRecord): Promise<CryptoKey> {
    const plaintext = openSealed(this.#sealingKey, record.sealedPrivateKey, record.kid);
    if (!plaintext) {
      throw new Error(
        `signing key ${record.kid} does not open with this server key (TESSERA_SECRET_KEY or data/secret.key differs from the one that sealed it)`,
      );
    }
    try {
      const jwk = JSON.parse(plaintext.toString('utf8')) as JWK;
      return (await importJWK(jwk, record.alg, { extractable: false })) as CryptoKey;
    } finally {
      plaintext.fill(0);
    }
  }
}

/** The key that signs at `now`: the latest activated of those not retired by then. */
function signerOf(keys: readonly SigningKeyRecord[], now: number): SigningKeyRecord | undefined {
  let signer: SigningKeyRecord | undefined;
  for (const key of keys) {
    if (key.activatedAt > now || (key.retiredAt !== null && key.retiredAt <= now)) continue;
    if (!signer || key.activatedAt > signer.activatedAt) signer = key;
  }
  return signer;
}

function publishedKey(key: SigningKeyRecord): PublishedKey {
  const { kty, crv, x } = key.publicJwk;
  return { kty: kty!, crv: crv!, x: x!, kid: key.kid, alg: key.alg, use: 'sig' };
}
