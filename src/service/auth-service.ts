import { AppError } from '../core/errors.js';
import { canManage } from '../core/token.js';
import { decideVerify } from '../core/verify.js';
import type { AccountStore } from '../store/account-store.js';
import type { Principal } from './principal.js';
import type { Runtime } from './runtime.js';
import type { UsageRecorder } from './usage-recorder.js';
import type { VerifyService } from './verify-service.js';

/** Turns a presented management credential into a principal, or refuses it. */
export class AuthService {
  constructor(
    private readonly deps: { verify: VerifyService; accounts: AccountStore; usage: UsageRecorder; runtime: Runtime },
  ) {}

  async authenticate(credential: string | undefined): Promise<Principal> {
    if (!credential) throw new AppError('UNAUTHORIZED', 'a token is required: send Authorization: Bearer <token>');
    const token = await this.deps.verify.lookup(credential);
    const now = this.deps.runtime.now();
    const decision = decideVerify(token, {}, now);
    if (!decision.valid) throw new AppError('UNAUTHORIZED', `the token is not valid (${decision.code})`);
    if (!canManage(token!.type)) {
      throw new AppError('FORBIDDEN', `a ${token!.type} token cannot call the management API; use a personal token`);
    }
    const user = await this.deps.accounts.findUser(token!.ownerUserId);
    if (!user) throw new AppError('UNAUTHORIZED', 'the token belongs to no user');
    this.deps.usage.record(token!.id, now);
    return { user, token: token! };
  }
}
