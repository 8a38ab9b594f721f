/**
 * A key the server signs its JWTs with (POST /oauth/token). The private half is stored sealed
 * under a key derived from the server key (core/sealed-box.ts), never in clear; the public half is
 * what /.well-known/jwks.json publishes.
 */
export interface SigningKeyRecord {
  /** The key id in a JWT's header: the RFC 7638 thumbprint of the public key. */
  kid: string;
  /** The JWS algorithm, `EdDSA`. */
  alg: string;
  /** The public JWK's members (kty, crv, x), without kid, alg or use. */
  publicJwk: Readonly<Record<string, string>>;
  /** The private JWK, sealed (AES-256-GCM, the kid authenticated with it). */
  sealedPrivateKey: string;
  createdAt: number;
  /** When it became the key new JWTs are signed with. */
  activatedAt: number;
  /** When a newer key replaced it; null while it is the current key. Retired keys still verify the JWTs they signed. */
  retiredAt: number | null;
}

/** The order `list` answers in: the current key, then the retired ones, the last retired first. */
export function byRecency(a: SigningKeyRecord, b: SigningKeyRecord): number {
  const retired = (key: SigningKeyRecord) => key.retiredAt ?? Number.POSITIVE_INFINITY;
  return retired(b) - retired(a) || b.activatedAt - a.activatedAt || (a.kid < b.kid ? -1 : a.kid > b.kid ? 1 : 0);
}

export interface SigningKeyStore {
  /** Every key, the current one first, then the retired ones, the last retired first; few (one per rotation). */
  list(): Promise<SigningKeyRecord[]>;
  /**
   * Stores `key` as the current key when there is none (retiredAt must be null). Throws AppError
   * CONFLICT when there is one already, also one stored a moment ago by another node: that one is
   * the current key then.
   */
  addFirst(key: SigningKeyRecord): Promise<void>;
  /**
   * In one transaction: retires the current key (if any) at `key.activatedAt` and stores `key` as
   * the current one. Answers the kid retired. Throws AppError CONFLICT when a concurrent rotation
   * stored its key first.
   */
  rotate(key: SigningKeyRecord): Promise<{ retired: string | null }>;
}
