import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { generateSecret } from '../core/secret.js';
import { TOKEN_PREFIX } from '../core/token.js';
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

describe('serverConfig: analytics', () => {
  it('is on, keeps minutes 2 days, hours 14 days and everything 90 days unless told otherwise', () => {
    const defaults = serverConfig({}, {});
    assert.equal(defaults.analytics, true);
    assert.equal(defaults.analyticsMinuteRetentionMs, 2 * 86_400_000);
    assert.equal(defaults.analyticsHourRetentionMs, 14 * 86_400_000);
    assert.equal(defaults.analyticsRetentionDays, 90);
    const set = serverConfig(
      {},
      { TESSERA_ANALYTICS: 'off', TESSERA_ANALYTICS_MINUTE_RETENTION: '36h', TESSERA_ANALYTICS_HOUR_RETENTION: '30d', TESSERA_ANALYTICS_RETENTION_DAYS: '400' },
    );
    assert.equal(set.analytics, false);
    assert.equal(set.analyticsMinuteRetentionMs, 36 * 3_600_000);
    assert.equal(set.analyticsHourRetentionMs, 30 * 86_400_000);
    assert.equal(set.analyticsRetentionDays, 400);
  });

  it('refuses anything else', () => {
    assert.throws(() => serverConfig({}, { TESSERA_ANALYTICS: 'no' }), /TESSERA_ANALYTICS must be on or off/);
    for (const text of ['2', '2 days', '30s', '-1d', '1.5h']) {
      assert.throws(() => serverConfig({}, { TESSERA_ANALYTICS_MINUTE_RETENTION: text }), /TESSERA_ANALYTICS_MINUTE_RETENTION must be a length of time/, text);
    }
    assert.throws(() => serverConfig({}, { TESSERA_ANALYTICS_RETENTION_DAYS: '0' }), /at least 1/);
  });
});

describe('serverConfig: PostgreSQL pool size', () => {
  it('is 8 unless TESSERA_PG_POOL_SIZE says otherwise, and refuses 0 or a fraction', () => {
    assert.equal(serverConfig({}, {}).poolSize, 8);
    assert.equal(serverConfig({}, { TESSERA_PG_POOL_SIZE: '20' }).poolSize, 20);
    assert.throws(() => serverConfig({}, { TESSERA_PG_POOL_SIZE: '0' }), /TESSERA_PG_POOL_SIZE/);
    assert.throws(() => serverConfig({}, { TESSERA_PG_POOL_SIZE: '2.5' }), /TESSERA_PG_POOL_SIZE/);
  });
});

describe('serverConfig: TESSERA_TRUST_PROXY', () => {
  it('trusts no proxy when unset, empty or 0', () => {
    for (const env of [{}, { TESSERA_TRUST_PROXY: '' }, { TESSERA_TRUST_PROXY: '0' }]) assert.equal(serverConfig({}, env).trustProxy, 0);
  });

  it('takes how many proxies stand in front of tessera', () => {
    assert.equal(serverConfig({}, { TESSERA_TRUST_PROXY: '1' }).trustProxy, 1);
    assert.equal(serverConfig({}, { TESSERA_TRUST_PROXY: '2' }).trustProxy, 2);
  });

  it('takes a comma-separated list of proxy addresses and CIDR ranges, IPv4 and IPv6', () => {
    assert.deepEqual(serverConfig({}, { TESSERA_TRUST_PROXY: '10.0.0.0/8,127.0.0.1' }).trustProxy, ['10.0.0.0/8', '127.0.0.1']);
    assert.deepEqual(serverConfig({}, { TESSERA_TRUST_PROXY: ' ::1, fd00::/8 ' }).trustProxy, ['::1', 'fd00::/8']);
  });

  it('refuses true, yes and anything that is neither a count nor addresses, naming the variable', () => {
    for (const text of ['true', 'yes', 'on', '-1', '1.5', '10.0.0.0/33', '::1/129', '10.0.0.1,', 'nginx', '10.0.0.0/8,true']) {
      assert.throws(() => serverConfig({}, { TESSERA_TRUST_PROXY: text }), /TESSERA_TRUST_PROXY/, text);
    }
  });
});

describe('serverConfig: the public URL (the OAuth issuer)', () => {
  it('takes TESSERA_PUBLIC_URL without its trailing slash, and none by default', () => {
    assert.equal(serverConfig({}, { TESSERA_PUBLIC_URL: 'https://keys.example.com/' }).publicUrl, 'https://keys.example.com');
    assert.equal(serverConfig({}, { TESSERA_PUBLIC_URL: 'https://example.com/tessera' }).publicUrl, 'https://example.com/tessera');
    assert.equal(serverConfig({}, {}).publicUrl, undefined);
  });

  it('refuses what cannot be an issuer: no scheme, another scheme, a query, a fragment, credentials', () => {
    for (const bad of ['keys.example.com', 'ftp://x', 'https://x/?a=1', 'https://x/#f', 'https://u:p@x']) {
      assert.throws(() => serverConfig({}, { TESSERA_PUBLIC_URL: bad }), /TESSERA_PUBLIC_URL must be the http\(s\) URL/);
    }
  });
});

