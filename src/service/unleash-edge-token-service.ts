import { AppError } from '../core/errors.js';
import { issueToken, tokenFields } from '../core/issue-token.js';
import { deriveSecret } from '../core/secret.js';
import { isRevoked, TOKEN_PREFIX } from '../core/token.js';
import { edgeClientOwner, isUnleashTokenType, normalizeProjects, unleashTokenText, type UnleashTokenType } from '../core/unleash-edge-token.js';
import type { TokenStore } from '../store/token-store.js';
import type { AccessPolicy } from './access-policy.js';
import type { AuditService } from './audit-service.js';
import type { CatalogService } from './catalog-service.js';
import type { CallContext } from './principal.js';
import type { Runtime } from './runtime.js';
import type { ChangeFeed } from './change-feed.js';
import type { VerifyService } from './verify-service.js';

export interface EdgeToken {
  token: string;
  type: UnleashTokenType;
  environment: string;
  projects: string[];
}

/** Who asks: a user with an admin token, or an Unleash Edge client that signed its request. */
export type EdgeCaller = { ctx: CallContext } | { edgeClientId: string; ip: string | null; requestId: string | null };

/** How many revoked generations of one environment/projects pair are skipped before giving up. */
const MAX_GENERATIONS = 100;

/**
 * Unleash Edge's get-or-create: one client token per environment and set of projects. The
 * secret is derived from the server key, so asking again answers the same token although
 * only its digest is stored; a revoked one is succeeded by the next generation.
 */
export class EdgeTokenService {
  constructor(
    private readonly deps: {
      tokens: TokenStore;
      access: AccessPolicy;
      catalog: CatalogService;
      verify: VerifyService;
      audit: AuditService;
      changes: ChangeFeed;
      runtime: Runtime;
      secretKey: Buffer;
    },
  ) {}

  async issue(caller: EdgeCaller, requests: ReadonlyArray<{ environment: string; projects: string[] }>): Promise<EdgeToken[]> {
    if ('ctx' in caller) this.deps.access.requireAdmin(caller.ctx.principal);
    const wanted = requests.map((r) => ({ environment: r.environment, projects: normalizeProjects(r.projects) }));
    for (const { environment, projects } of wanted) {
      if (projects.length === 0) throw new AppError('VALIDATION_ERROR', 'projects must name at least one project, or *');
      await this.deps.catalog.requireExisting(environment, projects);
    }
    const issued: EdgeToken[] = [];
    for (const { environment, projects } of wanted) {
      issued.push({ token: await this.#getOrCreate(caller, environment, projects), type: 'client', environment, projects });
    }
    return issued;
  }

  /** The valid tokens among those given, in Unleash's shape; others are left out. `caller` is the asking address, for the guessing guard. */
  async validate(texts: readonly string[], caller: string): Promise<EdgeToken[]> {
    const results = await this.deps.verify.verifyAllPresented(
      texts.map((secret) => ({ secret, options: {} })),
      { caller },
    );
    return results.flatMap((result, i) => {
      const token = result.valid ? result.token : undefined;
      if (!token || token.environment === null || !isUnleashTokenType(token.type)) return [];
      return [{ token: texts[i]!, type: token.type, environment: token.environment, projects: [...token.projects] }];
    });
  }

  async #getOrCreate(caller: EdgeCaller, environment: string, projects: string[]): Promise<string> {
    for (let generation = 0; generation < MAX_GENERATIONS; generation++) {
      const material = `unleash-edge\nclient\n${environment}\n${projects.join(',')}\n${generation}`;
      const text = unleashTokenText(projects, environment, deriveSecret(TOKEN_PREFIX.api, this.deps.secretKey, material));
      const now = this.deps.runtime.now();
      const { token } = issueToken(this.#fields(caller, environment, projects), now, this.deps.runtime.randomBytes, text);
      const existing = await this.deps.tokens.findByDigest(token.digest);
      if (existing) {
        if (!isRevoked(existing, now)) return text;
        continue;
      }
      try {
        await this.deps.tokens.insert(token);
      } catch (error) {
        // A concurrent call inserted the same token first: it is the answer.
        if (error instanceof AppError && error.code === 'CONFLICT') return text;
        throw error;
      }
      await this.deps.changes.publish([token]);
      await this.deps.audit.record('ctx' in caller ? caller.ctx : null, {
        action: 'token.create',
        targetType: 'token',
        targetId: token.id,
        teamId: null,
        subjectUserId: token.ownerUserId,
        details: { name: token.name, type: token.type, origin: token.origin, ...('ctx' in caller ? {} : { edgeClientId: caller.edgeClientId }) },
      });
      return text;
    }
    throw new AppError('CONFLICT', `every token for ${environment} and these projects has been revoked`);
  }

  #fields(caller: EdgeCaller, environment: string, projects: string[]) {
    return tokenFields({
      name: `unleash edge: ${projects.join(',')} in ${environment}`,
      type: 'client',
      origin: 'unleash',
      environment,
      projects,
      ownerUserId: 'ctx' in caller ? caller.ctx.principal.user.id : edgeClientOwner(caller.edgeClientId),
    });
  }
}
