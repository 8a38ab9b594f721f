import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { parseCredits } from '../../src/core/credits.js';
import { hash } from 'node:crypto';
import { planCharge } from '../../src/core/metering.js';
import type { TokenRecord } from '../../src/core/token.js';
import { decideVerify } from '../../src/core/verify.js';
import { TesseraError, type TesseraErrorCode } from './errors.js';
import { UsageReport, type ReportedCount } from './usage-report.js';
import { answerOf, type TokenView, type VerifyAnswer, type VerifyRequirements } from './verify-answer.js';

export interface VerifierOptions {
  /** The tessera server, e.g. `http://127.0.0.1:8420`. */
  url: string;
  /** A personal token with the `verifier:read` scope: it reads the change stream (and the snapshot). */
  token: string;
  /** Follow one team's tokens only (a team-scoped token needs none: it sees its team). */
  teamId?: string;
  /** Load every token of the scope up front (`GET /v1/verifier/snapshot`) instead of learning tokens as they are presented. */
  snapshot?: boolean;
  /** How long the stream may stay silent (the server sends a heartbeat every 15 s) before it counts as lost; default 45 s. */
  silenceMs?: number;
  /** The bounds of the wait before reconnecting, doubling from the first to the second; default 100 ms to 5 s. */
  reconnectMs?: { first: number; most: number };
  /** Tokens kept at most; past it the oldest learned is dropped. Default 100,000. */
  maxTokens?: number;
  /**
   * How often the verifications answered here are reported to the server (`POST /v1/verifier/usage`),
   * so its analytics and tokens' last-used times include them; default 5 s. `false`: never (then
   * tokens verified only here look unused, and inactivity policies may revoke them).
   */
  reportUsageMs?: number | false;
  /** Told of stream failures (the verifier reconnects by itself), of answers it could not store and of usage reports that failed. */
  onError?: (error: Error) => void;
  /** The fetch to use; the global one by default. */
  fetch?: typeof fetch;
}

/** What the verifier knows of one token, keyed by the digest of its secret: never the secret. */
interface Known {
  record: TokenRecord;
  /**
   * Its VALID answer, already resolved: given again to every call it answers (made once, it
   * costs nothing more). Undefined when the token has rate limits or credits to spend: then the
   * server decides every call.
   */
  valid: Promise<VerifyAnswer> | undefined;
  /**
   * Until when a call that requires nothing is VALID: the first of its expiry and its revocation
   * (a rotation's grace ends); 0 when such a call is refused anyway (an IP allowlist needs an ip).
   */
  plainUntil: number;
  /** Calls answered VALID with nothing required since the last count was taken (the cheapest way to count the commonest answer). */
  uses: number;
}

/** Counts for monitoring: how many tokens are known, whether they are being used, where the stream stands. */
export interface VerifierState {
  tokens: number;
  /** True while the change stream is connected and has sent everything since `seq`: known tokens are answered in process. */
  live: boolean;
  /** The last change of the server's change log this verifier has applied. */
  seq: number | undefined;
}

/**
 * Verifies API keys in process, the way tessera's `POST /v1/verify` would, with the same pure
 * decision the server makes (`decideVerify`, `planCharge` from tessera's core).
 *
 * A key the verifier knows (it passed a verification through the server, or came in a snapshot)
 * is decided here, without a round trip, unless it has rate limits or credits to spend: those
 * must be exact across every node, so the server decides them. Every other key goes to the
 * server, whose answer is passed on. Tokens are kept by the digest of their secret, as the server
 * keeps them.
 *
 * Known keys stay true through the server's change stream (`GET /v1/verifier/changes`, Server-Sent
 * Events): each revocation, rotation, deletion or change of a token, on any node, drops it here.
 * While the stream is down, or has not yet sent what was missed, nothing known is used: every
 * key goes to the server, as a tessera node does while its own change feed is down. The stream
 * reconnects by itself and resumes after the last change it applied (`Last-Event-ID`).
 */
