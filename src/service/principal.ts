import type { UserRecord } from '../core/account.js';
import type { TokenRecord } from '../core/token.js';

/** Who is calling the management API: the presented token and its user. */
export interface Principal {
  user: UserRecord;
  token: TokenRecord;
}

/** Where a management call came from, for the audit log. */
export interface CallContext {
  principal: Principal;
  ip: string | null;
  requestId: string | null;
}
