import { addressBlock } from '../core/address-block.js';
import { digestSecret, digestsEqual } from '../core/digest.js';
import { AppError } from '../core/errors.js';
import { scanningSignatureValid, type ScanningKey } from '../core/github-secret-scanning.js';
import type { RateLimitRule } from '../core/rate-limit.js';
import type { RateLimiter } from './rate-limiter.js';
import type { Runtime } from './runtime.js';

/**
 * GitHub's secret scanning public keys as the operator keeps them: the keys read, and a way to
 * read them again. GitHub rotates its signing key and publishes the new one beside the old; a
 * report that names a key not among these makes the ring read its source again, so a saved new
 * document takes effect without a restart.
 */
export interface ScanningKeyring {
  readonly keys: readonly ScanningKey[];
  /** Reads the keys again if their source changed since it last read them; keeps them when it cannot. */
  reload(): void;
}

export interface LeakPartnerOptions {
  /** GitHub's secret scanning public keys (TESSERA_GITHUB_SCANNING_KEYS_FILE); the GitHub endpoint answers 404 without them. */
  githubKeys?: ScanningKeyring | undefined;
  /** The token GitLab presents (TESSERA_GITLAB_REVOCATION_TOKEN); the GitLab endpoints answer 404 without it. */
  gitlabToken?: string | undefined;
  /** Public reports one address may make per minute (TESSERA_LEAK_REPORTS_PER_MINUTE); 10 when not given, 0 = no limit. */
  reportsPerMinute?: number | undefined;
}

/**
 * Who may tell tessera of a leak, checked before anything is read or changed: GitHub by its
 * signature over the body as sent, GitLab by the pre-shared token, anyone else within a rate limit
 * per address. An intake path that is not configured is not there (404): nothing can be sent to it.
 */
export class LeakPartners {
  readonly #github: ScanningKeyring | undefined;
  /** Compared by digest: equal lengths for timingSafeEqual, and the token is not kept in clear. */
  readonly #gitlabDigest: Buffer | undefined;
  readonly #reportRule: RateLimitRule | undefined;

  constructor(
    private readonly deps: { rateLimiter: RateLimiter; runtime: Runtime },
    options: LeakPartnerOptions = {},
  ) {
    this.#github = options.githubKeys;
    this.#gitlabDigest = options.gitlabToken ? digestSecret(options.gitlabToken) : undefined;
    const perMinute = options.reportsPerMinute ?? 10;
    this.#reportRule = perMinute > 0 ? { name: 'leak-reports', limit: perMinute, durationMs: 60_000 } : undefined;
  }

  /** Throws NOT_FOUND when no GitHub keys are configured, UNAUTHORIZED when the signature is missing or wrong. */
  checkGithub(keyId: string | undefined, signature: string | undefined, body: Uint8Array): void {
    const ring = this.#github;
    if (!ring) throw new AppError('NOT_FOUND', 'GitHub secret scanning is not configured here (TESSERA_GITHUB_SCANNING_KEYS_FILE)');
    if (keyId !== undefined && !ring.keys.some((key) => key.id === keyId)) ring.reload();
    if (!scanningSignatureValid(ring.keys, keyId, signature, body)) {
      throw new AppError('UNAUTHORIZED', 'the GitHub-Public-Key-Signature does not verify with the key GitHub-Public-Key-Identifier names');
    }
  }

  /** Throws NOT_FOUND when no GitLab token is configured, UNAUTHORIZED unless `authorization` is it (bare or as a bearer token). */
  checkGitlab(authorization: string | undefined): void {
    if (!this.#gitlabDigest) throw new AppError('NOT_FOUND', 'the GitLab token revocation API is not configured here (TESSERA_GITLAB_REVOCATION_TOKEN)');
    const presented = authorization?.replace(/^Bearer\s+/i, '');
    if (!presented || !digestsEqual(digestSecret(presented), this.#gitlabDigest)) {
      throw new AppError('UNAUTHORIZED', 'the Authorization header is not the pre-shared GitLab revocation token');
    }
  }

  /** Throws RATE_LIMITED once `ip` has used up its public reports for now. */
  async checkReport(ip: string): Promise<void> {
    if (!this.#reportRule) return;
    const now = this.deps.runtime.now();
    const outcome = await this.deps.rateLimiter.consume([{ key: `leak-report ${addressBlock(ip)}`, rule: this.#reportRule, cost: 1 }], now);
    if (outcome.allowed) return;
    throw new AppError('RATE_LIMITED', 'too many leak reports from this address; retry later', {
      limit: outcome.limit,
      remaining: outcome.remaining,
      resetAfterMs: Math.max(0, outcome.resetAt - now),
      retryAfterMs: outcome.retryAfterMs,
    });
  }
}
