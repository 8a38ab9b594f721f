import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCliServer, timesIn, type CliServer } from '../support/cli-runner.js';
import { NANOS_PER_CREDIT } from '../../src/core/credits.js';

/*
 * Tokens beyond create/list/revoke from the `tessera` command: the listing's owner, scopes and
 * rotation columns and filters, times with their zone, verify --ip, rate limits, credits and
 * shared pools. Real CLI processes against one server on loopback.
 */
describe('tessera token, credits and pool commands', () => {
  let s: CliServer;
  before(async () => {
    s = await startCliServer();
  });
  after(() => s.close());

  /** The table row of a token id, split into its columns (two or more spaces apart). */
  const row = (table: string, id: string) => {
    const line = table.split('\n').find((l) => l.startsWith(`${id} `));
    assert.ok(line, `a row for ${id} in:\n${table}`);
    return line.split(/ {2,}/);
  };
  const column = (table: string, name: string) => table.split('\n')[0]!.split(/ {2,}/).indexOf(name);

  it('token list names the old and the new token of a rotation', async () => {
    const made = await s.json(['token', 'create', '--name', 'rotating', '--scope', 'docs:read']);
    const rotated = await s.json(['token', 'rotate', made.token.id, '--grace', '1h']);
    const oldId = made.token.id as string;
    const newId = rotated.token.id as string;
    assert.notEqual(oldId, newId);
    const stored = await s.h.stores.tokens.findById(oldId);
    assert.ok(stored!.revokedAt! > Date.now(), 'the old one still works for the grace period');

    const list = await s.tessera(['token', 'list', '--q', 'rotating']);
    assert.equal(list.code, 0, list.stderr);
    const at = column(list.stdout, 'ROTATION');
    assert.ok(at > 0, list.stdout);
    const iso = new Date(stored!.revokedAt!).toISOString().replace(/\.\d{3}Z$/, 'Z');
    assert.equal(row(list.stdout, oldId)[at], `old → ${newId} until ${iso}`);
    assert.equal(row(list.stdout, newId)[at], `new ← ${oldId}`);
    assert.equal(list.stdout.trim().split('\n').length, 3, '--q keeps only names starting with it');

    const show = await s.tessera(['token', 'show', oldId]);
    assert.match(show.stdout, new RegExp(`rotation\\s+old: its secret verifies until ${iso}`));
  });

  it('token list shows owner, team and scopes, and filters by owner, team and (admins) all', async () => {
    const dana = await s.h.user('dana-cli');
    const team = await s.json(['team', 'create', 'list-team']);
    await s.json(['team', 'member', 'add', 'list-team', dana.id]);
    const hers = await s.json(['token', 'create', '--name', 'dana api', '--owner', dana.id, '--scope', 'docs:read', '--scope', 'docs:write']);
    const teamToken = await s.json(['token', 'create', '--name', 'team api', '--team', 'list-team']);

    const byOwner = await s.tessera(['token', 'list', '--owner', dana.id]);
    assert.equal(byOwner.code, 0, byOwner.stderr);
    const cells = row(byOwner.stdout, hers.token.id);
    assert.equal(cells[column(byOwner.stdout, 'OWNER')], 'dana-cli');
    assert.equal(cells[column(byOwner.stdout, 'SCOPES')], 'docs:read,docs:write');
    const listed = byOwner.stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(/ {2,}/)[0]);
    assert.ok(listed.length >= 2, 'her api token and her personal token');
    for (const id of listed) assert.equal((await s.h.stores.tokens.findById(id!))!.ownerUserId, dana.id, `${id} is hers`);

    const byTeam = await s.tessera(['token', 'list', '--team', 'list-team']);
    const teamCells = row(byTeam.stdout, teamToken.token.id);
    assert.equal(teamCells[column(byTeam.stdout, 'TEAM')], team.team.id);
    assert.equal(teamCells[column(byTeam.stdout, 'OWNER')], 'admin');
    assert.ok(!byTeam.stdout.includes(hers.token.id), 'her own token is in no team');

    const all = await s.json(['token', 'list', '--all', '--every-page', '--limit', '200']);
    const ids = new Set(all.map((t: { id: string }) => t.id));
    assert.ok(ids.has(hers.token.id) && ids.has(teamToken.token.id));
    const refused = await s.tessera(['token', 'list', '--all'], { TESSERA_TOKEN: dana.secret });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^tessera: FORBIDDEN: /);
  });

  it('token create and list take --owner as a user name: an admin names anyone, a member names itself', async () => {
    const fay = await s.h.user('fay-cli');
    const made = await s.json(['token', 'create', '--name', 'fay api', '--owner', 'fay-cli']);
    assert.equal((await s.h.stores.tokens.findById(made.token.id))!.ownerUserId, fay.id);

    for (const as of [s.h.admin, fay.secret]) {
      const listed = await s.json(['token', 'list', '--owner', 'fay-cli'], { TESSERA_TOKEN: as });
      const ids = listed.map((t: { id: string }) => t.id);
      assert.ok(ids.includes(made.token.id), `her token in ${ids.join(' ')}`);
      for (const id of ids) assert.equal((await s.h.stores.tokens.findById(id))!.ownerUserId, fay.id, `${id} is hers`);
    }
  });

  it('prints every time with its zone, the instant the store holds', async () => {
    const made = await s.json(['token', 'create', '--name', 'timed', '--expires-at', '2031-02-03T04:05:06+02:00']);
    const stored = (await s.h.stores.tokens.findById(made.token.id))!;
    assert.equal(stored.expiresAt, Date.UTC(2031, 1, 3, 2, 5, 6));
    for (const args of [
      ['token', 'show', made.token.id],
      ['token', 'list', '--q', 'timed'],
      ['audit', '--target', made.token.id],
    ]) {
      const run = await s.tessera(args);
      assert.equal(run.code, 0, run.stderr);
      const times = timesIn(run.stdout);
      assert.ok(times.length > 0, run.stdout);
      assert.deepEqual(
        times.filter((t) => !t.zoned),
        [],
        `${args.join(' ')}: every time has its zone`,
      );
      for (const t of times) assert.ok(!Number.isNaN(Date.parse(t.text)), t.text);
      assert.ok(
        times.some((t) => Date.parse(t.text) === stored.expiresAt || Date.parse(t.text) === Math.floor(stored.createdAt / 1000) * 1000),
        `${args.join(' ')} shows a stored time: ${run.stdout}`,
      );
    }
  });

  it('token verify --ip: refused from outside the allowlist, accepted from inside', async () => {
    const made = await s.json(['token', 'create', '--name', 'fenced', '--ip', '10.0.0.0/8', '--ip', '2001:db8::/32']);
    const inside = await s.tessera(['token', 'verify', made.secret, '--ip', '10.1.2.3'], { TESSERA_TOKEN: '' });
    assert.equal(inside.code, 0, inside.stdout + inside.stderr);
    assert.match(inside.stdout, new RegExp(`^VALID: ${made.token.id}`));
    const inside6 = await s.tessera(['token', 'verify', made.secret, '--ip', '2001:db8::7']);
    assert.equal(inside6.code, 0, inside6.stdout);
    const outside = await s.tessera(['token', 'verify', made.secret, '--ip', '192.0.2.7']);
    assert.equal(outside.code, 1);
    assert.equal(outside.stdout.trim(), 'FORBIDDEN');
    // Without --ip the caller's own address (loopback) is checked: outside the list too.
    assert.equal((await s.tessera(['token', 'verify', made.secret])).code, 1);
    const bad = await s.tessera(['token', 'verify', made.secret, '--ip', 'not-an-ip']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /VALIDATION_ERROR/);
  });

  it('token update changes only what is given; disable suspends and enable resumes', async () => {
    const made = await s.json(['token', 'create', '--name', 'changing', '--scope', 'docs:read', '--metadata', '{"plan":"free"}']);
    const id = made.token.id as string;
    const run = await s.tessera(['token', 'update', id, '--scope', 'docs:write', '--expires-in', '7d', '--metadata', '{"plan":"pro"}']);
    assert.equal(run.code, 0, run.stderr);
    const stored = (await s.h.stores.tokens.findById(id))!;
    assert.deepEqual([stored.name, stored.scopes, stored.metadata], ['changing', ['docs:write'], { plan: 'pro' }]);
    const days = (stored.expiresAt! - Date.now()) / 86_400_000;
    assert.ok(days > 6.9 && days <= 7, String(days));
    assert.equal((await s.json(['token', 'update', id, '--never-expires'])).token.expiresAt, null);
    const nothing = await s.tessera(['token', 'update', id]);
    assert.equal(nothing.code, 1);
    assert.match(nothing.stderr, /nothing to change/);
    const badJson = await s.tessera(['token', 'update', id, '--metadata', '[1]']);
    assert.match(badJson.stderr, /--metadata must be a JSON object/);
    assert.deepEqual((await s.h.stores.tokens.findById(id))!.metadata, { plan: 'pro' }, 'a bad flag changes nothing');

    assert.equal((await s.tessera(['token', 'disable', id, '--reason', 'investigating'])).code, 0);
    assert.match((await s.tessera(['token', 'verify', made.secret])).stdout, /^DISABLED/);
    assert.match((await s.tessera(['token', 'list', '--status', 'disabled'])).stdout, new RegExp(`^${id}\\s`, 'm'));
    assert.equal((await s.tessera(['token', 'enable', id])).code, 0);
    assert.match((await s.tessera(['token', 'verify', made.secret, '--scope', 'docs:write'])).stdout, /^VALID/);
  });

  it('rate limits: on create, shown, enforced, replaced and cleared', async () => {
    const made = await s.json(['token', 'create', '--name', 'limited', '--rate-limit', 'requests=2/1h']);
    assert.deepEqual(made.token.rateLimits, [{ name: 'requests', limit: 2, durationMs: 3_600_000 }]);
    const shown = await s.tessera(['token', 'limits', 'show', made.token.id]);
    assert.equal(shown.stdout.trim(), 'requests=2/1h');
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await s.tessera(['token', 'verify', made.secret])).code);
    assert.deepEqual(codes, [0, 0, 1]);
    assert.match((await s.tessera(['token', 'verify', made.secret])).stdout, /^RATE_LIMITED/);

    const set = await s.tessera(['token', 'limits', 'set', made.token.id, 'requests=500/1m', 'burst=10/1s']);
    assert.equal(set.code, 0, set.stderr);
    assert.deepEqual((await s.h.stores.tokens.findById(made.token.id))!.rateLimits, [
      { name: 'requests', limit: 500, durationMs: 60_000 },
      { name: 'burst', limit: 10, durationMs: 1000 },
    ]);
    const bad = await s.tessera(['token', 'limits', 'set', made.token.id, 'requests=lots']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /invalid rate limit "requests=lots"/);
    assert.equal((await s.h.stores.tokens.findById(made.token.id))!.rateLimits.length, 2, 'a bad limit changes nothing');
    assert.equal((await s.tessera(['token', 'limits', 'clear', made.token.id])).code, 0);
    assert.equal((await s.tessera(['token', 'limits', 'show', made.token.id])).stdout.trim(), 'no rate limits');
  });

  it('credits: show, add (negative too), set, charged by verify, refill, off', async () => {
    const made = await s.json(['token', 'create', '--name', 'metered', '--credits', '10']);
    const id = made.token.id as string;
    assert.equal((await s.json(['credits', 'show', id])).credits, '10');
    assert.equal((await s.json(['credits', 'add', id, '5'])).credits, '15');
    assert.equal((await s.json(['credits', 'add', id, '-2.5'])).credits, '12.5');
    const charged = await s.tessera(['token', 'verify', made.secret, '--cost', '2']);
    assert.equal(charged.code, 0, charged.stdout);
    assert.match(charged.stdout, /\(10\.5 credits left\)$/m);
    assert.equal((await s.h.stores.tokens.findById(id))!.credits, 10_500_000_000n);
    assert.equal((await s.json(['credits', 'set', id, '1'])).credits, '1');
    assert.equal((await s.tessera(['token', 'verify', made.secret, '--cost', '2'])).code, 1, 'cannot pay 2 from 1');

    const refill = await s.json(['credits', 'refill', id, '100/monthly/15']);
    assert.deepEqual(refill.token.refill, { amount: '100', interval: 'monthly', dayOfMonth: 15 });
    const show = await s.tessera(['credits', 'show', id]);
    assert.match(show.stdout, /^refill\s+100 monthly \(day 15\)$/m);
    assert.equal((await s.json(['credits', 'refill', id, '--off'])).token.refill, null);

    assert.equal((await s.json(['credits', 'off', id])).token.creditsActive, false);
    assert.equal((await s.tessera(['token', 'verify', made.secret, '--cost', '2'])).code, 0, 'not charged while off');
    assert.equal((await s.h.stores.tokens.findById(id))!.credits, 1_000_000_000n);
    assert.equal((await s.json(['credits', 'on', id])).token.creditsActive, true);
  });

  it('pools: a pooled token draws from its team’s pool, set and added by slug or id', async () => {
    const team = await s.json(['team', 'create', 'pool-team']);
    const made = await s.json(['token', 'create', '--name', 'pooled', '--team', 'pool-team', '--credit-pool']);
    assert.equal(made.token.creditPool, team.team.id);
    assert.equal((await s.json(['pool', 'set', 'pool-team', '3'])).credits, '3');
    const charged = await s.tessera(['token', 'verify', made.secret]);
    assert.equal(charged.code, 0, charged.stdout);
    assert.equal((await s.json(['pool', 'show', team.team.id])).credits, '2');
    // The token has no balance of its own: what it shows is the pool it is charged to.
    const credits = await s.tessera(['credits', 'show', made.token.id]);
    assert.equal(credits.code, 0, credits.stderr);
    assert.match(credits.stdout, new RegExp(`^balance\\s+2 \\(pool of ${team.team.id}\\)$`, 'm'));
    assert.match(credits.stdout, new RegExp(`^charged\\s+yes, from the pool of ${team.team.id}$`, 'm'));
    assert.equal((await s.json(['credits', 'show', made.token.id])).poolCredits, '2');
    assert.match((await s.tessera(['token', 'show', made.token.id])).stdout, new RegExp(`^credits\\s+pool ${team.team.id}$`, 'm'));
    const added = await s.json(['pool', 'add', team.team.id, '2.5']);
    assert.equal(added.credits, '4.5');
    const shown = await s.tessera(['pool', 'show', 'pool-team']);
    const updated = new Date(added.updatedAt).toISOString().replace(/\.\d{3}Z$/, 'Z');
    assert.equal(shown.stdout.trim(), `pool of ${team.team.id}: 4.5 credits (updated ${updated})`);
    const unfunded = await s.json(['token', 'create', '--name', 'pooled alone', '--credit-pool']);
    const alone = await s.tessera(['credits', 'show', unfunded.token.id]);
    assert.equal(alone.code, 0, alone.stderr);
    assert.match(alone.stdout, /^balance\s+no pool yet: verifications answer USAGE_EXCEEDED \(pool of usr_\w+\)$/m);
    assert.equal((await s.tessera(['token', 'verify', unfunded.secret])).code, 1, 'as it says');
    const missing = await s.tessera(['pool', 'show', 'no-such-team']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^tessera: [A-Z_]+: /);
  });

  it('pools take a user name as owner; a name that is both a team slug and a user name is refused', async () => {
    const admin = (await s.h.stores.accounts.listUsers({ limit: 200 })).items.find((u) => u.name === 'admin')!;
    const set = await s.tessera(['pool', 'set', 'admin', '5']);
    assert.equal(set.code, 0, set.stderr);
    assert.equal((await s.h.stores.credits.findPool(admin.id))?.credits, 5n * NANOS_PER_CREDIT);
    assert.equal((await s.json(['pool', 'show', 'admin'])).ownerId, admin.id);

    const twin = await s.h.user('twin-cli');
    const team = await s.json(['team', 'create', 'twin-cli']);
    const ambiguous = await s.tessera(['pool', 'set', 'twin-cli', '7']);
    assert.equal(ambiguous.code, 1);
    assert.match(ambiguous.stderr, /both a team slug and a user name/);
    assert.equal(await s.h.stores.credits.findPool(team.team.id), undefined, 'the team’s pool untouched');
    assert.equal(await s.h.stores.credits.findPool(twin.id), undefined, 'the user’s pool untouched');
    assert.equal((await s.json(['pool', 'set', team.team.id, '7'])).ownerId, team.team.id, 'an id settles it');
  });
});
