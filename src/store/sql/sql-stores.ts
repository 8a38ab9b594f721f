import { sql } from 'kysely';
import type { Stores } from '../stores.js';
import type { SqlDatabase } from './driver/database.js';
import { pendingMigrations } from './migrate.js';
import { SqlAccountStore } from './sql-account-store.js';
import { SqlAuditStore } from './sql-audit-store.js';
import { SqlChangeLogStore } from './sql-change-log-store.js';
import { SqlCatalogStore } from './sql-catalog-store.js';
import { SqlCreditStore } from './sql-credit-store.js';
import { SqlEdgeConfigStore } from './sql-edge-config-store.js';
import { SqlIdempotencyStore } from './sql-idempotency-store.js';
import { SqlSettingsStore } from './sql-settings-store.js';
import { SqlTokenStore } from './sql-token-store.js';
import { SqlSigningKeyStore } from './sql-signing-key-store.js';
import { SqlSessionStore } from './sql-session-store.js';
import { SqlAnalyticsStore } from './sql-analytics-store.js';
import { SqlInactivityStore } from './sql-inactivity-store.js';
import { SqlPolicyStore } from './sql-policy-store.js';
import { SqlLeakPolicyStore } from './sql-leak-policy-store.js';
import { SqlEventOutboxStore } from './sql-event-outbox-store.js';
import { SqlWebhookStore } from './sql-webhook-store.js';

/** The stores over one SQLite or PostgreSQL database; Kysely hides which. */
export function createSqlStores({ db, dialect, preparedRead, close }: SqlDatabase): Stores {
  const tokens = new SqlTokenStore(db, dialect, preparedRead);
  return {
    tokens,
    credits: new SqlCreditStore(db, dialect),
    accounts: new SqlAccountStore(db, dialect),
    audit: new SqlAuditStore(db),
    catalog: new SqlCatalogStore(db),
    edgeConfigs: new SqlEdgeConfigStore(db, dialect),
    idempotency: new SqlIdempotencyStore(db),
    changes: new SqlChangeLogStore(db),
    settings: new SqlSettingsStore(db),
    signingKeys: new SqlSigningKeyStore(db),
    sessions: new SqlSessionStore(db),
    analytics: new SqlAnalyticsStore(db, dialect),
    policies: new SqlPolicyStore(db),
    inactivity: new SqlInactivityStore(db, tokens),
    leakPolicies: new SqlLeakPolicyStore(db),
    webhooks: new SqlWebhookStore(db),
    outbox: new SqlEventOutboxStore(db),
    ping: async () => {
      await sql`select 1`.execute(db);
      return true;
    },
    pendingMigrations: () => pendingMigrations(db, dialect),
    close,
  };
}
