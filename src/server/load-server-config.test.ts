import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { SETTINGS } from './config-settings.js';
import { loadServerConfig } from './load-server-config.js';

const root = mkdtempSync(join(tmpdir(), 'tessera-config-'));
after(() => rmSync(root, { recursive: true, force: true }));
let files = 0;

/** Writes `content` (an object as JSON, or text as it is) to a new file under its own directory; returns its path. */
function configFile(content: unknown): string {
  const dir = join(root, `c${++files}`);
  mkdirSync(dir);
  const path = join(dir, 'tessera.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('loadServerConfig: precedence', () => {
  it('takes defaults when no layer sets a value, and says so', () => {
    const { config, origins, file } = loadServerConfig({}, {});
    assert.equal(config.port, 8420);
    assert.equal(config.cacheTtlMs, 10_000);
    assert.equal(file, undefined);
    for (const s of SETTINGS) assert.equal(origins[s.key]!.source, 'default', s.key);
  });

  it('file over defaults, environment over file, flag over environment, each setting on its own', () => {
    const path = configFile({ port: 1111, host: '10.0.0.1', logLevel: 'warn', workers: 3, cacheTtlMs: 500, analytics: false });
    const { config, origins } = loadServerConfig({ config: path, workers: '2' }, { PORT: '2222', HOST: '', TESSERA_WORKERS: '4', TESSERA_CACHE_TTL_MS: '750' });
    assert.equal(config.port, 2222);
    assert.deepEqual(origins.port, { source: 'env', label: 'PORT' });
    // An empty variable is unset: the file's value stands.
    assert.equal(config.host, '10.0.0.1');
    assert.deepEqual(origins.host, { source: 'file', label: `${path}: host` });
    assert.equal(config.logLevel, 'warn');
    assert.equal(config.workers, 2);
    assert.deepEqual(origins.workers, { source: 'flag', label: '--workers' });
    assert.equal(config.cacheTtlMs, 750);
    assert.equal(config.analytics, false);
    assert.equal(origins.analytics!.source, 'file');
    assert.equal(config.usageFlushMs, 1000);
    assert.equal(origins.usageFlushMs!.source, 'default');

    const flagged = loadServerConfig({ config: path, port: '3333', logLevel: 'debug' }, { PORT: '2222', LOG_LEVEL: 'error' });
    assert.equal(flagged.config.port, 3333);
    assert.equal(flagged.config.logLevel, 'debug');
    assert.deepEqual(flagged.origins.port, { source: 'flag', label: '--port' });
  });

  it('reads the file TESSERA_CONFIG names; --config wins over it', () => {
    const fromEnv = configFile({ port: 4001 });
    const fromFlag = configFile({ port: 4002 });
    assert.equal(loadServerConfig({}, { TESSERA_CONFIG: fromEnv }).config.port, 4001);
    const loaded = loadServerConfig({ config: fromFlag }, { TESSERA_CONFIG: fromEnv });
    assert.equal(loaded.config.port, 4002);
    assert.equal(loaded.file, resolve(fromFlag));
  });

  it('resolves relative paths in the file against its directory, not the working directory', () => {
    const path = configFile({ dataDir: 'store', githubScanningKeysFile: '../keys.json' });
    const { config } = loadServerConfig({ config: path }, {});
    const dir = resolve(path, '..');
    assert.equal(config.dataDir, join(dir, 'store'));
    assert.deepEqual(config.githubScanningKeys, { file: resolve(dir, '../keys.json') });
    // A flag's relative path is the working directory's, as it always was.
    assert.equal(loadServerConfig({ config: path, dataDir: 'here' }, {}).config.dataDir, resolve('here'));
  });

  it('takes JSON types for the settings that have them: booleans, lists, objects', () => {
    const keys = { public_keys: [] };
    const path = configFile({
      webhookAllowPrivate: true,
      trustProxy: ['10.0.0.0/8', '127.0.0.1'],
      githubScanningKeys: keys,
      analyticsHourRetention: '36h',
      webhookTimeoutMs: 2000,
      webhookLeaseMs: 3000,
    });
    const { config } = loadServerConfig({ config: path }, {});
    assert.equal(config.webhooks.allowPrivate, true);
    assert.deepEqual(config.trustProxy, ['10.0.0.0/8', '127.0.0.1']);
    assert.deepEqual(config.githubScanningKeys, { json: JSON.stringify(keys) });
    assert.equal(config.analyticsHourRetentionMs, 36 * 3_600_000);
    assert.equal(config.webhooks.leaseMs, 3000);
    assert.equal(loadServerConfig({ config: configFile({ trustProxy: 2 }) }, {}).config.trustProxy, 2);
  });

  it('maps every variable the server reads to a file key (the table is the whole list)', () => {
    const sources = ['server-config.js', 'webhook-config.js'].map((name) => readFileSync(new URL(name, import.meta.url), 'utf8')).join('\n');
    const read = new Set([...sources.matchAll(/env\.([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]!));
    const mapped = new Set(SETTINGS.map((s) => s.env));
    assert.ok(read.size > 30, `found the variables read (${read.size})`);
    for (const name of read) assert.ok(mapped.has(name), `${name} has no row in SETTINGS`);
    assert.equal(new Set(SETTINGS.map((s) => s.key)).size, SETTINGS.length, 'file keys are unique');
  });

  it('has every setting in the reference table of docs/configuration.md, by file key, variable and flag', () => {
    const docs = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    const rows = docs.split('\n').filter((line) => line.startsWith('| `'));
    for (const s of SETTINGS) {
      const row = rows.find((line) => line.split('|')[1]!.includes(`\`${s.key}\``));
      assert.ok(row, `docs/configuration.md has no row for ${s.key}`);
      const suffix = s.env.replace(/^TESSERA_WEBHOOK/, '');
      assert.ok(row.includes(s.env) || row.includes(suffix), `${s.key}'s row names ${s.env}`);
      if (s.flag) assert.ok(row.includes(`\`${s.flag}`), `${s.key}'s row names ${s.flag}`);
    }
  });
});

describe('loadServerConfig: errors name the setting and where it came from', () => {
  const refused = (flags: Parameters<typeof loadServerConfig>[0], env: NodeJS.ProcessEnv, pattern: RegExp) =>
    assert.throws(
      () => loadServerConfig(flags, env),
      (error: Error) => {
        assert.match(error.message, pattern);
        return true;
      },
    );

  it('an unknown key, with the closest known one', () => {
    const path = configFile({ prot: 80 });
    refused({ config: path }, {}, new RegExp(`${path}: unknown setting "prot" \\(the closest known one is "port"\\)`));
    refused({ config: configFile({ cacheTTL: 5 }) }, {}, /unknown setting "cacheTTL" \(the closest known one is "cacheTtlMs"\)/);
  });

  it('a value of the wrong JSON type', () => {
    const path = configFile({ port: '8080' });
    refused({ config: path }, {}, new RegExp(`${path}: port must be a number, got "8080"`));
    refused({ config: configFile({ host: 5 }) }, {}, /tessera\.json: host must be a string, got 5/);
    refused({ config: configFile({ analytics: 1 }) }, {}, /tessera\.json: analytics must be true or false, got 1/);
    refused({ config: configFile({ trustProxy: [1] }) }, {}, /tessera\.json: trustProxy must be a number of proxies or a list/);
  });

  it('an invalid value, from each layer', () => {
    refused({ config: configFile({ port: 70000 }) }, {}, /tessera\.json: port must be a port number from 0 to 65535, got "70000"/);
    refused({ config: configFile({ cacheTtlMs: -1 }) }, {}, /tessera\.json: cacheTtlMs must be a whole number, got "-1"/);
    refused({ config: configFile({ logLevel: 'loud' }) }, {}, /tessera\.json: logLevel must be one of fatal, error, warn, info, debug/);
    refused({ config: configFile({ databaseUrl: 'mysql://x' }) }, {}, /tessera\.json: databaseUrl must start with postgres:\/\//);
    refused({}, { PORT: 'abc' }, /^PORT must be a port number/);
    refused({}, { TESSERA_CHANGE_SIGNAL: 'kafka' }, /^TESSERA_CHANGE_SIGNAL must be one of/);
    refused({ port: 'abc' }, { PORT: '1' }, /^--port must be a port number/);
    refused({ workers: '0' }, {}, /^--workers must be at least 1/);
    refused({ logLevel: 'loud' }, {}, /^--log-level must be one of/);
  });

  it('a rule between two settings names each as it was set', () => {
    const path = configFile({ webhookLeaseMs: 5000 });
    refused(
      { config: path },
      { TESSERA_WEBHOOK_TIMEOUT_MS: '9000' },
      new RegExp(`${path}: webhookLeaseMs \\(5000\\) must be more than TESSERA_WEBHOOK_TIMEOUT_MS \\(9000\\)`),
    );
  });

  it('a file that is not JSON, with the position; one that is not an object; one that is missing', () => {
    const broken = configFile('{\n  "port": 8080,\n  "host" "x"\n}');
    refused({ config: broken }, {}, new RegExp(`the config file ${broken} is not JSON: .* \\(line 3, column 10\\)`));
    refused({ config: configFile('{"port": }') }, {}, /is not JSON: .*\(line 1, column 10\)/);
    refused({ config: configFile('[1, 2]') }, {}, /must hold a JSON object of settings/);
    refused({ config: join(root, 'missing.json') }, {}, /cannot read the config file .*missing\.json/);
  });
});
