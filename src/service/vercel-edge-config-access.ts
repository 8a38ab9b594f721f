import { teamRoleCanWrite } from '../core/account.js';
import { EDGE_CONFIG_RESOURCE, type EdgeConfigRecord } from '../core/vercel-edge-config.js';
import { AppError } from '../core/errors.js';
import type { ResourceRef } from '../core/token.js';
import type { EdgeConfigStore } from '../store/edge-config-store.js';
import type { AccessPolicy } from './access-policy.js';
import type { CallContext, Principal } from './principal.js';
import type { ResourceTokens, TokenPlacement } from './resource-tokens.js';

/**
 * Who may read or change an Edge Config, and the rules for the tokens that read it: only those
 * who may change a config make its tokens, whichever API they call; the tokens belong where the
 * config does, so whoever manages the config manages them all; each counts against the config's
 * limit and needs a label of its own.
 */
export class EdgeConfigAccess implements ResourceTokens {
  constructor(
    private readonly deps: {
      edgeConfigs: EdgeConfigStore;
      access: AccessPolicy;
      /** Tokens one config may have: the plan limit behind Vercel's 402. */
      tokenLimit: number;
    },
  ) {}

  /** 404 when it does not exist, 403 when it is another user's or team's (or the caller may only read it). */
  async config(principal: Principal, id: string, need: 'read' | 'write'): Promise<EdgeConfigRecord> {
    const config = await this.deps.edgeConfigs.find(id);
    if (!config) throw new AppError('EDGE_CONFIG_NOT_FOUND', 'no such edge config');
    const role = await this.deps.access.roleOn(principal, config);
    if (role === undefined || (need === 'write' && !teamRoleCanWrite(role))) throw new AppError('FORBIDDEN', 'not your edge config');
    return config;
  }

  async placement(ctx: CallContext, resource: ResourceRef): Promise<TokenPlacement | undefined> {
    if (resource.kind !== EDGE_CONFIG_RESOURCE) return undefined;
    // Whichever API makes it (POST /v1/tokens too), a reader of a config is a change to the config.
    this.deps.access.requireScope(ctx.principal, 'edge-configs:write');
    const config = await this.config(ctx.principal, resource.id, 'write');
    const { tokenLimit } = this.deps;
    return {
      ownerUserId: config.teamId === null ? config.ownerUserId : ctx.principal.user.id,
      teamId: config.teamId,
      // The label and limit checks and the write are one store transaction, so concurrent requests
      // (on this node or on another sharing the database) can neither both take a label nor pass
      // the limit, and a refused request writes nothing.
      insert: async (token) => {
        switch (await this.deps.edgeConfigs.insertToken(config.id, token, tokenLimit)) {
          case 'inserted':
            return;
          case 'duplicate-label':
            throw new AppError('CONFLICT', `a token labelled "${token.name}" exists`);
          case 'limit':
            throw new AppError('PLAN_LIMIT_REACHED', `an edge config may have ${tokenLimit} tokens`);
          case 'missing-config':
            throw new AppError('EDGE_CONFIG_NOT_FOUND', 'no such edge config');
        }
      },
    };
  }
}
