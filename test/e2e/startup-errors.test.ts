import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { postgresTestUrl } from '../support/postgres.js';
import { runTessera } from '../support/tessera-command.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-startup-errors-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('start-up errors of a real process', { timeout: 120_000 }, () => {
  it('a database port that closes every connection before answering: names its host, port and the flag the URL came from', async () => {
    // Closed after pg's first message: pg then sees the server's close, not a failed write.
    const closing = createServer((socket) => socket.once('data', () => socket.end())).listen(0, '127.0.0.1');
    await once(closing, 'listening');
    try {
      const { port } = closing.address() as { port: number };
      const run = await runTessera(['migrate', '--data-dir', dir, '--database-url', `postgres://postgres@127.0.0.1:${port}/tessera`]);
      assert.equal(run.code, 1, run.stderr);
      assert.match(
        run.stderr,
        new RegExp(`^tessera: PostgreSQL at 127\\.0\\.0\\.1:${port} \\(--database-url\\) did not answer \\(Connection terminated unexpectedly\\): `),
      );
    } finally {
      closing.close();
    }
  });

  it('a database that does not exist: names it, how to create it, and the config file the URL came from', async (t) => {
    const server = await postgresTestUrl();
    if ('skip' in server) return t.skip(server.skip);
    await server.drop();
    const url = new URL(server.url);
    const name = url.pathname.slice(1);
    const file = join(dir, 'tessera.json');
    writeFileSync(file, JSON.stringify({ databaseUrl: server.url, dataDir: dir }));
    const run = await runTessera(['migrate', '--config', file]);
    assert.equal(run.code, 1, run.stderr);
    assert.equal(
      run.stderr,
      `tessera: database "${name}" does not exist (${file}: databaseUrl): create it first, e.g. \`createdb -h ${url.hostname} -p ${url.port || 5432} -U ${url.username} ${name}\`, then start tessera again\n`,
    );
  });
});
