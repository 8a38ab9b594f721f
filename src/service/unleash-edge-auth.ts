import { edgeSignature, sha256Hex, signaturesEqual } from '../core/unleash-edge-signature.js';
import { AppError } from '../core/errors.js';
import type { IdempotencyStore } from '../store/idempotency-store.js';
import type { Runtime } from './runtime.js';

const CLOCK_SKEW_MS = 5 * 60 * 1000;

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
 * Unleash Edge's HMAC request signing. A nonce is accepted once while its timestamp is fresh,
 * on every node: it is claimed in the store, not remembered in this process, so a signed
 * request that one node took is refused by the others too. A claim lasts until the timestamp
 * would be refused anyway — twice the allowed skew after the signed time, so that nodes whose
 * clocks differ still agree — and is then purged with the expired idempotency keys.
 */
export class EdgeAuth {
  constructor(
    private readonly deps: {
      clients: Map<string, Buffer>;
      idempotency: IdempotencyStore;
      runtime: Runtime;
    },
  ) {}

  /** The authenticated client id; throws UNAUTHORIZED for anything else. */
  async authenticate(request: SignedRequest): Promise<string> {
    const match = /^HMAC ([^:\s]+):(\S+)$/.exec(request.authorization);
    const secret = match && this.deps.clients.get(match[1]!);
    if (!match || !secret) throw new AppError('UNAUTHORIZED', 'unknown edge client');
    const { timestamp, nonce, contentSha256 } = request;
    if (!timestamp || !nonce || !contentSha256) {
      throw new AppError('UNAUTHORIZED', 'x-timestamp, x-nonce and content-sha256 are required');
    }
    const now = this.deps.runtime.now();
    const at = Date.parse(timestamp);
    if (Number.isNaN(at) || Math.abs(now - at) > CLOCK_SKEW_MS) throw new AppError('UNAUTHORIZED', 'x-timestamp is not within 5 minutes');
    const bodySha256 = contentSha256.toLowerCase();
    if (bodySha256 !== sha256Hex(request.body)) throw new AppError('UNAUTHORIZED', 'content-sha256 does not match the body');
    const expected = edgeSignature(secret, { method: request.method, path: request.path, timestamp, nonce, bodySha256 });
    if (!signaturesEqual(expected, match[2]!)) throw new AppError('UNAUTHORIZED', 'bad signature');
    // Only now, signed: nobody without a client's secret can fill the store with claims.
    const claimed = await this.deps.idempotency.claim(
      {
        scope: `unleash-edge-nonce:${match[1]}`,
        // A digest, so a client's nonce of any length takes a key of one size.
        key: sha256Hex(nonce),
        requestHash: bodySha256,
        status: null,
        body: null,
        createdAt: now,
        expiresAt: at + 2 * CLOCK_SKEW_MS,
      },
      now,
    );
    if (claimed !== true) throw new AppError('UNAUTHORIZED', 'replayed nonce');
    return match[1]!;
  }
}