export class Verifier {
  readonly #options: VerifierOptions & { silenceMs: number; maxTokens: number; reconnectMs: { first: number; most: number } };
  readonly #fetch: typeof fetch;
  readonly #known = new Map<string, Known>();
  /** Bumped whenever what is known may have gone stale: an answer asked for before must not be stored after. */
  #epoch = 0;
  #live = false;
  #seq: number | undefined;
  #closed = false;
  #abort: AbortController | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #silenceTimer: NodeJS.Timeout | undefined;
  #failures = 0;
  readonly #liveWaiters: Array<() => void> = [];
  readonly #usage: UsageReport | undefined;
  #usageTimer: NodeJS.Timeout | undefined;
  /** When the usage report's minute ends (Infinity when usage is not reported). */
  #minuteEnd = Infinity;

  constructor(options: VerifierOptions) {
    this.#options = {
      ...options,
      url: options.url.replace(/\/+$/, ''),
      silenceMs: options.silenceMs ?? 45_000,
      maxTokens: options.maxTokens ?? 100_000,
      reconnectMs: options.reconnectMs ?? { first: 100, most: 5_000 },
    };
    this.#fetch = options.fetch ?? fetch;
    if (options.reportUsageMs !== false) {
      this.#usage = new UsageReport(
        (counts) => this.#sendUsage(counts),
        (error) => this.#options.onError?.(error),
        Date.now(),
      );
      this.#minuteEnd = this.#usage.minuteEnd;
      this.#usageTimer = setInterval(() => void this.#flushUsage(), options.reportUsageMs ?? 5000);
      this.#usageTimer.unref();
    }
    void this.#connect();
  }

  /**
   * What `POST /v1/verify` would answer for `secret` with these requirements: at once from memory
   * for a known key with nothing to spend, else from the server. Rejects with a TesseraError only
   * when the server had to be asked and could not answer.
   */
  verify(secret: string, requirements: VerifyRequirements = NONE): Promise<VerifyAnswer> {
    // A known digest is a stored token's: its secret's format and checksum need no second look.
    const known = this.#live ? this.#known.get(keyOf(secret)) : undefined;
    if (known?.valid) {
      const now = Date.now();
      if (now >= this.#minuteEnd) this.#turnMinute(now);
      // Nothing required and nothing due yet: valid, without the whole decision.
      if (requirements === NONE && now < known.plainUntil) {
        known.uses++;
        return known.valid;
      }
      const verdict = decideVerify(known.record, requirements, now);
      this.#usage?.add(known.record.id, verdict.code, requirements.tags, 1);
      return verdict.valid ? known.valid : Promise.resolve(verdict);
    }
    return this.#ask(secret, requirements);
  }

  /** Resolves once the change stream is live (known keys are then answered in process). */
  live(): Promise<void> {
    if (this.#live) return Promise.resolve();
    return new Promise((resolve) => this.#liveWaiters.push(resolve));
  }

  state(): VerifierState {
    return { tokens: this.#known.size, live: this.#live, seq: this.#seq };
  }

  /**
   * Sends the usage counted so far now, rather than at the next report (a process about to exit
   * calls it, or close, which does).
   */
  async flushUsage(): Promise<void> {
    await this.#flushUsage();
  }

  /** Stops the stream, forgets every token, and sends the usage counted since the last report. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#down();
    clearTimeout(this.#retryTimer);
    clearInterval(this.#usageTimer);
    this.#forgetAll();
    await this.#usage?.flush();
  }

  #flushUsage(): Promise<void> {
    if (!this.#usage) return Promise.resolve();
    for (const known of this.#known.values()) this.#takeUses(known);
    return this.#usage.flush();
  }

  /** The minute turned: what was counted so far belongs to the one that ended. */
  #turnMinute(now: number): void {
    for (const known of this.#known.values()) this.#takeUses(known);
    this.#usage!.turn(now);
    this.#minuteEnd = this.#usage!.minuteEnd;
  }

  #takeUses(known: Known): void {
    if (known.uses === 0) return;
    this.#usage?.add(known.record.id, 'VALID', undefined, known.uses);
    known.uses = 0;
  }

  async #sendUsage(counts: ReportedCount[]): Promise<void> {
    const query = this.#options.teamId === undefined ? '' : `?teamId=${encodeURIComponent(this.#options.teamId)}`;
    const response = await this.#fetch(`${this.#options.url}/v1/verifier/usage${query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.#options.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ counts }),
    }).catch((cause: unknown) => {
      throw new TesseraError('NETWORK_ERROR', 'tessera could not be reached to report usage', { cause });
    });
    if (response.status === 200) {
      await response.body?.cancel();
      return;
    }
    const error = serverError(response, await response.json().catch(() => undefined));
    // Refused as it is (a 4xx but 429): sending it again would be refused again.
    if (response.status < 500 && response.status !== 429) Object.assign(error, { retry: false });
    throw error;
  }

  async #ask(secret: string, requirements: VerifyRequirements): Promise<VerifyAnswer> {
    const epoch = this.#epoch;
    const response = await this.#fetch(`${this.#options.url}/v1/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: secret, ...requirements }),
    }).catch((cause: unknown) => {
      throw new TesseraError('NETWORK_ERROR', 'tessera could not be reached to verify a key', { cause });
    });
    const body = (await response.json().catch(() => undefined)) as unknown;
    if (response.status !== 200) throw serverError(response, body);
    const answer = answerOf(body);
    // Learned only while nothing that could have changed it happened since the question was asked.
    if (answer.valid && answer.token && epoch === this.#epoch && this.#live) this.#learn(keyOf(secret), answer.token);
    return answer;
  }

  #learn(key: string, view: TokenView): void {
    const record = recordOf(view);
    if (!record) return;
    // Rate limits and credits are counted on the server, for every node: such a token is never answered here.
    const local = record.rateLimits.length === 0 && planCharge(record, undefined, Date.now()) === undefined;
    const valid = local ? Promise.resolve(Object.freeze({ valid: true, code: 'VALID', token: view }) as VerifyAnswer) : undefined;
    this.#drop(key);
    const plainUntil = record.ipAllowlist.length > 0 || record.leakedAt !== null ? 0 : Math.min(record.expiresAt ?? Infinity, record.revokedAt ?? Infinity);
    this.#known.set(key, { record, valid, plainUntil, uses: 0 });
    // A Map iterates in insertion order: the first key is the one learned longest ago.
    if (this.#known.size > this.#options.maxTokens) this.#drop(this.#known.keys().next().value!);
  }

  /** Forgets one token, keeping the count of its uses. */
  #drop(key: string): void {
    const known = this.#known.get(key);
    if (!known) return;
    this.#takeUses(known);
    this.#known.delete(key);
  }

  #forget(key: string): void {
    this.#epoch++;
    this.#drop(key);
  }

  #forgetAll(): void {
    this.#epoch++;
    for (const known of this.#known.values()) this.#takeUses(known);
    this.#known.clear();
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    const abort = new AbortController();
    this.#abort = abort;
    try {
      if (this.#options.snapshot && this.#seq === undefined) await this.#loadSnapshot(abort.signal);
      const query = this.#options.teamId === undefined ? '' : `?teamId=${encodeURIComponent(this.#options.teamId)}`;
      const headers: Record<string, string> = { authorization: `Bearer ${this.#options.token}`, accept: 'text/event-stream' };
      if (this.#seq !== undefined) headers['last-event-id'] = String(this.#seq);
      const response = await this.#fetch(`${this.#options.url}/v1/verifier/changes${query}`, { headers, signal: abort.signal });
      if (response.status !== 200 || !response.body) throw serverError(response, await response.json().catch(() => undefined));
      const parser = createParser({ onEvent: (event) => this.#apply(event) });
      this.#heard();
      const decoder = new TextDecoder();
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        this.#heard();
        parser.feed(decoder.decode(chunk, { stream: true }));
      }
      throw new Error('the change stream ended');
    } catch (error) {
      if (this.#closed) return;
      this.#options.onError?.(error instanceof Error ? error : new Error(String(error)));
    } finally {
      if (this.#abort === abort) this.#down();
    }
    if (this.#closed) return;
    const { first, most } = this.#options.reconnectMs;
    const wait = Math.min(most, first * 2 ** Math.min(this.#failures++, 16));
    this.#retryTimer = setTimeout(() => void this.#connect(), wait / 2 + Math.random() * (wait / 2));
  }

  #apply(event: EventSourceMessage): void {
    const data = JSON.parse(event.data) as { seq: number; digest?: string };
    switch (event.event) {
      case 'change':
        this.#forget(keyOfDigest(data.digest!));
        this.#seq = data.seq;
        return;
      case 'position':
        // Changes this verifier may not see moved the log on: resume after them.
        this.#seq = data.seq;
        return;
      case 'stale':
        // The node may miss changes: it ends the stream; the verifier asks the server until it is back.
        this.#down();
        return;
      case 'ready':
        this.#seq ??= data.seq;
        this.#live = true;
        this.#failures = 0;
        for (const resolve of this.#liveWaiters.splice(0)) resolve();
        return;
      case 'reset':
        // The server no longer holds every change since ours: nothing known can be trusted.
        this.#forgetAll();
        this.#seq = data.seq;
        if (this.#options.snapshot) {
          this.#seq = undefined;
          this.#abort?.abort(new Error('the change log moved past this verifier: taking a new snapshot'));
        }
        return;
      default:
        return;
    }
  }

  async #loadSnapshot(signal: AbortSignal): Promise<void> {
    let cursor: string | null = null;
    let seq: number | undefined;
    do {
      const query = new URLSearchParams();
      if (this.#options.teamId !== undefined) query.set('teamId', this.#options.teamId);
      if (cursor !== null) query.set('cursor', cursor);
      const response = await this.#fetch(`${this.#options.url}/v1/verifier/snapshot?${query}`, {
        headers: { authorization: `Bearer ${this.#options.token}` },
        signal,
      });
      const body = (await response.json()) as { seq: number; items: Array<{ digest: string; token: TokenView }>; nextCursor: string | null };
      if (response.status !== 200) throw serverError(response, body);
      // The first page's number: the stream then resumes after it, so nothing made since is missed.
      seq ??= body.seq;
      for (const { digest, token } of body.items) this.#learn(keyOfDigest(digest), token);
      cursor = body.nextCursor;
    } while (cursor !== null);
    this.#seq = seq;
  }

  /** The stream said something: it is alive for another `silenceMs`. */
  #heard(): void {
    clearTimeout(this.#silenceTimer);
    this.#silenceTimer = setTimeout(
      () => this.#abort?.abort(new Error(`the change stream was silent for ${this.#options.silenceMs} ms`)),
      this.#options.silenceMs,
    );
    this.#silenceTimer.unref();
  }

  #down(): void {
    this.#live = false;
    this.#epoch++;
    clearTimeout(this.#silenceTimer);
    this.#abort?.abort();
    this.#abort = undefined;
  }
}

/**
 * The key a token is known by: the SHA-256 digest of its secret, as the server keeps it, in
 * latin1 (one character a byte): the shortest string a digest makes, so the cheapest to make and
 * to look up on every verification.
 */
function keyOf(secret: string): string {
  return hashAs('sha256', secret, 'latin1');
}

/** node:crypto's `hash`; its types list hex, base64, base64url and buffer, and it takes every BufferEncoding. */
const hashAs = hash as (algorithm: string, data: string, outputEncoding: BufferEncoding) => string;

/** The same key from a digest as the server sends it (base64url). */
function keyOfDigest(digest: string): string {
  return Buffer.from(digest, 'base64url').toString('latin1');
}

/** No requirements: one object for every call that names none. */
const NONE: VerifyRequirements = Object.freeze({});

/** A verifier following the server at `url`; `close()` it when done. */
export function createVerifier(options: VerifierOptions): Verifier {
  return new Verifier(options);
}

/** The token a view shows, as the core's decisions read it; undefined when a field does not parse. */
function recordOf(view: TokenView): TokenRecord | undefined {
  const credits = view.credits === null ? null : parseCredits(view.credits);
  const refillAmount = view.refill === null ? null : parseCredits(view.refill.amount);
  if (credits === undefined || refillAmount === undefined) return undefined;
  return {
    ...view,
    digest: Buffer.alloc(0),
    // A server older than suspension sends neither: not suspended.
    disabledAt: view.disabledAt ?? null,
    ownerDisabledAt: view.ownerDisabledAt ?? null,
    credits,
    refill: view.refill === null || refillAmount === null ? null : { ...view.refill, amount: refillAmount },
  };
}

function serverError(response: Response, body: unknown): TesseraError {
  const error = (body as { error?: { code?: string; message?: string; requestId?: string } } | undefined)?.error;
  const code = (error?.code ?? 'UNEXPECTED_RESPONSE') as TesseraErrorCode;
  return new TesseraError(code, `tessera answered ${response.status}${error?.message ? `: ${error.message}` : ''}`, {
    status: response.status,
    requestId: error?.requestId ?? response.headers.get('x-request-id') ?? undefined,
  });
}
