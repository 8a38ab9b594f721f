import type { AccountStore } from './account-store.js';
import type { AuditStore } from './audit-store.js';
import type { ChangeLogStore } from './change-log-store.js';
import type { CatalogStore } from './catalog-store.js';
import type { CreditStore } from './credit-store.js';
import type { EdgeConfigStore } from './edge-config-store.js';
import type { IdempotencyStore } from './idempotency-store.js';
import type { SettingsStore } from './settings-store.js';
import type { TokenStore } from './token-store.js';
import type { SigningKeyStore } from './signing-key-store.js';
import type { SessionStore } from './session-store.js';
import type { AnalyticsStore } from './analytics-store.js';
import type { InactivityStore } from './inactivity-store.js';
import type { PolicyStore } from './policy-store.js';
import type { LeakPolicyStore } from './leak-policy-store.js';

/** Everything the services persist, handed to them as one object. */
export interface Stores {
  tokens: TokenStore;
  credits: CreditStore;
  accounts: AccountStore;
  audit: AuditStore;
  catalog: CatalogStore;
  edgeConfigs: EdgeConfigStore;
  idempotency: IdempotencyStore;
  changes: ChangeLogStore;
  settings: SettingsStore;
  signingKeys: SigningKeyStore;
  sessions: SessionStore;
  /** Verification counts per token, outcome and tag over time. */
  analytics: AnalyticsStore;
  /** Lifecycle policies: the installation's and each team's. */
  policies: PolicyStore;
  /** The inactivity sweep's reads and guarded writes over the tokens. */
  inactivity: InactivityStore;
  /** What each team (and the installation by default) does with a token reported leaked. */
  leakPolicies: LeakPolicyStore;
  /** True when the backing database answers. */
  ping(): Promise<boolean>;
  /** Schema migrations this code needs that the database has not applied; empty when up to date. */
  pendingMigrations(): Promise<string[]>;
  close(): Promise<void>;
}
