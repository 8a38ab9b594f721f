import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { it } from 'node:test';
import { FOREIGN_KEYS_PRESENT, FOREIGN_KEYS_SETTING } from '../../src/core/foreign-key.js';
import { describeEachApp } from '../support/app-harness.js';

/** POST /v1/tokens/import: another system's keys a batch at a time (issue 23). */
await describeEachApp('importing a batch of keys', (h) => {
  let n = 0;
  const fresh = (what = 'key') => `${what}_${process.pid}_${++n}_abcdefgh`;
  const sha256 = (text: string) => createHash('sha256').update(text).digest();
  const post = (payload: unknown, as = h.admin) => h.request({ method: 'POST', url: '/v1/tokens/import', as, payload: payload as object });
  const count = async () => (await h.stores.tokens.list({ limit: 200, now: h.clock.now() })).items.filter((t) => t.origin === 'import').length;
  const imports = async () => (await h.stores.audit.list({ limit: 100, action: 'token.import' })).items;

  it('imports keys by text and by hash for the admin, answers each with its id, audits the batch once, and keeps no text', async () => {
    const text = fresh();
    const hashed = fresh();
    const auditsBefore = (await imports()).length;
    const res = await post({
      keys: [
        { key: text, name: 'by text', scopes: ['docs:read'], credits: 10, metadata: { plan: 'pro' } },
        { hash: sha256(hashed).toString('hex'), name: 'by hash', expiresAt: '2099-01-01T00:00:00Z' },
      ],
    });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.deepEqual([body.dryRun, body.imported, body.skipped], [false, 2, 0]);
    assert.deepEqual(
      body.results.map((r: { index: number; status: string }) => [r.index, r.status]),
      [
        [0, 'imported'],
        [1, 'imported'],
      ],
    );
    assert.ok(!res.body.includes(text), 'the key text is never answered');
    const byText = await h.stores.tokens.findById(body.results[0].id);
    assert.deepEqual(byText!.digest, sha256(text));
    assert.deepEqual(byText!.scopes, ['docs:read']);
    assert.equal(byText!.credits, 10_000_000_000n);
    assert.equal(byText!.origin, 'import');
    assert.equal(byText!.suffix, text.slice(-4));
    const byHash = await h.stores.tokens.findById(body.results[1].id);
    assert.deepEqual(byHash!.digest, sha256(hashed));
    assert.equal(byHash!.expiresAt, Date.UTC(2099, 0, 1));
    assert.equal(await h.stores.settings.claim(FOREIGN_KEYS_SETTING, 'x'), FOREIGN_KEYS_PRESENT);
    const audits = await imports();
    assert.equal(audits.length, auditsBefore + 1);
    assert.deepEqual([audits[0]!.details.imported, audits[0]!.details.skipped], [2, 0]);
    assert.ok(!JSON.stringify(audits[0]).includes(text));

    // The old text verifies, at once on this node, with the scopes it was imported with.
    const verify = (secret: string, scopes?: string[]) => h.request({ method: 'POST', url: '/v1/verify', payload: { token: secret, scopes } });
    const valid = await verify(text, ['docs:read']);
    assert.equal(valid.statusCode, 200, valid.body);
    assert.deepEqual([valid.json().valid, valid.json().token.id], [true, body.results[0].id]);
    assert.equal((await verify(text, ['docs:write'])).json().code, 'INSUFFICIENT_PERMISSIONS');
    assert.equal((await verify(hashed)).json().code, 'VALID');
    assert.equal((await verify(fresh('never-imported'))).json().code, 'NOT_FOUND');
  });

  it('is idempotent: a key whose digest exists is skipped with the id it has', async () => {
    const text = fresh();
    const first = (await post({ keys: [{ key: text }] })).json();
    const again = await post({ keys: [{ key: text }, { hash: sha256(text).toString('base64url') }] });
    assert.equal(again.statusCode, 200, again.body);
    const body = again.json();
    assert.deepEqual([body.imported, body.skipped], [0, 2]);
    assert.deepEqual(
      body.results.map((r: { id: string }) => r.id),
      [first.results[0].id, first.results[0].id],
    );
  });

  it('is atomic: one bad key refuses the batch, naming its index and why, and writes nothing', async () => {
    const before = await count();
    const res = await post({ keys: [{ key: fresh() }, { key: 'short' }, { hash: 'not-a-digest' }, {}] });
    assert.equal(res.statusCode, 400, res.body);
    const body = res.json();
    assert.equal(body.error.code, 'VALIDATION_ERROR');
    assert.deepEqual(
      body.refused.map((r: { index: number }) => r.index),
      [1, 2, 3],
    );
    assert.match(body.refused[0].reason, /^key /);
    assert.match(body.refused[1].reason, /^hash /);
    assert.equal(await count(), before);
  });

  it('writes nothing on a dry run, answering what it would do', async () => {
    const before = await count();
    const res = await post({ keys: [{ key: fresh() }], dryRun: true });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual([res.json().dryRun, res.json().imported], [true, 1]);
    assert.equal(await count(), before);
  });

  it('is for admins only, and an unknown owner or team is refused', async () => {
    const member = await h.user(fresh('member'));
    const before = await count();
    const refused = await post({ keys: [{ key: fresh() }] }, member.secret);
    assert.equal(refused.statusCode, 403, refused.body);
    assert.equal((await post({ keys: [{ key: fresh() }] }, 'tsk_not-a-token')).statusCode, 401);
    assert.equal((await post({ keys: [{ key: fresh() }], ownerUserId: 'usr_nobody' })).json().error.code, 'USER_NOT_FOUND');
    assert.equal((await post({ keys: [{ key: fresh() }], teamId: 'team_nothing' })).statusCode, 404);
    assert.equal(await count(), before);
  });

  it('places keys with an owner and a team, and refuses more than 1000 keys or unknown fields', async () => {
    const owner = await h.user(fresh('owner'));
    const team = (await h.request({ method: 'POST', url: '/v1/teams', as: h.admin, payload: { slug: fresh('team').toLowerCase().replace(/_/g, '-') } })).json()
      .team;
    const res = await post({ keys: [{ key: fresh(), owner: 'crm-42' }], ownerUserId: owner.id, teamId: team.id });
    assert.equal(res.statusCode, 200, res.body);
    const token = await h.stores.tokens.findById(res.json().results[0].id);
    assert.deepEqual([token!.ownerUserId, token!.teamId, token!.metadata.importedOwner], [owner.id, team.id, 'crm-42']);
    const tooMany = await post({ keys: Array.from({ length: 1001 }, () => ({ hash: sha256('x').toString('hex') })) });
    assert.equal(tooMany.statusCode, 400);
    assert.equal((await post({ keys: [{ key: fresh(), secret: 'x' }] })).statusCode, 400);
  });
});
