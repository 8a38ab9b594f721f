import type { ResourceRef, TokenRecord } from '../core/token.js';
import type { CallContext } from './principal.js';

/** Where a new token belongs and how it is stored: by the rules of whatever it is for. */
export interface TokenPlacement {
  ownerUserId: string;
  teamId: string | null;
  /** Stores the token, or throws (an AppError) to refuse it, writing nothing. */
  insert(token: TokenRecord): Promise<void>;
}

/**
 * The rules for tokens that name a resource tessera keeps (an Edge Config): who may make one,
 * where it belongs and what limits it counts against. A token naming any other resource names
 * the caller's own label, which tessera cannot check: it belongs to the caller.
 */
export interface ResourceTokens {
  /** undefined when tessera keeps no resource of this kind; throws when the caller may not make a token for it. */
  placement(ctx: CallContext, resource: ResourceRef): Promise<TokenPlacement | undefined>;
}