describe('serverConfig: TESSERA_JWT_TTL_SECONDS', () => {
  it('is 900 s (15 minutes) unless set, at most an hour, and refuses 0, fractions and words', () => {
    assert.equal(serverConfig({}, {}).jwtTtlSeconds, 900);
    assert.equal(serverConfig({}, { TESSERA_JWT_TTL_SECONDS: '60' }).jwtTtlSeconds, 60);
    assert.equal(serverConfig({}, { TESSERA_JWT_TTL_SECONDS: '3600' }).jwtTtlSeconds, 3600);
    for (const text of ['0', '3601', '1.5', '-5', '15m']) {
      assert.throws(() => serverConfig({}, { TESSERA_JWT_TTL_SECONDS: text }), /TESSERA_JWT_TTL_SECONDS/, text);
    }
  });
});

describe('serverConfig: TESSERA_SIGNING_KEY_REFRESH_MS', () => {
  it('is 30 s unless set, and refuses 0', () => {
    assert.equal(serverConfig({}, {}).signingKeyRefreshMs, 30_000);
    assert.equal(serverConfig({}, { TESSERA_SIGNING_KEY_REFRESH_MS: '500' }).signingKeyRefreshMs, 500);
    assert.throws(() => serverConfig({}, { TESSERA_SIGNING_KEY_REFRESH_MS: '0' }), /TESSERA_SIGNING_KEY_REFRESH_MS/);
  });
});

describe('serverConfig: TESSERA_SESSION_TTL_MS', () => {
  it('is 12 hours unless set, from a minute to 30 days, and refuses words and fractions', () => {
    assert.equal(serverConfig({}, {}).sessionTtlMs, 43_200_000);
    assert.equal(serverConfig({}, { TESSERA_SESSION_TTL_MS: '60000' }).sessionTtlMs, 60_000);
    assert.equal(serverConfig({}, { TESSERA_SESSION_TTL_MS: '2592000000' }).sessionTtlMs, 2_592_000_000);
    for (const text of ['0', '59999', '2592000001', '1.5', '-5', '12h']) {
      assert.throws(() => serverConfig({}, { TESSERA_SESSION_TTL_MS: text }), /TESSERA_SESSION_TTL_MS/, text);
    }
  });
});

describe('serverConfig: TESSERA_POLICY_SWEEP_MS', () => {
  it('is 5 minutes unless set, 0 turns this node`s sweep off, and refuses words and fractions', () => {
    assert.equal(serverConfig({}, {}).policySweepMs, 300_000);
    assert.equal(serverConfig({}, { TESSERA_POLICY_SWEEP_MS: '20' }).policySweepMs, 20);
    assert.equal(serverConfig({}, { TESSERA_POLICY_SWEEP_MS: '0' }).policySweepMs, 0);
    for (const text of ['1.5', '-5', '5m']) {
      assert.throws(() => serverConfig({}, { TESSERA_POLICY_SWEEP_MS: text }), /TESSERA_POLICY_SWEEP_MS/, text);
    }
  });
});

describe('serverConfig: leak intake settings', () => {
  it("takes GitHub keys from a file or as JSON (not both), GitLab's token of 32 characters or more, and 10 reports a minute by default", () => {
    const none = serverConfig({}, {});
    assert.equal(none.githubScanningKeys, undefined);
    assert.equal(none.gitlabRevocationToken, undefined);
    assert.equal(none.leakReportsPerMinute, 10);
    assert.deepEqual(serverConfig({}, { TESSERA_GITHUB_SCANNING_KEYS_FILE: '/etc/tessera/github-keys.json' }).githubScanningKeys, {
      file: '/etc/tessera/github-keys.json',
    });
    assert.deepEqual(serverConfig({}, { TESSERA_GITHUB_SCANNING_KEYS: '{"public_keys":[]}' }).githubScanningKeys, { json: '{"public_keys":[]}' });
    assert.throws(() => serverConfig({}, { TESSERA_GITHUB_SCANNING_KEYS_FILE: '/a', TESSERA_GITHUB_SCANNING_KEYS: '{}' }), /not both/);
    const token = 'g'.repeat(32);
    assert.equal(serverConfig({}, { TESSERA_GITLAB_REVOCATION_TOKEN: token }).gitlabRevocationToken, token);
    assert.throws(() => serverConfig({}, { TESSERA_GITLAB_REVOCATION_TOKEN: 'short' }), /TESSERA_GITLAB_REVOCATION_TOKEN must be at least 32/);
    assert.equal(serverConfig({}, { TESSERA_LEAK_REPORTS_PER_MINUTE: '0' }).leakReportsPerMinute, 0);
    assert.throws(() => serverConfig({}, { TESSERA_LEAK_REPORTS_PER_MINUTE: 'many' }), /TESSERA_LEAK_REPORTS_PER_MINUTE/);
  });
});

describe('serverConfig: TESSERA_BOOTSTRAP_TOKEN', () => {
  it("takes a personal token's secret", () => {
    const secret = generateSecret(TOKEN_PREFIX.personal, randomBytes);
    assert.equal(serverConfig({}, { TESSERA_BOOTSTRAP_TOKEN: secret }).bootstrapToken, secret);
  });

  it('refuses an api or resource secret, and text that is no secret, naming the variable and never echoing it', () => {
    for (const type of ['api', 'resource'] as const) {
      const secret = generateSecret(TOKEN_PREFIX[type], randomBytes);
      assert.throws(
        () => serverConfig({}, { TESSERA_BOOTSTRAP_TOKEN: secret }),
        (error: Error) => /TESSERA_BOOTSTRAP_TOKEN/.test(error.message) && new RegExp(`${type} token`).test(error.message) && !error.message.includes(secret),
      );
    }
    assert.throws(() => serverConfig({}, { TESSERA_BOOTSTRAP_TOKEN: 'hunter2' }), /TESSERA_BOOTSTRAP_TOKEN .*tessera token generate/);
  });
});
