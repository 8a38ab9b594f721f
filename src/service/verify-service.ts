import { digestSecret, digestsEqual } from '../core/digest.js';
import { parseSecret } from '../core/secret.js';
import type { TokenRecord } from '../core/token.js';
import { decideVerify, type VerifyDecision, type VerifyRequirements } from '../core/verify.js';
import type { TokenStore } from '../store/token-store.js';
import type { Runtime } from './runtime.js';
import type { TokenCache } from './token-cache.js';
import type { UsageRecorder } from './usage-recorder.js';

export type VerifyResult = VerifyDecision & { token?: TokenRecord };

/** The verify pipeline: format and checksum, cache, store, pure decision, last-used written behind. */
export class VerifyService {
  constructor(
    private readonly deps: { tokens: TokenStore; cache: TokenCache; usage: UsageRecorder; runtime: Runtime },
  ) {}

  /** The stored token a presented secret names, or undefined; mistyped and made-up secrets never reach the store. */
  async lookup(secret: string): Promise<TokenRecord | undefined> {
    if (!parseSecret(secret)) return undefined;
    const digest = digestSecret(secret);
    const key = digest.toString('base64url');
    const now = this.deps.runtime.now();
    const cached = this.deps.cache.get(key, now);
    if (cached !== undefined) return cached ?? undefined;
    const found = await this.deps.tokens.findByDigest(digest);
    const token = found && digestsEqual(found.digest, digest) ? found : undefined;
    this.deps.cache.set(key, token ?? null, now);
    return token;
  }

  async verify(secret: string, required: VerifyRequirements): Promise<VerifyResult> {
    const token = await this.lookup(secret);
    const now = this.deps.runtime.now();
    const decision = decideVerify(token, required, now);
    if (!decision.valid) return decision;
    this.deps.usage.record(token!.id, now);
    return { ...decision, token: token! };
  }
}
