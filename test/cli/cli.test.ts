import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { parseSecret } from '../../src/core/secret.js';
import type { Harness } from '../support/app-harness.js';
import { startCliServer, type CliServer } from '../support/cli-runner.js';

describe('the tessera CLI against a real server', () => {
  let server: CliServer;
  let h: Harness;
  before(async () => {
    server = await startCliServer();
    h = server.h;
  });
  after(() => server.close());

  const tessera: CliServer['tessera'] = (args, env) => server.tessera(args, env);

  const createJson = async (name: string) => {
    const run = await tessera(['token', 'create', '--name', name, '--scope', 'docs:read', '--json']);
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout) as { token: { id: string; name: string }; secret: string };
  };

  it('creates a token and prints its secret once', async () => {
    const run = await tessera(['token', 'create', '--name', 'from cli', '--expires-in', '30d', '--metadata', '{"plan":"pro"}']);
    assert.equal(run.code, 0, run.stderr);
    const secret = /^\s+(tsk_[0-9A-Za-z]{36})$/m.exec(run.stdout)?.[1];
    assert.ok(secret, run.stdout);
    const id = /token (tok_\w+)/.exec(run.stdout)![1]!;
    const stored = await h.stores.tokens.findById(id);
    assert.deepEqual(stored!.metadata, { plan: 'pro' });
    const days = (stored!.expiresAt! - stored!.createdAt) / 86_400_000;
    assert.ok(days > 29.9 && days <= 30.01, String(days));
  });

  it('lists tokens as a table and as JSON', async () => {
    const { token } = await createJson('listed');
    const table = await tessera(['token', 'list']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^ID\s+NAME\s+TYPE\s+STATUS/);
    assert.match(table.stdout, new RegExp(`${token.id}\\s+listed\\s+api\\s+active`));
    const json = await tessera(['token', 'list', '--json', '--every-page', '--limit', '1']);
    const ids = (JSON.parse(json.stdout) as Array<{ id: string }>).map((t) => t.id);
    assert.ok(ids.includes(token.id));
    assert.ok(ids.length >= 3, 'followed every page of one');
  });

  it('shows and renames', async () => {
    const { token } = await createJson('before');
    assert.equal((await tessera(['token', 'rename', token.id, 'after'])).code, 0);
    const show = await tessera(['token', 'show', token.id]);
    assert.match(show.stdout, /name\s+after/);
  });

  it('verify exits 0 for a valid token and 1 with the code otherwise', async () => {
    const { token, secret } = await createJson('verified');
    const ok = await tessera(['token', 'verify', secret, '--scope', 'docs:read'], { TESSERA_TOKEN: '' });
    assert.equal(ok.code, 0);
    assert.match(ok.stdout, /^VALID/);
    const scoped = await tessera(['token', 'verify', secret, '--scope', 'docs:write']);
    assert.equal(scoped.code, 1);
    assert.match(scoped.stdout, /INSUFFICIENT_PERMISSIONS/);
    assert.equal((await tessera(['token', 'revoke', token.id])).code, 0);
    const revoked = await tessera(['token', 'verify', secret]);
    assert.equal(revoked.code, 1);
    assert.match(revoked.stdout, /REVOKED/);
  });

  it('rotates into a new secret; the old one stops after a zero grace', async () => {
    const { token, secret } = await createJson('rotated');
    const run = await tessera(['token', 'rotate', token.id, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const fresh = JSON.parse(run.stdout) as { secret: string };
    assert.notEqual(fresh.secret, secret);
    assert.equal((await tessera(['token', 'verify', fresh.secret])).code, 0);
    assert.equal((await tessera(['token', 'verify', secret])).code, 1);
  });

  it('deletes; a later show fails with TOKEN_NOT_FOUND', async () => {
    const { token } = await createJson('deleted');
    assert.equal((await tessera(['token', 'delete', token.id])).code, 0);
    const show = await tessera(['token', 'show', token.id]);
    assert.equal(show.code, 1);
    assert.match(show.stderr, /TOKEN_NOT_FOUND/);
  });

  it('says what is wrong: no token, a bad token, an unreachable server, a bad duration', async () => {
    const none = await tessera(['token', 'list'], { TESSERA_TOKEN: '' });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /TESSERA_TOKEN/);
    const bad = await tessera(['token', 'list', '--token', 'tsr_nope']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /UNAUTHORIZED/);
    const away = await tessera(['token', 'list'], { TESSERA_URL: 'http://127.0.0.1:9' });
    assert.equal(away.code, 1);
    assert.match(away.stderr, /cannot reach tessera at http:\/\/127\.0\.0\.1:9/);
    const duration = await tessera(['token', 'create', '--name', 'x', '--expires-in', 'soon']);
    assert.equal(duration.code, 1);
    assert.match(duration.stderr, /invalid duration/);
  });

  it('says when what answered is not tessera (a proxy’s HTML error page)', async () => {
    const proxy = createServer((_req, res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body>502 Bad Gateway</body></html>'));
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    try {
      const run = await tessera(['user', 'list'], { TESSERA_URL: proxyUrl });
      assert.equal(run.code, 1);
      assert.equal(run.stderr.trim(), `tessera: HTTP_502: ${proxyUrl} answered 502 with something other than JSON: <html><body>502 Bad Gateway</body></html>`);
    } finally {
      proxy.close();
    }
  });

  it('generates a well-formed secret offline', async () => {
    const run = await tessera(['token', 'generate'], { TESSERA_URL: 'http://127.0.0.1:9' });
    assert.equal(run.code, 0);
    assert.equal(parseSecret(run.stdout.trim())?.prefix, 'tsr');
    const api = await tessera(['token', 'generate', '--type', 'api']);
    assert.equal(parseSecret(api.stdout.trim())?.prefix, 'tsk');
    const json = await tessera(['token', 'generate', '--type', 'resource', '--json']);
    const generated = JSON.parse(json.stdout) as { type: string; secret: string };
    assert.equal(generated.type, 'resource');
    assert.equal(parseSecret(generated.secret)?.prefix, 'tsre');
  });

  it('the docs of token generate name the type it makes without --type, and offer only the others', async () => {
    const made = JSON.parse((await tessera(['token', 'generate', '--json'])).stdout) as { type: string };
    for (const doc of ['README.md', 'docs/cli.md']) {
      const text = readFileSync(fileURLToPath(new URL(`../../../${doc}`, import.meta.url)), 'utf8');
      const lines = text.split('\n').filter((l) => /tessera token generate/.test(l));
      assert.ok(lines.length > 0, doc);
      for (const line of lines) {
        assert.match(line, new RegExp(`default ${made.type}\\b`), `${doc}: ${line}`);
        // `[--type personal]` for the default reads as if another type were made without it.
        assert.doesNotMatch(line, new RegExp(`\\[--type [^\\]]*\\b${made.type}\\b`), `${doc}: ${line}`);
      }
    }
  });

  it('whoami and audit', async () => {
    const who = await tessera(['whoami']);
    assert.match(who.stdout, /^admin \(usr_\w+, admin\)/);
    const audit = await tessera(['audit', '--limit', '5']);
    assert.match(audit.stdout, /^AT\s+ACTION/);
    assert.match(audit.stdout, /token\.delete/);
  });

  it('audit --actor takes a user name', async () => {
    await createJson('by the admin');
    const admin = (await h.stores.accounts.listUsers({ limit: 200 })).items.find((u) => u.name === 'admin')!;
    const run = await tessera(['audit', '--actor', 'admin', '--every-page', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const events = JSON.parse(run.stdout) as Array<{ actorUserId: string }>;
    assert.ok(events.length > 0, 'the admin did something');
    assert.deepEqual([...new Set(events.map((e) => e.actorUserId))], [admin.id]);
  });

  it('a listing cut at --limit says so; --json is the array of its items; audit follows --every-page', async () => {
    await createJson('page one');
    await createJson('page two');
    await createJson('page three');
    const events = (await h.stores.audit.list({ limit: 200 })).items.length;
    assert.ok(events > 2, 'more audit events than one page of 2');

    const audit = await tessera(['audit', '--limit', '2', '--json']);
    assert.equal(audit.code, 0, audit.stderr);
    const items = JSON.parse(audit.stdout) as unknown[];
    assert.ok(Array.isArray(items), `an array: ${audit.stdout.slice(0, 80)}`);
    assert.equal(items.length, 2);
    assert.match(audit.stderr, /more…/);

    const table = await tessera(['audit', '--limit', '2']);
    assert.match(table.stderr, /more…: 2 shown; --every-page/);
    const tokens = await tessera(['token', 'list', '--limit', '2']);
    assert.equal(tokens.code, 0, tokens.stderr);
    assert.match(tokens.stderr, /more…: 2 shown; --every-page/);

    const every = await tessera(['audit', '--limit', '2', '--every-page', '--json']);
    assert.equal(every.code, 0, every.stderr);
    assert.ok((JSON.parse(every.stdout) as unknown[]).length >= events, 'every page followed');
    assert.doesNotMatch(every.stderr, /more…/, 'nothing was cut');
    const whole = await tessera(['token', 'list', '--limit', '200']);
    assert.doesNotMatch(whole.stderr, /more…/, 'one page held them all');
  });
});
