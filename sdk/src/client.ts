import { CreditsApi } from './credits.js';
import { ReservationsApi } from './reservations.js';
import { retryPolicy, type RetryOptions } from './retry.js';
import { TokensApi } from './tokens.js';
import { idempotencyKeyFor, Transport, type CallOptions, type IdempotentCallOptions } from './transport.js';
import type { VerifyBatchRequest, VerifyRequest, VerifyResult } from './types.js';
import type { KeyVerifier, VerifyAnswer } from './verify-answer.js';

export interface TesseraOptions {
  /** Where tessera answers, e.g. `https://tessera.internal:8080`; a path prefix is kept. */
  url: string;
  /** A personal token (`tsr_…`) for the management API. Verification and reservations need none. */
  token?: string;
  /** How long one attempt may take, answer included, before it counts as lost. Default 10 s. */
  timeoutMs?: number;
  /** Retries of 429, 503 and lost connections, for the calls that are safe to repeat; `false` for none. */
  retry?: RetryOptions | false;
  /** The fetch to send with; the global one by default. */
  fetch?: typeof fetch;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * A typed client for tessera's native API. Every method answers the API's JSON as typed by the
 * server's own schemas, and fails with a TesseraError carrying the API's `code`.
 *
 * ```ts
 * const tessera = new Tessera({ url: process.env.TESSERA_URL!, token: process.env.TESSERA_TOKEN });
 * const { secret } = await tessera.tokens.create({ name: 'acme', credits: '100' });
 * const result = await tessera.verify({ token: secret, cost: '2.5' });
 * ```
 */
export class Tessera {
  readonly tokens: TokensApi;
  readonly credits: CreditsApi;
  readonly reservations: ReservationsApi;
  readonly #transport: Transport;

  constructor(options: TesseraOptions) {
    this.#transport = new Transport({
      url: options.url,
      token: options.token,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      retry: retryPolicy(options.retry),
      // Looked up at each call, so a fetch patched after construction (a test's, a tracer's) is used.
      fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    });
    this.tokens = new TokensApi(this.#transport);
    this.credits = new CreditsApi(this.#transport);
    this.reservations = new ReservationsApi(this.#transport);
  }

  /**
   * Whether the token is good for these requirements: `{valid, code}`, never an error for a bad
   * token. A metered token is charged `cost` (default 1), so the call carries an Idempotency-Key
   * and a retry after a lost answer is not charged again; `idempotencyKey: false` sends none, which
   * lets the server answer on its fast path and write nothing, at the price of no such retry.
   */
  verify(request: VerifyRequest, options: IdempotentCallOptions = {}): Promise<VerifyResult> {
    const idempotencyKey = idempotencyKeyFor(options);
    return this.#transport.send({ method: 'POST', path: '/v1/verify', body: request, authenticated: false, idempotencyKey }, options);
  }

  /**
   * This client as the middleware's `verifier`: `verify(secret, requirements)` asks the server
   * every time (the in-process verifier, `createVerifier`, answers known keys from memory).
   */
  keyVerifier(options: IdempotentCallOptions = {}): KeyVerifier {
    return { verify: (secret, requirements = {}) => this.verify({ token: secret, ...requirements }, options) as Promise<VerifyAnswer> };
  }

  /**
   * Up to 1,000 tokens in one call; the results are in request order. The route takes no
   * Idempotency-Key and charges metered tokens, so the call is not retried once it may have
   * reached the server.
   */
  async verifyBatch(request: VerifyBatchRequest, options: CallOptions = {}): Promise<VerifyResult[]> {
    const answer = await this.#transport.send<{ results: VerifyResult[] }>(
      { method: 'POST', path: '/v1/verify/batch', body: request, authenticated: false },
      options,
    );
    return answer.results;
  }
}
