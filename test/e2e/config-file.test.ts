import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { servingExecArgv } from '../../src/server/heap-growth.js';
import { startListeningProcess } from '../support/server-process.js';
import { freePort, runTessera, TESSERA_MAIN } from '../support/tessera-command.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-config-e2e-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const secretKey = randomBytes(32).toString('base64url');
const gitlabToken = randomBytes(24).toString('hex');
const databasePassword = `pw-${randomBytes(8).toString('hex')}`;

/** Whatever the test runner's environment sets, the server sees only what each case gives it. */
const CLEAN_ENV = {
  PORT: undefined,
  HOST: undefined,
  TESSERA_DATA_DIR: undefined,
  TESSERA_CONFIG: undefined,
  TESSERA_SECRET_KEY: undefined,
  LOG_LEVEL: undefined,
  DATABASE_URL: '',
  TESSERA_BOOTSTRAP_TOKEN: '',
};

const portOf = (url: string) => Number(new URL(url).port);

async function serveWith(args: string[], env: Record<string, string | undefined> = {}): Promise<number> {
  const server = await startListeningProcess([...servingExecArgv([]), TESSERA_MAIN, 'serve', ...args], { ...CLEAN_ENV, ...env });
  try {
    const health = await fetch(`${server.url}/healthz`);
    assert.equal(health.status, 200);
    return portOf(server.url);
  } finally {
    assert.equal(await server.stop(), 0, server.stderr());
  }
}

describe('tessera serve --config: a real process', { timeout: 120_000 }, () => {
  const file = join(dir, 'tessera.json');

  it("listens on the file's port; PORT overrides it; --port overrides both", async () => {
    const [filePort, envPort, flagPort] = [await freePort(), await freePort(), await freePort()];
    writeFileSync(file, JSON.stringify({ port: filePort, dataDir: 'data', secretKey, logLevel: 'warn' }, null, 2));

    assert.equal(await serveWith(['--config', file]), filePort);
    // dataDir is relative to the file, not to where the server was started.
    assert.ok(existsSync(join(dir, 'data', 'tessera.db')), 'the store is in the directory the file names');
    assert.equal(await serveWith(['--config', file], { PORT: String(envPort) }), envPort);
    assert.equal(await serveWith(['--config', file, '--port', String(flagPort)], { PORT: String(envPort) }), flagPort);
    // TESSERA_CONFIG names the file as --config does.
    assert.equal(await serveWith([], { TESSERA_CONFIG: file }), filePort);
  });

  it('refuses to start on a file with an unknown key or a wrong value, naming the file and the key', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ prot: 8420 }));
    const unknown = await runTessera(['serve', '--config', bad], CLEAN_ENV);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /bad\.json: unknown setting "prot" \(the closest known one is "port"\)/);
    writeFileSync(bad, JSON.stringify({ cacheTtlMs: 'soon' }));
    const wrong = await runTessera(['serve', '--config', bad], CLEAN_ENV);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /bad\.json: cacheTtlMs must be a number, got "soon"/);
  });

  it('tessera config prints where each setting came from and never a secret', async () => {
    writeFileSync(
      file,
      JSON.stringify({
        port: 9100,
        dataDir: 'data',
        secretKey,
        gitlabRevocationToken: gitlabToken,
        databaseUrl: `postgres://tessera:${databasePassword}@db:5432/t`,
      }),
    );
    const lines = await runTessera(['config', '--config', file, '--host', '0.0.0.0'], { ...CLEAN_ENV, PORT: '9200', DATABASE_URL: '' });
    assert.equal(lines.code, 0, lines.stderr);
    const json = await runTessera(['config', '--config', file, '--json'], CLEAN_ENV);
    assert.equal(json.code, 0, json.stderr);
    for (const run of [lines, json]) {
      for (const secret of [secretKey, gitlabToken, databasePassword]) assert.ok(!run.stdout.includes(secret), `a secret was printed:\n${run.stdout}`);
    }
    assert.match(lines.stdout, /^port +9200 +env PORT$/m);
    assert.match(lines.stdout, /^host +0\.0\.0\.0 +flag --host$/m);
    assert.match(lines.stdout, /^secretKey +REDACTED +file .*tessera\.json: secretKey$/m);
    assert.match(lines.stdout, /^logLevel +info +default$/m);
    const settings = (JSON.parse(json.stdout) as { settings: Record<string, { value: unknown; source: string }> }).settings;
    assert.deepEqual(settings.port, { value: 9100, source: 'file', from: `${file}: port` });
    assert.equal(settings.gitlabRevocationToken!.value, 'REDACTED');
    assert.equal(settings.databaseUrl!.value, 'postgres://tessera:REDACTED@db:5432/t');
    assert.deepEqual(settings.changePollMs, { value: null, source: 'default', default: 500 }, 'PostgreSQL polls every 500 ms');
  });

  it('tessera config names what the server uses for an unset setting: the key file, the poll of its store', async () => {
    const dataDir = join(dir, 'defaults');
    const run = await runTessera(['config', '--data-dir', dataDir], { ...CLEAN_ENV, TESSERA_CHANGE_POLL_MS: undefined });
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      new RegExp(`^secretKey +\\(default: file ${join(dataDir, 'secret.key').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\) +default$`, 'm'),
    );
    assert.match(run.stdout, /^changePollMs +\(default: 100\) +default$/m);
    const json = JSON.parse((await runTessera(['config', '--data-dir', dataDir, '--json'], CLEAN_ENV)).stdout) as { settings: Record<string, unknown> };
    assert.deepEqual(json.settings.secretKey, { value: null, source: 'default', default: `file ${join(dataDir, 'secret.key')}` });
    assert.deepEqual(json.settings.changePollMs, { value: null, source: 'default', default: 100 });
  });
});
