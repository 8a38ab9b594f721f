import { edgeSignature, sha256Hex, signaturesEqual } from '../core/edge-signature.js';
import { AppError } from '../core/errors.js';
import type { Runtime } from './runtime.js';

const CLOCK_SKEW_MS = 5 * 60 * 1000;
const MAX_NONCES = 100_000;

export interface SignedRequest {
  method: string;
  path: string;
  authorization: string;
  timestamp: string | undefined;
  nonce: string | undefined;
  contentSha256: string | undefined;
  body: string;
}

/**
 * Unleash Edge's HMAC request signing. A nonce is accepted once while its timestamp is
 * fresh; remembered nonces are forgotten once their timestamp would be refused anyway.
 */
export class EdgeAuth {
  readonly #seen = new Map<string, number>();

  constructor(
    private readonly clients: Map<string, Buffer>,
    private readonly runtime: Runtime,
  ) {}

  /** The authenticated client id; throws UNAUTHORIZED for anything else. */
  authenticate(request: SignedRequest): string {
    const match = /^HMAC ([^:\s]+):(\S+)$/.exec(request.authorization);
    const secret = match && this.clients.get(match[1]!);
    if (!match || !secret) throw new AppError('UNAUTHORIZED', 'unknown edge client');
    const { timestamp, nonce, contentSha256 } = request;
    if (!timestamp || !nonce || !contentSha256) {
      throw new AppError('UNAUTHORIZED', 'x-timestamp, x-nonce and content-sha256 are required');
    }
    const now = this.runtime.now();
    const at = Date.parse(timestamp);
    if (Number.isNaN(at) || Math.abs(now - at) > CLOCK_SKEW_MS) throw new AppError('UNAUTHORIZED', 'x-timestamp is not within 5 minutes');
    if (contentSha256.toLowerCase() !== sha256Hex(request.body)) throw new AppError('UNAUTHORIZED', 'content-sha256 does not match the body');
    const expected = edgeSignature(secret, { method: request.method, path: request.path, timestamp, nonce, bodySha256: contentSha256.toLowerCase() });
    if (!signaturesEqual(expected, match[2]!)) throw new AppError('UNAUTHORIZED', 'bad signature');
    const key = `${match[1]}\n${nonce}`;
    if (this.#seen.has(key)) throw new AppError('UNAUTHORIZED', 'replayed nonce');
    this.#remember(key, at, now);
    return match[1]!;
  }

  #remember(key: string, at: number, now: number): void {
    for (const [seen, time] of this.#seen) {
      if (time >= now - 2 * CLOCK_SKEW_MS && this.#seen.size < MAX_NONCES) break;
      this.#seen.delete(seen);
    }
    this.#seen.set(key, at);
  }
}
