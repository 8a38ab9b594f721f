import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateSecret } from '../../src/core/secret.js';
import { postgresTestUrl } from '../support/postgres.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { runTessera } from '../support/tessera-command.js';
import { postgresQuery, sqliteQuery } from '../support/store-query.js';

/** `tessera …` as a real process, with no database in its environment but the flags'. */
const tessera = (args: string[]) => runTessera(args);

async function call(url: string, method: string, path: string, token: string | undefined, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

interface Made {
  secret: string;
  /** What verifying it answers: VALID, or why not. */
  code: string;
}

describe('tessera export and import between SQLite and PostgreSQL', () => {
  let pg: { url: string; drop(): Promise<void> } | undefined;
  let skip: string | undefined;
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-ie-'));
    dirs.push(dir);
    return dir;
  };
  before(async () => {
    const db = await postgresTestUrl();
    if ('skip' in db) skip = db.skip;
    else pg = db;
  });
  after(async () => {
    await pg?.drop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const serve = (dataDir: string, databaseUrl: string | undefined, bootstrap: string) =>
    startServerProcess(['--data-dir', dataDir], { DATABASE_URL: databaseUrl ?? '', TESSERA_BOOTSTRAP_TOKEN: bootstrap });

  /** Every made token verified on the server: each answers as it did on the source. */
  async function verifyAll(server: ServerProcess, made: readonly Made[]): Promise<void> {
    for (const { secret, code } of made) {
      const res = await call(server.url, 'POST', '/v1/verify', undefined, { token: secret });
      assert.equal(res.status, 200);
      assert.equal(res.body.code, code, `${secret.slice(0, 6)}…: ${JSON.stringify(res.body)}`);
    }
  }

  it('moves every token from SQLite to PostgreSQL and back: each verifies as before; a re-run skips all; --dry-run writes nothing', async (t) => {
    if (skip) return t.skip(skip);
    const admin = generateSecret('tsr', randomBytes);
    const sourceDir = tempDir();
    const source = await serve(sourceDir, undefined, admin);
    const made: Made[] = [{ secret: admin, code: 'VALID' }];
    try {
      const bob = await call(source.url, 'POST', '/v1/users', admin, { name: 'bob', role: 'member' });
      assert.equal(bob.status, 201, JSON.stringify(bob.body));
      const team = await call(source.url, 'POST', '/v1/teams', admin, { slug: 'acme' });
      assert.equal(team.status, 201, JSON.stringify(team.body));
      const teamId = team.body.team.id as string;
      assert.equal((await call(source.url, 'POST', `/v1/teams/${teamId}/members`, admin, { userId: bob.body.user.id, role: 'member' })).status, 201);
      const create = async (body: Record<string, unknown>, code = 'VALID') => {
        const res = await call(source.url, 'POST', '/v1/tokens', admin, body);
        assert.equal(res.status, 201, JSON.stringify(res.body));
        made.push({ secret: res.body.secret, code });
        return res.body.token.id as string;
      };
      await create({ name: 'metered', scopes: ['docs:read'], credits: '3', metadata: { plan: 'pro' } });
      await create({ name: 'team key', teamId });
      await create({ name: "bob's", type: 'personal', ownerUserId: bob.body.user.id });
      const revoked = await create({ name: 'revoked' }, 'REVOKED');
      assert.equal((await call(source.url, 'POST', `/v1/tokens/${revoked}/revoke`, admin)).status, 200);
      await verifyAll(source, made);
    } finally {
      await source.stop();
    }

    const exported = join(tempDir(), 'export.jsonl');
    const exporting = await tessera(['export', '--data-dir', sourceDir, '--out', exported]);
    assert.equal(exporting.code, 0, exporting.stderr);
    const text = readFileSync(exported, 'utf8');
    const lines = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { kind: string; token?: { digest: string } });
    assert.equal(lines[0]!.kind, 'header');
    const digests = lines.flatMap((line) => (line.token ? [line.token.digest] : []));
    assert.equal(digests.length, made.length);
    for (const { secret } of made) {
      assert.ok(!text.includes(secret.slice(4)), 'no secret in the export');
      assert.ok(digests.includes(createHash('sha256').update(secret).digest('base64url')));
    }

    const pgArgs = ['--database-url', pg!.url, '--data-dir', tempDir()];
    const countPg = async () => Number((await postgresQuery(pg!.url)<{ n: string }>('select count(*) as n from tokens'))[0]!.n);
    const dry = await tessera(['import', exported, '--dry-run', ...pgArgs]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, new RegExp(`would have imported ${made.length}, skipped 0`));
    assert.equal(await countPg(), 0, 'a dry run writes nothing');
    const imported = await tessera(['import', exported, ...pgArgs]);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, new RegExp(`imported ${made.length}, skipped 0 .*refused 0; users 2, teams 1 made`));
    const again = await tessera(['import', exported, ...pgArgs]);
    assert.match(again.stdout, new RegExp(`imported 0, skipped ${made.length} `));
    assert.equal(await countPg(), made.length);

    // The target's first start finds users, so it bootstraps nothing: the source's admin token is the admin.
    const target = await serve(pgArgs[3]!, pg!.url, '');
    try {
      await verifyAll(target, made);
      assert.equal((await call(target.url, 'GET', '/v1/whoami', admin)).status, 200);
    } finally {
      await target.stop();
    }

    const back = join(tempDir(), 'back.jsonl');
    assert.equal((await tessera(['export', ...pgArgs, '--out', back])).code, 0);
    const sqliteDir = tempDir();
    // A new installation's store is made first: import refuses a data directory with none.
    assert.equal((await tessera(['migrate', '--data-dir', sqliteDir])).code, 0);
    const backImport = await tessera(['import', back, '--data-dir', sqliteDir]);
    assert.equal(backImport.code, 0, backImport.stderr);
    assert.match(backImport.stdout, new RegExp(`imported ${made.length}, `));
    const rows = await sqliteQuery(join(sqliteDir, 'tessera.db'))<{ n: number }>('select count(*) as n from tokens');
    assert.equal(rows[0]!.n, made.length);
    const roundTrip = await serve(sqliteDir, undefined, '');
    try {
      await verifyAll(roundTrip, made);
    } finally {
      await roundTrip.stop();
    }
  });

  it('refuses a file with a bad line, naming the line, and imports nothing; --skip-invalid imports the rest', async () => {
    const dataDir = tempDir();
    assert.equal((await tessera(['migrate', '--data-dir', dataDir])).code, 0);
    const file = join(tempDir(), 'keys.jsonl');
    writeFileSync(file, [JSON.stringify({ key: 'old_system_key_0001', name: 'one' }), JSON.stringify({ name: 'no key' }), ''].join('\n'));
    const owner = generateSecret('tsr', randomBytes);
    // A first start makes the admin user the keys can belong to.
    await (await serve(dataDir, undefined, owner)).stop();
    const refused = await tessera(['import', file, '--data-dir', dataDir, '--owner', 'admin']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /keys\.jsonl:2: give key .* or hash/);
    assert.match(refused.stdout, /nothing imported: 1 bad record/);
    const count = async () => (await sqliteQuery(join(dataDir, 'tessera.db'))<{ n: number }>("select count(*) as n from tokens where origin = 'import'"))[0]!.n;
    assert.equal(await count(), 0);
    const skipping = await tessera(['import', file, '--data-dir', dataDir, '--owner', 'admin', '--skip-invalid']);
    assert.equal(skipping.code, 0, skipping.stderr);
    assert.match(skipping.stdout, /imported 1, skipped 0 \(already there\), refused 1/);
    // Not a terminal: progress is a plain line, ending at the whole count.
    assert.match(skipping.stderr, /^import: 100% 1\/1 \d+\/s ETA 00:00$/m);
    assert.equal(await count(), 1);
  });
});

