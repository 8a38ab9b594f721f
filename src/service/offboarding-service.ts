import type { UserRecord } from '../core/account.js';
import { AppError } from '../core/errors.js';
import { tokenEvent, type EventInput } from '../core/events.js';
import type { AccountStore } from '../store/account-store.js';
import type { TokenStore } from '../store/token-store.js';
import type { AccessPolicy } from './access-policy.js';
import type { AuditService } from './audit-service.js';
import type { ChangeFeed } from './change-feed.js';
import type { EventPublisher } from './event-publisher.js';
import type { CallContext } from './principal.js';
import type { Runtime } from './runtime.js';

/** What an offboarding call did: the user as it now is, and how many of their tokens it changed. */
export interface Offboarded {
  user: UserRecord;
  tokens: number;
}

/**
 * Admins disable, enable and delete people (docs/governance.md). A user's tokens carry the user's
 * suspension themselves (ownerDisabledAt, set on all of them in the transaction that sets the
 * user's row), so verify still reads one row, and every node and SDK verifier hears of each
 * changed token on the change feed as of a revocation. Each call may be repeated: it finishes what
 * an interrupted one left undone.
 */
export class OffboardingService {
  constructor(
    private readonly deps: {
      accounts: AccountStore;
      tokens: TokenStore;
      access: AccessPolicy;
      audit: AuditService;
      changes: ChangeFeed;
      events: EventPublisher;
      runtime: Runtime;
    },
  ) {}

  /**
   * All the user's tokens answer DISABLED at once, their sign-in credentials among them, until
   * `enableUser`: the user's row and the tokens' mark are written in one transaction, which
   * refuses the last enabled admin. A token issued for a disabled user is born disabled.
   */
  async disableUser(ctx: CallContext, id: string): Promise<Offboarded> {
    const user = await this.#target(ctx, id);
    const now = this.deps.runtime.now();
    const { user: disabled, tokenIds } = (await this.deps.accounts.setUserDisabled(user.id, now, now)) ?? notFound();
    const tokens = await this.deps.tokens.findByIds(tokenIds);
    if (tokens.length > 0) await this.deps.changes.publish(tokens);
    if (user.disabledAt === null || tokens.length > 0) {
      await this.#audit(ctx, 'user.disable', disabled, { tokens: tokens.length });
      await this.deps.events.publish([userEvent('user.disabled', disabled, tokens.length)]);
    }
    return { user: disabled, tokens: tokens.length };
  }

  /** The user's tokens verify again, except those suspended one by one (their own disabledAt), which stay suspended. */
  async enableUser(ctx: CallContext, id: string): Promise<Offboarded> {
    const user = await this.#target(ctx, id);
    const now = this.deps.runtime.now();
    const { user: enabled, tokenIds } = (await this.deps.accounts.setUserDisabled(user.id, null, now)) ?? notFound();
    const tokens = await this.deps.tokens.findByIds(tokenIds);
    if (tokens.length > 0) await this.deps.changes.publish(tokens);
    if (user.disabledAt !== null || tokens.length > 0) {
      await this.#audit(ctx, 'user.enable', enabled, { tokens: tokens.length });
      await this.deps.events.publish([userEvent('user.enabled', enabled, tokens.length)]);
    }
    return { user: enabled, tokens: tokens.length };
  }

  /**
   * The user's tokens are revoked for good (kept, for the audit log's sake), their memberships
   * removed, the user gone, in one transaction. Refused, changing nothing, when it would leave no
   * enabled admin or a team without an owner.
   */
  async deleteUser(ctx: CallContext, id: string): Promise<Offboarded> {
    const user = await this.#target(ctx, id);
    const { tokenIds } = (await this.deps.accounts.deleteUser(user.id, this.deps.runtime.now())) ?? notFound();
    const tokens = await this.deps.tokens.findByIds(tokenIds);
    if (tokens.length > 0) await this.deps.changes.publish(tokens);
    await this.#audit(ctx, 'user.delete', user, { name: user.name, tokens: tokens.length });
    await this.deps.events.publish(tokens.map((token) => tokenEvent('token.revoked', token, { reason: 'user.deleted' })));
    return { user, tokens: tokens.length };
  }

  /** The user an admin offboards: never themselves (someone else must, so that no admin locks themselves out). */
  async #target(ctx: CallContext, id: string): Promise<UserRecord> {
    this.deps.access.requireAdmin(ctx.principal);
    if (id === ctx.principal.user.id) throw new AppError('CANNOT_OFFBOARD_SELF', 'you cannot disable or delete your own user; ask another admin');
    return (await this.deps.accounts.findUser(id)) ?? notFound();
  }

  async #audit(ctx: CallContext, action: 'user.disable' | 'user.enable' | 'user.delete', user: UserRecord, details: Record<string, unknown>): Promise<void> {
    await this.deps.audit.record(ctx, { action, targetType: 'user', targetId: user.id, teamId: null, subjectUserId: user.id, details });
  }
}

function notFound(): never {
  throw new AppError('USER_NOT_FOUND', 'no such user');
}

function userEvent(type: 'user.disabled' | 'user.enabled', user: UserRecord, tokens: number): EventInput {
  return {
    type,
    subject: user.id,
    teamId: null,
    ownerUserId: user.id,
    data: { user: { id: user.id, name: user.name, role: user.role, disabledAt: user.disabledAt }, tokens },
  };
}
