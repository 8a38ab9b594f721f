import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { FOREIGN_KEYS_PRESENT, FOREIGN_KEYS_SETTING } from '../../src/core/foreign-key.js';
import { issueToken, tokenFields } from '../../src/core/issue-token.js';
import type { TokenRecord } from '../../src/core/token.js';
import { importerFor } from '../../src/server/data-commands.js';
import { importFile, type ImportFileOptions } from '../../src/server/import-file.js';
import type { Stores } from '../../src/store/stores.js';
import { describeEachStore } from '../support/store-factories.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest();

function token(name: string, fields: Partial<TokenRecord> = {}): TokenRecord {
  return { ...issueToken(tokenFields({ name, type: 'api', origin: 'api', ownerUserId: 'usr_owner' }), Date.now(), randomBytes).token, ...fields };
}

/** Every token of the owner, by name. */
async function byName(stores: Stores): Promise<Map<string, TokenRecord>> {
  const page = await stores.tokens.list({ limit: 1000, now: Date.now() });
  return new Map(page.items.map((t) => [t.name, t]));
}

await describeEachStore('token import', (stores) => {
  let dir: string;
  let n = 0;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-import-'));
    await stores.accounts.createUser({ id: 'usr_owner', name: 'owner', email: null, role: 'admin', createdAt: Date.now() });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const file = (text: string) => {
    const path = join(dir, `f${++n}`);
    writeFileSync(path, text);
    return path;
  };
  const run = (path: string, options: Partial<ImportFileOptions> = {}) =>
    importFile(
      { importer: importerFor(stores), accounts: stores.accounts },
      { path, format: 'jsonl', dryRun: false, skipInvalid: false, owner: 'usr_owner', ...options },
    );

  it('insertMany writes tokens in one go, skipping those whose id or digest exists, and keeps their uses', async () => {
    const a = token('bulk a', { useCount: 7, activeAt: 1_700_000_000_000 });
    const b = token('bulk b');
    assert.equal(await stores.tokens.insertMany([a, b]), 2);
    const sameDigest = token('bulk c', { digest: a.digest });
    const sameId = token('bulk d', { id: b.id });
    const fresh = token('bulk e');
    assert.equal(await stores.tokens.insertMany([sameDigest, sameId, fresh]), 1);
    const stored = await stores.tokens.findById(a.id);
    assert.equal(stored?.useCount, 7);
    assert.equal(stored?.activeAt, 1_700_000_000_000);
    assert.equal((await stores.tokens.findById(b.id))?.name, 'bulk b');
    assert.equal(await stores.tokens.findById(sameDigest.id), undefined);
    assert.deepEqual(await stores.tokens.idsByDigest([a.digest, sha256('nothing')]), new Map([[a.digest.toString('hex'), a.id]]));
    assert.deepEqual(await stores.tokens.existingIds([a.id, 'tok_none']), new Set([a.id]));
  });

  it('imports CSV keys by their text (quoted commas, quotes, line breaks) and by hash, keeping the old text working by digest', async () => {
    const hexKey = 'legacy-hex-key-0001';
    const b64Key = 'legacy+b64/key=0002';
    const csv = file(
      'key,hash,name,scopes,expiresAt,credits,metadata\r\n' +
        'sk_live_csv_key_1,,"csv, first","docs:read docs:write",2099-01-01T00:00:00Z,5,"{""plan"":""pro""}"\r\n' +
        `,${sha256(hexKey).toString('hex')},"csv ""second""",,,,\r\n` +
        `,${sha256(b64Key).toString('base64')},"csv\nthird",,,,\r\n`,
    );
    const report = await run(csv, { format: 'csv' });
    assert.deepEqual([report.imported, report.skipped, report.refused], [3, 0, 0], JSON.stringify(report.bad));
    const tokens = await byName(stores);
    const first = tokens.get('csv, first')!;
    assert.deepEqual(first.digest, sha256('sk_live_csv_key_1'));
    assert.deepEqual(first.scopes, ['docs:read', 'docs:write']);
    assert.equal(first.expiresAt, Date.UTC(2099, 0, 1));
    assert.equal(first.credits, 5_000_000_000n);
    assert.equal(first.creditsActive, true);
    assert.deepEqual(first.metadata, { plan: 'pro' });
    assert.equal(first.origin, 'import');
    assert.equal(first.prefix, '');
    assert.equal(first.suffix, 'ey_1');
    assert.equal(first.ownerUserId, 'usr_owner');
    assert.deepEqual(tokens.get('csv "second"')!.digest, sha256(hexKey));
    assert.equal(tokens.get('csv "second"')!.suffix, '');
    assert.deepEqual(tokens.get('csv\nthird')!.digest, sha256(b64Key));
    assert.equal(await stores.settings.claim(FOREIGN_KEYS_SETTING, 'other'), FOREIGN_KEYS_PRESENT);

    const again = await run(csv, { format: 'csv' });
    assert.deepEqual([again.imported, again.skipped], [0, 3]);
  });

  it('imports Unkey keys: migration items (hash variant, start, ownerId, meta, remaining, ratelimit) and keys-table rows', async () => {
    const apiKey = 'unk_migrated_0001';
    const tableKey = 'unk_table_row_0002';
    const jsonl = file(
      [
        JSON.stringify({
          apiId: 'api_1',
          name: 'unkey item',
          hash: { value: sha256(apiKey).toString('base64'), variant: 'sha256_base64' },
          start: 'unk_mig',
          ownerId: 'customer-7',
          meta: { tier: 'gold' },
          expires: 4_102_444_800_000,
          remaining: 100,
          ratelimit: { async: true, limit: 10, duration: 60_000 },
          enabled: false,
          permissions: ['docs:read'],
        }),
        '',
        JSON.stringify({ name: 'unkey plaintext', plaintext: 'unk_plain_text_0003' }),
      ].join('\n'),
    );
    const report = await run(jsonl, { format: 'unkey' });
    assert.deepEqual([report.imported, report.refused], [2, 0], JSON.stringify(report.bad));
    const csv = file(
      'id,hash,start,name,owner_id,meta,expires,remaining_requests,ratelimit_limit,ratelimit_duration,enabled\n' +
        `key_9,${sha256(tableKey).toString('base64')},unk_tab,unkey row,cust-9,"{""a"":1}",2099-01-01 00:00:00,,5,1000,1\n`,
    );
    assert.equal((await run(csv, { format: 'unkey' })).imported, 1);
    const tokens = await byName(stores);
    const item = tokens.get('unkey item')!;
    assert.deepEqual(item.digest, sha256(apiKey));
    assert.equal(item.prefix, 'unk_mig');
    assert.deepEqual(item.metadata, { tier: 'gold', unkeyOwnerId: 'customer-7', unkeyStart: 'unk_mig' });
    assert.equal(item.expiresAt, 4_102_444_800_000);
    assert.equal(item.credits, 100_000_000_000n);
    assert.deepEqual(item.rateLimits, [{ name: 'default', limit: 10, durationMs: 60_000 }]);
    assert.notEqual(item.disabledAt, null);
    assert.deepEqual(item.scopes, ['docs:read']);
    assert.deepEqual(tokens.get('unkey plaintext')!.digest, sha256('unk_plain_text_0003'));
    const row = tokens.get('unkey row')!;
    assert.deepEqual(row.digest, sha256(tableKey));
    assert.deepEqual(row.metadata, { a: 1, unkeyOwnerId: 'cust-9', unkeyKeyId: 'key_9', unkeyStart: 'unk_tab' });
    assert.equal(row.expiresAt, Date.UTC(2099, 0, 1));
    assert.equal(row.credits, null);
    assert.deepEqual(row.rateLimits, [{ name: 'default', limit: 5, durationMs: 1000 }]);
    assert.equal(row.disabledAt, null);
  });

  it('imports an Unleash api_tokens dump (psql --csv) with its type, environment and projects', async () => {
    const one = 'default:development.4a1b2c3d4e5f60718293a4b5c6d7e8f9';
    const many = '[]:production.0011223344556677889900aabbccddeeff';
    const csv = file(
      'secret,username,type,environment,project,projects,expires_at,created_at,seen_at\n' +
        `${one},sdk-dev,client,development,default,,,2024-05-01 10:00:00+00,2024-06-01 12:00:00.5+00\n` +
        `${many},frontend-prod,frontend,production,,"{alpha,beta}",2099-01-01 00:00:00+00,2024-05-01 10:00:00+00,\n`,
    );
    const report = await run(csv, { format: 'unleash' });
    assert.deepEqual([report.imported, report.refused], [2, 0], JSON.stringify(report.bad));
    const tokens = await byName(stores);
    const dev = tokens.get('sdk-dev')!;
    assert.deepEqual(dev.digest, sha256(one));
    assert.equal(dev.type, 'client');
    assert.equal(dev.environment, 'development');
    assert.deepEqual(dev.projects, ['default']);
    assert.equal(dev.createdAt, Date.UTC(2024, 4, 1, 10));
    assert.equal(dev.activeAt, Date.UTC(2024, 5, 1, 12, 0, 0, 500));
    const prod = tokens.get('frontend-prod')!;
    assert.deepEqual(prod.digest, sha256(many));
    assert.equal(prod.type, 'frontend');
    assert.deepEqual(prod.projects, ['alpha', 'beta']);
    assert.equal(prod.expiresAt, Date.UTC(2099, 0, 1));
  });

  it('refuses bad records with their line numbers and writes nothing; with skipInvalid, only the good ones', async () => {
    const jsonl = file(
      [
        JSON.stringify({ key: 'good_key_line_1', name: 'good one' }),
        '{not json',
        JSON.stringify({ key: 'short', name: 'too short' }),
        JSON.stringify({ hash: 'abc', name: 'bad hash' }),
        JSON.stringify({ key: 'good_key_line_5', name: 'good two', scopes: ['bad scope!'] }),
        JSON.stringify({ key: 'good_key_line_6', name: 'good three' }),
      ].join('\n'),
    );
    const before = (await byName(stores)).size;
    const refused = await run(jsonl);
    assert.equal(refused.written, false);
    assert.deepEqual([refused.imported, refused.refused], [0, 4]);
    assert.deepEqual(
      refused.bad.map((b) => b.line),
      [2, 3, 4, 5],
    );
    assert.match(refused.bad[1]!.problem, /^key /);
    assert.match(refused.bad[2]!.problem, /^hash /);
    assert.match(refused.bad[3]!.problem, /^scopes\.0 /);
    assert.equal((await byName(stores)).size, before, 'nothing written');
    const dry = await run(jsonl, { skipInvalid: true, dryRun: true });
    assert.deepEqual([dry.imported, dry.refused, dry.written], [2, 4, false]);
    assert.equal((await byName(stores)).size, before, 'a dry run writes nothing');
    const skipping = await run(jsonl, { skipInvalid: true });
    assert.deepEqual([skipping.imported, skipping.refused], [2, 4]);
    const names = [...(await byName(stores)).keys()];
    assert.ok(names.includes('good one') && names.includes('good three') && !names.includes('good two'));
  });

  it('refuses an unclosed quote and a row of the wrong width in CSV, naming the line', async () => {
    const csv = file('key,name\nsome_key_0001,a,extra\nsome_key_0002,"never closed\n');
    const report = await run(csv, { format: 'csv' });
    assert.deepEqual(
      report.bad.map((b) => b.line),
      [2, 3],
    );
    assert.equal(report.imported, 0);
  });
});
