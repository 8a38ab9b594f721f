import { teamRoleCanWrite } from '../core/account.js';
import { applyItemPatches, assertItemAllowed, EDGE_CONFIG_RESOURCE, edgeConfigDigest, type EdgeConfigRecord, type ItemPatch } from '../core/edge-config.js';
import { AppError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { IssuedToken } from '../core/issue-token.js';
import type { TokenRecord } from '../core/token.js';
import { decideVerify } from '../core/verify.js';
import type { EdgeConfigStore } from '../store/edge-config-store.js';
import type { TokenStore } from '../store/token-store.js';
import type { AccessPolicy, TeamRef } from './access-policy.js';
import type { CallContext } from './principal.js';
import type { Runtime } from './runtime.js';
import type { TokenService } from './token-service.js';
import type { VerifyService } from './verify-service.js';

/** Item writes that lose a race retry this often before giving up. */
const MAX_WRITE_ATTEMPTS = 5;

/**
 * A minimal Vercel Edge Config: a JSON key-value store owned by a user or team, read with
 * resource tokens (`resource: {kind: 'edge-config', id}`) issued through the token service.
 */
export class EdgeConfigService {
  constructor(
    private readonly deps: {
      edgeConfigs: EdgeConfigStore;
      tokens: TokenStore;
      tokenService: TokenService;
      verify: VerifyService;
      access: AccessPolicy;
      runtime: Runtime;
      /** Tokens one config may have: the plan limit behind Vercel's 402. */
      tokenLimit: number;
    },
  ) {}

  async create(ctx: CallContext, input: { slug: string; items?: Record<string, unknown>; team?: TeamRef }): Promise<EdgeConfigRecord> {
    const teamId = input.team ? (await this.deps.access.writableTeam(ctx.principal, input.team)).team.id : null;
    const now = this.deps.runtime.now();
    const items = input.items ?? {};
    for (const [key, value] of Object.entries(items)) assertItemAllowed(key, value);
    const config: EdgeConfigRecord = {
      id: newId('ecfg', now, this.deps.runtime.randomBytes),
      slug: input.slug,
      ownerUserId: ctx.principal.user.id,
      teamId,
      items,
      digest: edgeConfigDigest(items),
      createdAt: now,
      updatedAt: now,
    };
    await this.deps.edgeConfigs.insert(config);
    return config;
  }

  /** 404 when it does not exist, 403 when it is another user's or team's. */
  async get(ctx: CallContext, id: string, write = false): Promise<EdgeConfigRecord> {
    const config = await this.deps.edgeConfigs.find(id);
    if (!config) throw new AppError('EDGE_CONFIG_NOT_FOUND', 'no such edge config');
    const role = await this.deps.access.roleOn(ctx.principal, config);
    if (role === undefined || (write && !teamRoleCanWrite(role))) throw new AppError('FORBIDDEN', 'not your edge config');
    return config;
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

  async createToken(ctx: CallContext, id: string, label: string): Promise<IssuedToken> {
    const config = await this.get(ctx, id, true);
    const { tokenLimit } = this.deps;
    // The label and limit checks and the write are one store transaction, so concurrent requests
    // (on this node or on another sharing the database) can neither both take a label nor pass
    // the limit, and a refused request writes nothing: no token, no audit event.
    return this.deps.tokenService.create(
      ctx,
      {
        name: label,
        type: 'resource',
        origin: 'vercel',
        resource: { kind: EDGE_CONFIG_RESOURCE, id },
        // The config's tokens belong where the config does, so whoever manages the config manages
        // them all, even those an admin made for it.
        ...(config.teamId === null ? { ownerUserId: config.ownerUserId } : { team: { id: config.teamId } }),
      },
      async (token) => {
        switch (await this.deps.edgeConfigs.insertToken(id, token, tokenLimit)) {
          case 'inserted':
            return;
          case 'duplicate-label':
            throw new AppError('CONFLICT', `a token labelled "${label}" exists`);
          case 'limit':
            throw new AppError('PLAN_LIMIT_REACHED', `an edge config may have ${tokenLimit} tokens`);
          case 'missing-config':
            throw new AppError('EDGE_CONFIG_NOT_FOUND', 'no such edge config');
        }
      },
    );
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
    const named = (await this.deps.verify.lookup(secretOrId))?.id ?? secretOrId;
    const token = (await this.listTokens(ctx, id)).find((t) => t.id === named);
    if (!token) throw new AppError('TOKEN_NOT_FOUND', 'no such token for this edge config');
    return token;
  }

  async deleteTokens(ctx: CallContext, id: string, secretsOrIds: readonly string[]): Promise<void> {
    await this.get(ctx, id, true);
    // Find them all before deleting any: a request that names one unknown token is refused whole.
    const tokens: TokenRecord[] = [];
    for (const item of secretsOrIds) tokens.push(await this.getToken(ctx, id, item));
    for (const token of new Map(tokens.map((t) => [t.id, t])).values()) await this.deps.tokenService.delete(ctx, token.id);
  }

  /** For the read API: the config, if the presented token may read it; 404 first, so a missing config says so. */
  async read(id: string, credential: string | undefined): Promise<EdgeConfigRecord> {
    const config = await this.deps.edgeConfigs.find(id);
    if (!config) throw new AppError('EDGE_CONFIG_NOT_FOUND', 'no such edge config');
    const token = credential === undefined ? undefined : await this.deps.verify.lookup(credential);
    const decision = decideVerify(token, { resource: { kind: EDGE_CONFIG_RESOURCE, id } }, this.deps.runtime.now());
    if (!decision.valid) throw new AppError('UNAUTHORIZED', 'the token cannot read this edge config');
    return config;
  }
}
