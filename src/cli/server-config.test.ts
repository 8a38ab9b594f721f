import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serverConfig } from './server-config.js';

describe('serverConfig: how token changes are heard', () => {
  it('defaults to auto and the poll to the store’s own default', () => {
    const config = serverConfig({}, {});
    assert.equal(config.changeSignal, 'auto');
    assert.equal(config.changePollMs, undefined);
  });

  it('takes each signal by name and a poll interval of at least 10 ms', () => {
    for (const kind of ['notify', 'redis', 'poll', 'auto'] as const) {
      assert.equal(serverConfig({}, { TESSERA_CHANGE_SIGNAL: kind }).changeSignal, kind);
    }
    assert.equal(serverConfig({}, { TESSERA_CHANGE_POLL_MS: '250' }).changePollMs, 250);
    assert.equal(serverConfig({}, { TESSERA_CHANGE_POLL_MS: '1' }).changePollMs, 10);
  });

  it('refuses unknown signals and poll intervals that are not whole numbers, naming the variable', () => {
    assert.throws(() => serverConfig({}, { TESSERA_CHANGE_SIGNAL: 'kafka' }), /TESSERA_CHANGE_SIGNAL must be one of auto, notify, redis, poll, got "kafka"/);
    assert.throws(() => serverConfig({}, { TESSERA_CHANGE_POLL_MS: '0.5' }), /TESSERA_CHANGE_POLL_MS must be a whole number/);
  });
});
