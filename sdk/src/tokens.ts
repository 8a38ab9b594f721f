import { idempotencyKeyFor, type CallOptions, type IdempotentCallOptions, type Transport } from './transport.js';
import type { CreateTokenInput, IssuedToken, ListTokensQuery, RotateTokenInput, Token, TokenPage, UpdateTokenInput } from './types.js';

const tokenPath = (id: string) => `/v1/tokens/${encodeURIComponent(id)}`;

/** `tessera.tokens`: the management API of tokens; the client's token needs the `tokens:*` scopes. */
export class TokensApi {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /** Creates a token; its secret is in this answer and never again. Sent with an Idempotency-Key, so a retry never makes two. */
  create(input: CreateTokenInput, options: IdempotentCallOptions = {}): Promise<IssuedToken> {
    const idempotencyKey = idempotencyKeyFor(options);
    return this.#transport.send({ method: 'POST', path: '/v1/tokens', body: input, authenticated: true, idempotencyKey }, options);
  }

  /** Every token the query matches, page after page as the loop asks for them. */
  async *list(query: ListTokensQuery = {}, options: CallOptions = {}): AsyncGenerator<Token, void, undefined> {
    for await (const page of this.pages(query, options)) yield* page.items;
  }

  /** The pages of a listing, each fetched when the loop asks for it; resume one with `cursor` (a page's `nextCursor`). */
  async *pages(query: ListTokensQuery = {}, options: CallOptions = {}): AsyncGenerator<TokenPage, void, undefined> {
    let cursor = query.cursor;
    do {
      const page = await this.#transport.send<TokenPage>({ method: 'GET', path: '/v1/tokens', query: { ...query, cursor }, authenticated: true }, options);
      yield page;
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
  }

  async get(id: string, options: CallOptions = {}): Promise<Token> {
    const answer = await this.#transport.send<{ token: Token }>({ method: 'GET', path: tokenPath(id), authenticated: true }, options);
    return answer.token;
  }

  /** Changes what the input names: name, scopes, expiry, metadata, IP allowlist, credits on or off, refill, rate limits. */
  async update(id: string, input: UpdateTokenInput, options: CallOptions = {}): Promise<Token> {
    // Setting the same fields again changes nothing more: safe to retry without a key.
    const request = { method: 'PATCH', path: tokenPath(id), body: input, authenticated: true, repeatable: true } as const;
    return (await this.#transport.send<{ token: Token }>(request, options)).token;
  }

  /**
   * A new secret for the token; the old one verifies until the grace period ends. Not retried once
   * it may have reached the server: the route takes no Idempotency-Key, and a second rotation
   * would end the first one's secret.
   */
  rotate(id: string, input: RotateTokenInput = {}, options: CallOptions = {}): Promise<IssuedToken> {
    return this.#transport.send({ method: 'POST', path: `${tokenPath(id)}/rotate`, body: input, authenticated: true }, options);
  }

  /** Revokes the token at once; revoking a revoked token answers it again. */
  async revoke(id: string, options: CallOptions = {}): Promise<Token> {
    const request = { method: 'POST', path: `${tokenPath(id)}/revoke`, authenticated: true, repeatable: true } as const;
    return (await this.#transport.send<{ token: Token }>(request, options)).token;
  }

  /** Deletes the token and forgets it. Not retried once it may have reached the server, where a repeat would answer TOKEN_NOT_FOUND. */
  async delete(id: string, options: CallOptions = {}): Promise<void> {
    await this.#transport.send({ method: 'DELETE', path: tokenPath(id), authenticated: true }, options);
  }
}