describe("other systems' keys imported beside a running server", () => {
  let dir: string;
  let server: ServerProcess | undefined;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-foreign-'));
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('CSV, Unkey and Unleash keys verify with their old text on the server within its refresh, and unknown texts stay NOT_FOUND', async () => {
    const dataDir = join(dir, 'data');
    const admin = generateSecret('tsr', randomBytes);
    server = await startServerProcess(['--data-dir', dataDir], { TESSERA_BOOTSTRAP_TOKEN: admin });
    const sha256 = (text: string, encoding: 'hex' | 'base64') => createHash('sha256').update(text).digest(encoding);
    const csvKey = `sk_live_${randomBytes(12).toString('hex')}`;
    const unkeyKey = `uk_${randomBytes(16).toString('base64url')}`;
    const unleashKey = `*:production.${randomBytes(28).toString('hex')}`;
    const verify = async (token: string, extra: Record<string, unknown> = {}) =>
      (await call(server!.url, 'POST', '/v1/verify', undefined, { token, ...extra })).body;

    // Before any import such texts are never looked up.
    assert.equal((await verify(csvKey)).code, 'NOT_FOUND');

    const csv = join(dir, 'keys.csv');
    writeFileSync(csv, `key,name,scopes\r\n${csvKey},"billing, legacy",docs:read\r\n`);
    const unkey = join(dir, 'unkey.jsonl');
    writeFileSync(
      unkey,
      `${JSON.stringify({ name: 'from unkey', hash: { value: sha256(unkeyKey, 'base64'), variant: 'sha256_base64' }, ownerId: 'customer-7' })}\n`,
    );
    const unleash = join(dir, 'api_tokens.csv');
    writeFileSync(unleash, `secret,token_name,type,environment,project\r\n${unleashKey},edge reader,client,production,*\r\n`);
    for (const [file, format] of [
      [csv, 'csv'],
      [unkey, 'unkey'],
      [unleash, 'unleash'],
    ] as const) {
      const run = await tessera(['import', file, '--format', format, '--data-dir', dataDir, '--owner', 'admin']);
      assert.equal(run.code, 0, `${format}: ${run.stderr}`);
      assert.match(run.stdout, /imported 1,/);
    }

    // The server learns of imported keys by reading the store's setting (every 5 s until present).
    const deadline = Date.now() + 15_000;
    while ((await verify(csvKey)).code !== 'VALID' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    const fromCsv = await verify(csvKey, { scopes: ['docs:read'] });
    assert.equal(fromCsv.code, 'VALID', JSON.stringify(fromCsv));
    assert.equal(fromCsv.token.name, 'billing, legacy');
    assert.equal((await verify(csvKey, { scopes: ['docs:write'] })).code, 'INSUFFICIENT_PERMISSIONS');
    const fromUnkey = await verify(unkeyKey);
    assert.equal(fromUnkey.code, 'VALID', JSON.stringify(fromUnkey));
    assert.equal(fromUnkey.token.name, 'from unkey');
    const fromUnleash = await verify(unleashKey);
    assert.equal(fromUnleash.code, 'VALID', JSON.stringify(fromUnleash));
    assert.equal(fromUnleash.token.environment, 'production');
    assert.equal((await verify(`uk_${randomBytes(16).toString('base64url')}`)).code, 'NOT_FOUND');

    // The Unleash key also answers Unleash Edge's validation, with what the dump said of it.
    const edge = await call(server.url, 'POST', '/edge/validate', undefined, { tokens: [unleashKey] });
    assert.equal(edge.status, 200);
    assert.deepEqual(edge.body, { tokens: [{ token: unleashKey, type: 'client', environment: 'production', projects: ['*'] }] });
  });
});

describe('tessera export and import refuse a data directory with no store, and write files for their owner only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-ie-dirs-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const keys = join(dir, 'keys.csv');
  writeFileSync(keys, 'key,name\nold_system_key_0001,one\n');

  it('refuses a mistyped --data-dir, making nothing there', async () => {
    for (const args of [
      ['export', '--data-dir', join(dir, 'typo')],
      ['export', '--data-dir', join(dir, 'typo'), '--out', join(dir, 'out.jsonl')],
      ['import', keys, '--dry-run', '--owner', 'admin', '--data-dir', join(dir, 'typo')],
      ['import', keys, '--owner', 'admin', '--data-dir', join(dir, 'typo')],
    ]) {
      const run = await tessera(args);
      assert.equal(run.code, 1, `${args.join(' ')}: ${run.stdout}`);
      assert.match(run.stderr, /there is no store at SQLite .*typo/, args.join(' '));
      if (args[0] === 'import') assert.match(run.stderr, /made first: by `tessera migrate`/, 'says how to make a new installation on purpose');
      assert.equal(existsSync(join(dir, 'typo')), false, `${args.join(' ')} made a store`);
      assert.equal(existsSync(join(dir, 'out.jsonl')), false, `${args.join(' ')} wrote its output`);
    }
  });

  it('moves into a new installation once `tessera migrate` has made its store', async () => {
    const source = join(dir, 'source');
    assert.equal((await tessera(['migrate', '--data-dir', source])).code, 0);
    const file = join(dir, 'moved.jsonl');
    assert.equal((await tessera(['export', '--data-dir', source, '--out', file])).code, 0);
    const target = join(dir, 'target');
    assert.equal((await tessera(['import', file, '--data-dir', target])).code, 1, 'no store there yet');
    assert.equal((await tessera(['migrate', '--data-dir', target])).code, 0);
    const run = await tessera(['import', file, '--data-dir', target]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /imported 0, skipped 0/);
  });

  it('writes --out 0600, and replaces an existing file (whatever its mode) only with --force', async () => {
    const store = join(dir, 'store');
    assert.equal((await tessera(['migrate', '--data-dir', store])).code, 0);
    const fresh = join(dir, 'fresh.jsonl');
    assert.equal((await tessera(['export', '--data-dir', store, '--out', fresh])).code, 0);
    assert.equal(statSync(fresh).mode & 0o777, 0o600);

    const existing = join(dir, 'existing.jsonl');
    writeFileSync(existing, 'keep me\n');
    chmodSync(existing, 0o644);
    const refused = await tessera(['export', '--data-dir', store, '--out', existing]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /exists: give another path, or --force/);
    assert.equal(readFileSync(existing, 'utf8'), 'keep me\n', 'left as it was');
    const forced = await tessera(['export', '--data-dir', store, '--out', existing, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(readFileSync(existing, 'utf8'), /^\{"kind":"header"/);
    assert.equal(statSync(existing).mode & 0o777, 0o600, 'its old mode is not kept');
    assert.deepEqual(
      readdirSync(dir).filter((name) => name.includes('partial')),
      [],
      'no draft left behind',
    );
  });
});
