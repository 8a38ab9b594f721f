import {
  applyItemPatches,
  assertItemAllowed,
  EDGE_CONFIG_RESOURCE,
  edgeConfigDigest,
  type EdgeConfigRecord,
  type ItemPatch,
} from '../core/vercel-edge-config.js';
import { AppError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { IssuedToken } from '../core/issue-token.js';
import type { TokenRecord } from '../core/token.js';
import type { EdgeConfigStore } from '../store/edge-config-store.js';
import type { TokenStore } from '../store/token-store.js';
import type { AccessPolicy, TeamRef } from './access-policy.js';
import type { CallContext } from './principal.js';
import type { EdgeConfigAccess } from './vercel-edge-config-access.js';
import type { Runtime } from './runtime.js';
import type { TokenService } from './token-service.js';
import type { VerifyService } from './verify-service.js';

/** Item writes that lose a race retry this often before giving up. */
const MAX_WRITE_ATTEMPTS = 5;

/**
 * A minimal Vercel Edge Config: a JSON key-value store owned by a user or team, read with
 * resource tokens (`resource: {kind: 'edge-config', id}`) issued through the token service under
 * the config's rules (EdgeConfigAccess).
 */
export class EdgeConfigService {
  constructor(
    private readonly deps: {
      edgeConfigs: EdgeConfigStore;
      configAccess: EdgeConfigAccess;
      tokens: TokenStore;
      tokenService: TokenService;
      verify: VerifyService;
      access: AccessPolicy;
      runtime: Runtime;
    },
  ) {}

  async create(ctx: CallContext, input: { slug: string; items?: Record<string, unknown>; team?: TeamRef }): Promise<EdgeConfigRecord> {
    const team = await this.deps.access.actingTeam(ctx.principal, input.team, 'write');
    const now = this.deps.runtime.now();
    const items = input.items ?? {};
    for (const [key, value] of Object.entries(items)) assertItemAllowed(key, value);
    const config: EdgeConfigRecord = {
      id: newId('ecfg', now, this.deps.runtime.randomBytes),
      slug: input.slug,
      ownerUserId: ctx.principal.user.id,
      teamId: team?.team.id ?? null,
      items,
      digest: edgeConfigDigest(items),
      createdAt: now,
      updatedAt: now,
    };
    await this.deps.edgeConfigs.insert(config);
    return config;
  }

  /** 404 when it does not exist, 403 when it is another user's or team's. */
  get(ctx: CallContext, id: string, write = false): Promise<EdgeConfigRecord> {
    return this.deps.configAccess.config(ctx.principal, id, write ? 'write' : 'read');
  }

  async patchItems(ctx: CallContext, id: string, patches: readonly ItemPatch[]): Promise<EdgeConfigRecord> {
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const config = await this.get(ctx, id, true);
      const items = applyItemPatches(config.items, patches);
      const digest = edgeConfigDigest(items);
      const now = this.deps.runtime.now();
      if (await this.deps.edgeConfigs.replaceItems(id, config.digest, items, digest, now)) {
        return { ...config, items, digest, updatedAt: now };
      }
    }
    throw new AppError('CONFLICT', 'the edge config kept changing; try again');
  }

  /** A token that reads the config: made by the token service, under the config's rules. */
  createToken(ctx: CallContext, id: string, label: string): Promise<IssuedToken> {
    return this.deps.tokenService.create(ctx, { name: label, type: 'resource', origin: 'vercel', resource: { kind: EDGE_CONFIG_RESOURCE, id } });
  }

  async listTokens(ctx: CallContext, id: string): Promise<TokenRecord[]> {
    await this.get(ctx, id);
    const page = await this.deps.tokens.list({
      resource: { kind: EDGE_CONFIG_RESOURCE, id },
      status: 'active',
      limit: 10_000,
      now: this.deps.runtime.now(),
    });
    return page.items;
  }

  /** A token of this config, named by its secret or its id. */
  async getToken(ctx: CallContext, id: string, secretOrId: string): Promise<TokenRecord> {
    const named = (await this.deps.verify.lookupPresented(secretOrId, ctx.ip ?? ''))?.id ?? secretOrId;
    const token = (await this.listTokens(ctx, id)).find((t) => t.id === named);
    if (!token) throw new AppError('TOKEN_NOT_FOUND', 'no such token for this edge config');
    return token;
  }

  /** Whoever may change the config deletes any of its tokens (AccessPolicy.ownerOf), whoever made it. */
  async deleteTokens(ctx: CallContext, id: string, secretsOrIds: readonly string[]): Promise<void> {
    await this.get(ctx, id, true);
    // Find them all before deleting any: a request that names one unknown token is refused whole.
    const tokens: TokenRecord[] = [];
    for (const item of secretsOrIds) tokens.push(await this.getToken(ctx, id, item));
    for (const token of new Map(tokens.map((t) => [t.id, t])).values()) await this.deps.tokenService.delete(ctx, token.id);
  }

  /**
   * For the read API: the config, if the presented token may read it; 404 first, so a missing
   * config says so. The token must name this config and belong where the config does: one made
   * for it by anyone else reads nothing.
   */
  async read(id: string, credential: string | undefined, address: string): Promise<EdgeConfigRecord> {
    const config = await this.deps.edgeConfigs.find(id);
    if (!config) throw new AppError('EDGE_CONFIG_NOT_FOUND', 'no such edge config');
    if (credential === undefined) throw new AppError('UNAUTHORIZED', 'a token made for this edge config is required');
    // A read is a verification of the reader: its IP allowlist, rate limits and credits apply.
    const result = await this.deps.verify.verifyCredential(credential, { resource: { kind: EDGE_CONFIG_RESOURCE, id }, ip: address }, address);
    if (result.code === 'RATE_LIMITED' && result.rateLimit) {
      const { limit, remaining, resetAt, retryAfterMs } = result.rateLimit;
      const now = this.deps.runtime.now();
      throw new AppError('RATE_LIMITED', `rate limit ${result.rateLimit.name} of ${limit} reached`, {
        limit,
        remaining,
        resetAfterMs: Math.max(0, resetAt - now),
        retryAfterMs,
      });
    }
    if (!result.valid || !result.token || !belongsWith(result.token, config)) throw new AppError('UNAUTHORIZED', 'the token cannot read this edge config');
    return config;
  }
}

function belongsWith(token: TokenRecord, config: EdgeConfigRecord): boolean {
  return token.teamId === config.teamId && (config.teamId !== null || token.ownerUserId === config.ownerUserId);
}
