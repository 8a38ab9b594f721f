import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serverConfig } from './server-config.js';

describe('serverConfig', () => {
  it('takes --workers over TESSERA_WORKERS, and one process by default', () => {
    assert.equal(serverConfig({}, {}).workers, 1);
    assert.equal(serverConfig({}, { TESSERA_WORKERS: '4' }).workers, 4);
    assert.equal(serverConfig({ workers: '2' }, { TESSERA_WORKERS: '4' }).workers, 2);
  });

  it('refuses a worker count that is not a whole number of at least 1', () => {
    assert.throws(() => serverConfig({ workers: '0' }, {}), /--workers .* at least 1/);
    assert.throws(() => serverConfig({}, { TESSERA_WORKERS: 'two' }), /whole number/);
  });

  it('reads how often usage is written and how long a shutdown waits', () => {
    const defaults = serverConfig({}, {});
    assert.equal(defaults.usageFlushMs, 1000);
    assert.equal(defaults.shutdownTimeoutMs, 10_000);
    const set = serverConfig({}, { TESSERA_USAGE_FLUSH_MS: '250', TESSERA_SHUTDOWN_TIMEOUT_MS: '0' });
    assert.equal(set.usageFlushMs, 250);
    assert.equal(set.shutdownTimeoutMs, 0);
    assert.throws(() => serverConfig({}, { TESSERA_USAGE_FLUSH_MS: '0' }), /at least 1/);
  });
});
