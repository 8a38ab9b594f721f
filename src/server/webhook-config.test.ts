import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { webhookConfig } from './webhook-config.js';

describe('webhook configuration', () => {
  it('has defaults that refuse private addresses and retry for a day', () => {
    const config = webhookConfig({});
    assert.deepEqual([config.allowPrivate, config.timeoutMs, config.leaseMs, config.retryForMs, config.pauseFailures], [false, 10_000, 60_000, 86_400_000, 15]);
  });

  it('reads each variable, and refuses a lease no longer than the timeout or a value that is not a count', () => {
    const config = webhookConfig({
      TESSERA_WEBHOOK_ALLOW_PRIVATE: '1',
      TESSERA_WEBHOOK_TIMEOUT_MS: '2000',
      TESSERA_WEBHOOK_LEASE_MS: '3000',
      TESSERA_WEBHOOK_POLL_MS: '100',
    });
    assert.deepEqual([config.allowPrivate, config.timeoutMs, config.leaseMs, config.pollMs], [true, 2000, 3000, 100]);
    assert.throws(
      () => webhookConfig({ TESSERA_WEBHOOK_TIMEOUT_MS: '5000', TESSERA_WEBHOOK_LEASE_MS: '5000' }),
      /must be more than TESSERA_WEBHOOK_TIMEOUT_MS/,
    );
    assert.throws(() => webhookConfig({ TESSERA_WEBHOOK_POLL_MS: '0' }), /TESSERA_WEBHOOK_POLL_MS must be a whole number of at least 1/);
    assert.throws(() => webhookConfig({ TESSERA_WEBHOOK_ALLOW_PRIVATE: 'yes' }), /TESSERA_WEBHOOK_ALLOW_PRIVATE must be 1 or 0/);
  });
});
