import type { Stores } from '../stores.js';
import { MemoryAccountStore } from './memory-account-store.js';
import { MemoryChangeLogStore } from './memory-change-log-store.js';
import { MemoryAuditStore } from './memory-audit-store.js';
import { MemoryCatalogStore } from './memory-catalog-store.js';
import { MemoryCreditStore } from './memory-credit-store.js';
import { MemoryEdgeConfigStore } from './memory-edge-config-store.js';
import { MemoryIdempotencyStore } from './memory-idempotency-store.js';
import { MemorySettingsStore } from './memory-settings-store.js';
import { MemoryTokenStore } from './memory-token-store.js';
import { MemorySigningKeyStore } from './memory-signing-key-store.js';
import { MemorySessionStore } from './memory-session-store.js';
import { MemoryAnalyticsStore } from './memory-analytics-store.js';
import { MemoryInactivityStore } from './memory-inactivity-store.js';
import { MemoryPolicyStore } from './memory-policy-store.js';
import { MemoryLeakPolicyStore } from './memory-leak-policy-store.js';
import { MemoryEventOutboxStore } from './memory-event-outbox-store.js';
import { MemoryWebhookStore } from './memory-webhook-store.js';

export function createMemoryStores(): Stores {
  const tokens = new MemoryTokenStore();
  const webhooks = new MemoryWebhookStore();
  const accounts = new MemoryAccountStore(tokens);
  tokens.ownersFrom((id) => accounts.user(id));
  return {
    tokens,
    credits: new MemoryCreditStore(tokens),
    accounts,
    audit: new MemoryAuditStore(),
    catalog: new MemoryCatalogStore(),
    edgeConfigs: new MemoryEdgeConfigStore(tokens),
    idempotency: new MemoryIdempotencyStore(),
    changes: new MemoryChangeLogStore(),
    settings: new MemorySettingsStore(),
    signingKeys: new MemorySigningKeyStore(),
    sessions: new MemorySessionStore(),
    analytics: new MemoryAnalyticsStore(),
    policies: new MemoryPolicyStore(),
    inactivity: new MemoryInactivityStore(tokens),
    leakPolicies: new MemoryLeakPolicyStore(),
    webhooks,
    outbox: new MemoryEventOutboxStore(webhooks),
    ping: async () => true,
    pendingMigrations: async () => [],
    close: async () => {},
  };
}
