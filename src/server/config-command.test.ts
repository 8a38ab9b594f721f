import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { generateSecret } from '../core/secret.js';
import { effectiveSettings, formatConfig, redactUrl, REDACTED } from './config-command.js';
import { loadServerConfig } from './load-server-config.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-config-command-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const SECRETS = {
  secretKey: 'c2VjcmV0LWtleS1vZi10aGlydHktdHdvLWJ5dGVzLW9rYXk',
  gitlabRevocationToken: 'gitlab-pre-shared-token-0123456789abcdef',
  edgeClients: 'edge-client:ZWRnZS1jbGllbnQtc2VjcmV0',
  databasePassword: 'pg-pass-word-42',
  redisPassword: 'redis-pass-word-43',
  // A real secret: the configuration refuses text that is not a personal token's.
  bootstrapToken: generateSecret('tsr', randomBytes),
};

describe('tessera config', () => {
  const file = join(dir, 'tessera.json');
  writeFileSync(
    file,
    JSON.stringify({
      port: 9000,
      secretKey: SECRETS.secretKey,
      gitlabRevocationToken: SECRETS.gitlabRevocationToken,
      databaseUrl: `postgres://tessera:${SECRETS.databasePassword}@db.internal:5432/tessera`,
    }),
  );
  const loaded = loadServerConfig(
    { config: file, host: '0.0.0.0' },
    { TESSERA_EDGE_CLIENTS: SECRETS.edgeClients, REDIS_URL: `redis://:${SECRETS.redisPassword}@cache:6379`, TESSERA_BOOTSTRAP_TOKEN: SECRETS.bootstrapToken },
  );

  it('prints each setting with its value and source, secrets redacted, as lines and as JSON', () => {
    for (const text of [formatConfig(loaded, false), formatConfig(loaded, true)]) {
      for (const [name, secret] of Object.entries(SECRETS)) assert.ok(!text.includes(secret), `${name} is not printed`);
    }
    const lines = formatConfig(loaded, false).split('\n');
    assert.match(lines.find((l) => l.startsWith('port '))!, /^port +9000 +file .*tessera\.json: port$/);
    assert.match(lines.find((l) => l.startsWith('host '))!, /^host +0\.0\.0\.0 +flag --host$/);
    assert.match(lines.find((l) => l.startsWith('cacheTtlMs '))!, /^cacheTtlMs +10000 +default$/);
    assert.match(lines.find((l) => l.startsWith('secretKey '))!, new RegExp(`^secretKey +${REDACTED} +file`));
    assert.match(lines.find((l) => l.startsWith('databaseUrl '))!, new RegExp(`postgres://tessera:${REDACTED}@db\\.internal:5432/tessera +file`));
    assert.match(lines.find((l) => l.startsWith('edgeClients '))!, new RegExp(`^edgeClients +${REDACTED} +env TESSERA_EDGE_CLIENTS$`));

    const json = JSON.parse(formatConfig(loaded, true)) as { file: string; settings: ReturnType<typeof effectiveSettings> };
    assert.equal(json.file, file);
    assert.deepEqual(json.settings.port, { value: 9000, source: 'file', from: `${file}: port` });
    assert.deepEqual(json.settings.bootstrapToken, { value: REDACTED, source: 'env', from: 'TESSERA_BOOTSTRAP_TOKEN' });
    assert.deepEqual(json.settings.redisUrl, { value: `redis://:${REDACTED}@cache:6379`, source: 'env', from: 'REDIS_URL' });
    assert.deepEqual(json.settings.publicUrl, { value: null, source: 'default' });
  });

  it('redacts a password given as a query parameter, and a URL it cannot read', () => {
    const shown = redactUrl('postgres://db/tessera?sslmode=require&password=hunter2');
    assert.ok(!shown.includes('hunter2'));
    assert.match(shown, /sslmode=require/);
    assert.equal(redactUrl('not a url hunter2'), REDACTED);
  });
});
