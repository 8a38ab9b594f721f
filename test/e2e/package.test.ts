import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bootstrapSecretIn, startListeningProcess, type ServerProcess } from '../support/server-process.js';

/** The repository: dist/test/e2e/ is three levels below it. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, env: options.env ?? process.env, timeout: options.timeout ?? 60_000, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The exec-form command of the Dockerfile's HEALTHCHECK: what the container runtime runs. */
function dockerHealthCheck(): string[] {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n\s*/g, ' ');
  const match = /^HEALTHCHECK .*?\bCMD (\[.*\])\s*$/m.exec(dockerfile);
  assert.ok(match, 'the Dockerfile has an exec-form HEALTHCHECK');
  return JSON.parse(match[1]!) as string[];
}

// The release tarball as a user gets it: `npm pack`, then `npm install` of the file in a directory of
// its own (production dependencies only, better-sqlite3 built by its install script), then the
// installed `tessera` command. The tarball is packed from this checkout's build (npm test builds
// dist/ and dist/web/ first).
describe('the release tarball (npm pack) installs and runs', { timeout: 600_000 }, () => {
  let work: string;
  let tarball: string;
  let files: string[];
  let bin: string;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'tessera-pack-'));
    const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT });
    assert.equal(packed.code, 0, packed.stderr);
    const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = join(work, info!.filename);
    files = info!.files.map((file) => file.path);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('holds the server, the dashboard and the deployment files, and no tests, sources or data', () => {
    for (const needed of ['package.json', 'dist/src/main.js', 'dist/web/index.html', 'Dockerfile', 'deploy/systemd/tessera.service', 'docs/operations.md']) {
      assert.ok(files.includes(needed), `${needed} is in the tarball`);
    }
    const unwanted = files.filter((path) => /\.test\.js|^dist\/test\/|^dist\/bench\/|^src\/|^test\/|^data\/|secret\.key|\.db$/.test(path));
    assert.deepEqual(unwanted, []);
  });

  describe('installed with npm install', () => {
    let server: ServerProcess | undefined;
    let dataDir: string;

    before(async () => {
      const app = join(work, 'app');
      dataDir = join(work, 'data');
      await run('mkdir', ['-p', app]);
      writeFileSync(join(app, 'package.json'), '{"name": "tessera-install-check", "private": true}\n');
      const installed = await run('npm', ['install', tarball, '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: app, timeout: 540_000 });
      assert.equal(installed.code, 0, installed.stderr);
      bin = join(app, 'node_modules', 'tessera', 'dist', 'src', 'main.js');
      assert.ok(existsSync(join(app, 'node_modules', '.bin', 'tessera')), 'npm linked the tessera command');
    });
    after(async () => {
      await server?.stop();
    });

    it('answers --version with the package version', async () => {
      const version = await run(join(work, 'app', 'node_modules', '.bin', 'tessera'), ['--version']);
      assert.equal(version.code, 0, version.stderr);
      assert.equal(version.stdout.trim(), VERSION);
    });

    it('serves the API and the dashboard on SQLite and prints a first admin token', async () => {
      server = await startListeningProcess([bin, 'serve', '--port', '0', '--data-dir', dataDir], { DATABASE_URL: '', TESSERA_BOOTSTRAP_TOKEN: '' });
      const admin = bootstrapSecretIn(server.stderr());
      assert.ok(admin, `an admin token in:\n${server.stderr()}`);
      const whoami = await fetch(`${server.url}/v1/whoami`, { headers: { authorization: `Bearer ${admin}` } });
      assert.equal(whoami.status, 200);
      assert.equal(((await whoami.json()) as { user: { name: string } }).user.name, 'admin');
      const dashboard = await fetch(`${server.url}/`);
      assert.equal(dashboard.status, 200);
      assert.match(await dashboard.text(), /<script type="module"[^>]+src="\/assets\//);
    });

    it("passes the Dockerfile's health check while it serves, and fails it once stopped", async () => {
      assert.ok(server, 'the server of the previous test runs');
      const [command, ...args] = dockerHealthCheck();
      const env = { ...process.env, PORT: new URL(server.url).port };
      assert.equal(command, 'node');
      assert.equal((await run(process.execPath, args, { env })).code, 0);
      await server.stop();
      server = undefined;
      assert.equal((await run(process.execPath, args, { env })).code, 1);
    });

    it('runs from the systemd unit as systemd-analyze checks it', async (t) => {
      const analyze = await run('systemd-analyze', ['--version']);
      if (analyze.code !== 0) {
        t.skip('systemd-analyze is not installed');
        return;
      }
      // The unit as a user installs it, with ExecStart pointing at this installation's command.
      const unit = readFileSync(join(ROOT, 'deploy', 'systemd', 'tessera.service'), 'utf8').replace(
        '/usr/bin/tessera',
        join(work, 'app', 'node_modules', '.bin', 'tessera'),
      );
      const path = join(work, 'tessera.service');
      writeFileSync(path, unit);
      const verified = await run('systemd-analyze', ['verify', path], { cwd: work });
      assert.equal(verified.code, 0, verified.stderr);
      assert.equal(verified.stderr.trim(), '', 'no unknown or misspelt directive');
    });
  });
});
