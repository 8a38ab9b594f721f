import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { digestSecret } from '../../src/core/digest.js';
import { AppError } from '../../src/core/errors.js';
import { newId } from '../../src/core/ids.js';
import { edgeClientOwner } from '../../src/core/unleash-edge-token.js';
import type { Stores } from '../../src/store/stores.js';
import { makeToken, T0 } from '../support/fixtures.js';
import { createOwners } from '../support/owners.js';
import { describeEachStore, storeFactories } from '../support/store-factories.js';

const isConflict = (error: unknown) => error instanceof AppError && error.code === 'CONFLICT';
const isCode = (code: string) => (error: unknown) => error instanceof AppError && error.code === code;

await describeEachStore('TokenStore contract', (stores) => {
  before(() => createOwners(stores, ['usr_owner']));

  it('round-trips every field by id and by digest', async () => {
    // Its owner's suspension is the owner's: a user disabled at that time.
    await createOwners(stores, ['usr_round_trip']);
    await stores.accounts.setUserDisabled('usr_round_trip', T0 + 4, T0 + 4);
    const { token, secret } = makeToken(
      { expiresAt: T0 + 1000, activeAt: T0 + 5, useCount: 12, leakedUrl: null, lastRefillAt: T0 - 7 },
      {
        name: 'full',
        type: 'resource',
        origin: 'vercel',
        scopes: ['a:*', 'b'],
        resource: { kind: 'edge-config', id: 'ecfg_1' },
        environment: 'production',
        projects: ['web', '*'],
        teamId: 'team_x',
        metadata: { plan: 'pro', nested: { n: 1, list: [true, null] } },
        ipAllowlist: ['10.0.0.0/8'],
        parentId: 'tok_parent',
        rotatedFromId: 'tok_prev',
        // Past 2⁵³, where a floating-point number would lose the last units.
        credits: 9_007_199_254_740_993n,
        creditsActive: true,
        creditPool: 'team_x',
        refill: { amount: 1_000_000_000n, interval: 'monthly', dayOfMonth: 31 },
        rateLimits: [{ name: 'burst', limit: 10, durationMs: 1000 }],
        disabledAt: T0 + 3,
        ownerUserId: 'usr_round_trip',
        ownerDisabledAt: T0 + 4,
      },
    );
    await stores.tokens.insert(token);
    assert.deepEqual(await stores.tokens.findById(token.id), token);
    assert.deepEqual(await stores.tokens.findByDigest(digestSecret(secret)), token);
    assert.equal(await stores.tokens.findById('tok_missing'), undefined);
    assert.equal(await stores.tokens.findByDigest(digestSecret('tsk_nothing')), undefined);
  });

  it('refuses a duplicate id or digest with CONFLICT and keeps the original', async () => {
    const { token } = makeToken({}, { name: 'original' });
    await stores.tokens.insert(token);
    const sameDigest = { ...makeToken().token, digest: token.digest, name: 'copy' };
    const sameId = { ...makeToken().token, id: token.id, name: 'copy' };
    await assert.rejects(stores.tokens.insert(sameDigest), isConflict);
    await assert.rejects(stores.tokens.insert(sameId), isConflict);
    assert.equal((await stores.tokens.findById(token.id))!.name, 'original');
    assert.equal(await stores.tokens.findById(sameDigest.id), undefined);
  });

  it('keeps an Eden AI token name unique among live tokens in its team, or its owner when it has none: CONFLICT on insert and rename', async () => {
    const owner = `usr_${randomBytes(4).toString('hex')}`;
    const other = `usr_${randomBytes(4).toString('hex')}`;
    const team = `team_${randomBytes(4).toString('hex')}`;
    await createOwners(stores, [owner, other]);
    const eden = (fields: Parameters<typeof makeToken>[1] = {}) => makeToken({}, { origin: 'edenai', name: 'shared', ownerUserId: owner, ...fields }).token;
    const first = eden();
    const inTeam = eden({ teamId: team });
    // Other namespaces (another owner, a team) and other origins may use the name.
    const allowed = [first, eden({ ownerUserId: other }), inTeam, eden({ origin: 'api' }), eden({ origin: 'api' }), eden({ name: 'own' })];
    for (const token of allowed) await stores.tokens.insert(token);

    const refused = [eden(), eden({ teamId: team, ownerUserId: other })];
    for (const token of refused) await assert.rejects(stores.tokens.insert(token), isConflict);
    const own = allowed.at(-1)!;
    await assert.rejects(stores.tokens.update(own.id, { name: 'shared' }, T0 + 1), isConflict);

    for (const token of allowed) assert.deepEqual(await stores.tokens.findById(token.id), token);
    for (const token of refused) assert.equal(await stores.tokens.findById(token.id), undefined);
    // A name of its own, or its own name again, is no clash.
    assert.equal((await stores.tokens.update(own.id, { name: 'own' }, T0 + 2))!.name, 'own');
    assert.equal((await stores.tokens.update(own.id, { name: 'renamed' }, T0 + 3))!.name, 'renamed');

    // A rotation retires the old token first: its replacement keeps the name.
    const replacement = eden({ rotatedFromId: first.id });
    assert.equal(await stores.tokens.rotate((await stores.tokens.findById(first.id))!, T0 + 5, T0 + 4, replacement), 'rotated');
    assert.equal((await stores.tokens.findById(replacement.id))?.name, 'shared');
    // Another live token may not take it; once the holder is revoked, it is free.
    await assert.rejects(stores.tokens.insert(eden()), isConflict);
    await stores.tokens.revoke(replacement.id, T0 + 6);
    await stores.tokens.insert(eden());
  });

  it('lists by owner, team, type and status at a given instant, newest first, in pages', async () => {
    const owner = `usr_${randomBytes(4).toString('hex')}`;
    await createOwners(stores, [owner]);
    const mk = (i: number, extra: Parameters<typeof makeToken>[0] = {}, fields: Parameters<typeof makeToken>[1] = {}) =>
      makeToken({ id: newId('tok', T0 + i, randomBytes), createdAt: T0 + i, ...extra }, { ownerUserId: owner, ...fields }).token;
    const active = mk(1);
    const revoked = mk(2, { revokedAt: T0 + 50 });
    const scheduled = mk(3, { revokedAt: T0 + 500 });
    const expired = mk(4, { expiresAt: T0 + 50 });
    // Leaked and revoked by its policy; a leak alone (a `notify` policy) leaves a token active.
    const leaked = mk(5, { leakedAt: T0 + 10, revokedAt: T0 + 10 });
    const teamToken = mk(6, {}, { teamId: 'team_list', type: 'personal' });
    const resourceToken = mk(7, {}, { teamId: 'team_res', resource: { kind: 'edge-config', id: 'ecfg_list' } });
    const leakedOnly = mk(8, { leakedAt: T0 + 10 });
    for (const t of [active, revoked, scheduled, expired, leaked, teamToken, resourceToken, leakedOnly]) await stores.tokens.insert(t);
    const now = T0 + 100;
    const ids = async (q: Partial<Parameters<Stores['tokens']['list']>[0]>) =>
      (await stores.tokens.list({ ownerUserId: owner, limit: 100, now, ...q })).items.map((t) => t.id);

    assert.deepEqual(
      await ids({}),
      [leakedOnly, resourceToken, teamToken, leaked, expired, scheduled, revoked, active].map((t) => t.id),
    );
    assert.deepEqual(
      await ids({ teamId: null }),
      [leakedOnly, leaked, expired, scheduled, revoked, active].map((t) => t.id),
    );
    assert.deepEqual(await ids({ teamId: 'team_list' }), [teamToken.id]);
    assert.deepEqual(await ids({ type: 'personal' }), [teamToken.id]);
    assert.deepEqual(await ids({ excludeType: 'personal', status: 'active' }), [leakedOnly.id, resourceToken.id, scheduled.id, active.id]);
    assert.deepEqual(await ids({ resource: { kind: 'edge-config', id: 'ecfg_list' } }), [resourceToken.id]);
    assert.deepEqual(await ids({ resource: { kind: 'edge-config', id: 'ecfg_other' } }), []);
    assert.deepEqual(await ids({ status: 'active', teamId: null }), [leakedOnly.id, scheduled.id, active.id]);
    assert.deepEqual(await ids({ status: 'revoked' }), [leaked.id, revoked.id]);
    assert.deepEqual(await ids({ status: 'expired' }), [expired.id]);
    assert.deepEqual(await ids({ status: 'revoked', now: T0 + 600 }), [leaked.id, scheduled.id, revoked.id]);

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await stores.tokens.list({ ownerUserId: owner, limit: 2, now, cursor });
      assert.ok(page.items.length <= 2);
      seen.push(...page.items.map((t) => t.id));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    assert.equal(pages, 4);
    assert.deepEqual(seen, await ids({}));
  });

  it('finds names by their exact start (case, accents and all) within an owner or a team, in pages', async () => {
    const owner = `usr_${randomBytes(4).toString('hex')}`;
    const team = `team_${randomBytes(4).toString('hex')}`;
    await createOwners(stores, [owner]);
    const mk = (i: number, name: string, fields: Parameters<typeof makeToken>[1] = {}) =>
      makeToken({ id: newId('tok', T0 + i, randomBytes), createdAt: T0 + i }, { ownerUserId: owner, name, ...fields }).token;
    const tokens = [
      mk(1, 'deploy'),
      mk(2, 'deploy-ci'),
      mk(3, 'Deploy'),
      mk(4, 'dép'),
      mk(5, 'de'),
      mk(6, 'deployment bot', { teamId: team }),
      mk(7, 'ci deploy'),
      mk(8, 'de\u{10FFFF}x'),
      mk(9, 'de%'),
      mk(10, 'de_ploy'),
      mk(11, 'DÉP'),
    ];
    for (const t of tokens) await stores.tokens.insert(t);
    const now = T0 + 100;
    const names = async (namePrefix: string, q: Partial<Parameters<Stores['tokens']['list']>[0]> = { teamId: null }) =>
      (await stores.tokens.list({ ownerUserId: owner, limit: 100, now, namePrefix, ...q })).items.map((t) => t.name);

    // ASCII letters in either case; other letters exactly (É is not é).
    assert.deepEqual(await names('deploy'), ['Deploy', 'deploy-ci', 'deploy']);
    assert.deepEqual(await names('DEPLOY-'), ['deploy-ci']);
    assert.deepEqual(await names('de'), ['de_ploy', 'de%', 'de\u{10FFFF}x', 'de', 'Deploy', 'deploy-ci', 'deploy']);
    assert.deepEqual(await names('dé'), ['dép']);
    assert.deepEqual(await names('dÉ'), ['DÉP']);
    // LIKE's wildcards are plain characters here.
    assert.deepEqual(await names('de%'), ['de%']);
    assert.deepEqual(await names('de_'), ['de_ploy']);
    assert.deepEqual(await names('de\u{10FFFF}'), ['de\u{10FFFF}x']);
    assert.deepEqual(await names('nothing'), []);
    assert.deepEqual(await names('deploy', { teamId: team }), ['deployment bot']);
    assert.deepEqual(await names('deploy', {}), ['deployment bot', 'Deploy', 'deploy-ci', 'deploy']);
    assert.deepEqual(await names('deploy', { ownerUserId: 'usr_someone_else' }), []);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await stores.tokens.list({ ownerUserId: owner, teamId: null, limit: 2, now, cursor, namePrefix: 'de' });
      seen.push(...page.items.map((t) => t.name));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    assert.deepEqual(seen, await names('de'));
  });

  it('updates only the given fields, can clear the expiry, and ignores unknown ids', async () => {
    const { token } = makeToken({ expiresAt: T0 + 10_000 }, { name: 'before', scopes: ['x'], metadata: { a: 1 } });
    await stores.tokens.insert(token);
    const updated = await stores.tokens.update(token.id, { name: 'after', expiresAt: null }, T0 + 7);
    assert.deepEqual(updated, { ...token, name: 'after', expiresAt: null, updatedAt: T0 + 7 });
    assert.deepEqual(await stores.tokens.findById(token.id), updated);
    const again = await stores.tokens.update(token.id, { metadata: { b: [2] }, ipAllowlist: ['::1/128'] }, T0 + 8);
    assert.deepEqual(again!.metadata, { b: [2] });
    assert.deepEqual(again!.ipAllowlist, ['::1/128']);
    assert.deepEqual(again!.scopes, ['x']);
    assert.equal(await stores.tokens.update('tok_missing', { name: 'x' }, T0), undefined);
  });

  it('suspends and resumes a token, keeping the first suspension, and ignores unknown ids', async () => {
    const { token } = makeToken();
    await stores.tokens.insert(token);
    const disabled = (await stores.tokens.setDisabled(token.id, T0 + 10, T0 + 10))!;
    assert.deepEqual(
      { disabledAt: disabled.disabledAt, updatedAt: disabled.updatedAt, ownerDisabledAt: disabled.ownerDisabledAt },
      { disabledAt: T0 + 10, updatedAt: T0 + 10, ownerDisabledAt: null },
    );
    assert.equal((await stores.tokens.setDisabled(token.id, T0 + 20, T0 + 20))!.disabledAt, T0 + 10);
    assert.equal((await stores.tokens.findByDigest(token.digest))!.disabledAt, T0 + 10);
    const enabled = (await stores.tokens.setDisabled(token.id, null, T0 + 30))!;
    assert.equal(enabled.disabledAt, null);
    assert.equal(enabled.updatedAt, T0 + 30);
    assert.equal(await stores.tokens.setDisabled('tok_missing', T0, T0), undefined);
  });

  it('finds tokens by ids, in the order of the ids, skipping ids that no token has', async () => {
    const tokens = [makeToken().token, makeToken().token, makeToken().token];
    for (const t of tokens) await stores.tokens.insert(t);
    const ids = tokens.map((t) => t.id);
    const found = await stores.tokens.findByIds([ids[2]!, 'tok_missing', ids[0]!, ids[1]!, ids[0]!]);
    assert.deepEqual(
      found.map((t) => t.id),
      [...ids].sort(),
    );
    assert.deepEqual(found.find((t) => t.id === ids[1])!.digest, tokens[1]!.digest);
    assert.deepEqual(await stores.tokens.findByIds([]), []);
  });

  it('keeps the earliest revocation', async () => {
    const { token } = makeToken();
    await stores.tokens.insert(token);
    assert.equal((await stores.tokens.revoke(token.id, T0 + 100))!.revokedAt, T0 + 100);
    assert.equal((await stores.tokens.revoke(token.id, T0 + 200))!.revokedAt, T0 + 100);
    assert.equal((await stores.tokens.revoke(token.id, T0 + 50))!.revokedAt, T0 + 50);
    assert.equal(await stores.tokens.revoke('tok_missing', T0), undefined);
  });

  it('rotates a live token once; a rotated or revoked one is refused and nothing is inserted', async () => {
    const { token: old } = makeToken();
    await stores.tokens.insert(old);
    const { token: replacement } = makeToken({}, { rotatedFromId: old.id });
    assert.equal(await stores.tokens.rotate(old, T0 + 60_000, T0 + 1, replacement), 'rotated');
    assert.equal((await stores.tokens.findById(old.id))!.revokedAt, T0 + 60_000);
    assert.deepEqual(await stores.tokens.findById(replacement.id), replacement);

    const { token: second } = makeToken();
    // In its grace period it still verifies, but it has its successor already.
    assert.equal(await stores.tokens.rotate(old, T0 + 70_000, T0 + 2, second), 'retired');
    assert.equal(await stores.tokens.findById(second.id), undefined);
    const { token: late } = makeToken();
    // At T0 + 60_000 the old token's scheduled revocation has arrived.
    assert.equal(await stores.tokens.rotate(old, T0 + 70_000, T0 + 60_000, late), 'retired');
    assert.equal(await stores.tokens.findById(late.id), undefined);
    assert.equal((await stores.tokens.findById(old.id))!.revokedAt, T0 + 60_000);
    assert.equal(await stores.tokens.rotate({ id: 'tok_missing', updatedAt: T0 }, T0, T0, makeToken().token), 'retired');
  });

  it('refuses to rotate a token changed since it was read, so the replacement never undoes the change', async () => {
    const { token: old } = makeToken({}, { scopes: ['read', 'write'] });
    await stores.tokens.insert(old);
    // Another call narrows it after the rotation read it: the replacement built from that read is refused.
    await stores.tokens.update(old.id, { scopes: ['read'] }, T0 + 1);
    const { token: stale } = makeToken({}, { rotatedFromId: old.id, scopes: ['read', 'write'] });
    assert.equal(await stores.tokens.rotate(old, T0 + 60_000, T0 + 2, stale), 'changed');
    assert.equal(await stores.tokens.findById(stale.id), undefined);
    assert.equal((await stores.tokens.findById(old.id))!.revokedAt, null);
    // Read again, it rotates.
    const fresh = (await stores.tokens.findById(old.id))!;
    const { token: replacement } = makeToken({}, { rotatedFromId: old.id, scopes: fresh.scopes });
    assert.equal(await stores.tokens.rotate(fresh, T0 + 60_000, T0 + 3, replacement), 'rotated');
    // A token suspended meanwhile is 'changed' too; one revoked meanwhile is 'retired'.
    const { token: other } = makeToken();
    await stores.tokens.insert(other);
    await stores.tokens.setDisabled(other.id, T0 + 4, T0 + 4);
    assert.equal(await stores.tokens.rotate(other, T0 + 5, T0 + 5, makeToken().token), 'changed');
    await stores.tokens.revoke(other.id, T0 + 6);
    assert.equal(await stores.tokens.rotate((await stores.tokens.findById(other.id))!, T0 + 7, T0 + 7, makeToken().token), 'retired');
  });

  it('refuses a token whose owner does not exist with USER_NOT_FOUND, storing nothing', async () => {
    const { token, secret } = makeToken({}, { ownerUserId: 'usr_never_created' });
    await assert.rejects(stores.tokens.insert(token), isCode('USER_NOT_FOUND'));
    assert.equal(await stores.tokens.findById(token.id), undefined);
    assert.equal(await stores.tokens.findByDigest(digestSecret(secret)), undefined);
    // An Unleash Edge client owns its tokens and is no user: nothing to check.
    const { token: edge } = makeToken({}, { ownerUserId: edgeClientOwner('edge_client_1') });
    await stores.tokens.insert(edge);
    assert.deepEqual(await stores.tokens.findById(edge.id), edge);
  });

  it("writes the owner's suspension on a new token as the owner's row has it, whatever the record says", async () => {
    const disabled = `usr_${randomBytes(4).toString('hex')}`;
    await stores.accounts.createUser({ id: disabled, name: disabled, email: null, role: 'member', createdAt: T0 });
    await stores.accounts.setUserDisabled(disabled, T0 + 7, T0 + 7);
    const { token: born } = makeToken({}, { ownerUserId: disabled, ownerDisabledAt: null });
    await stores.tokens.insert(born);
    assert.equal((await stores.tokens.findById(born.id))!.ownerDisabledAt, T0 + 7);

    const { token: old } = makeToken({}, { ownerUserId: disabled });
    await stores.tokens.insert(old);
    const { token: successor } = makeToken({}, { ownerUserId: disabled, rotatedFromId: old.id, ownerDisabledAt: null });
    assert.equal(await stores.tokens.rotate((await stores.tokens.findById(old.id))!, T0 + 8, T0 + 8, successor), 'rotated');
    assert.equal((await stores.tokens.findById(successor.id))!.ownerDisabledAt, T0 + 7);

    const { token: stale } = makeToken({}, { ownerDisabledAt: T0 + 1 });
    await stores.tokens.insert(stale);
    assert.equal((await stores.tokens.findById(stale.id))!.ownerDisabledAt, null, 'an enabled owner: not disabled');
  });

  it('refuses to rotate a token whose owner is gone: retired, no successor', async () => {
    // Only a bulk import (insertMany) stores a token without its owner; deleteUser revokes the rest.
    const { token: orphan } = makeToken({}, { ownerUserId: 'usr_gone' });
    assert.equal(await stores.tokens.insertMany([orphan]), 1);
    const { token: successor } = makeToken({}, { ownerUserId: 'usr_gone', rotatedFromId: orphan.id });
    assert.equal(await stores.tokens.rotate(orphan, T0 + 5, T0 + 1, successor), 'retired');
    assert.equal(await stores.tokens.findById(successor.id), undefined);
    assert.deepEqual(await stores.tokens.findById(orphan.id), orphan, 'the old token is as it was');
  });

  it('marks a leak once: the first report is kept, a second changes nothing and says so', async () => {
    const { token } = makeToken();
    await stores.tokens.insert(token);
    const first = await stores.tokens.markLeaked(token.id, T0 + 10, 'https://github.com/o/r/blob/x/.env');
    assert.equal(first?.marked, true);
    assert.equal(first!.token.leakedAt, T0 + 10);
    assert.equal(first!.token.leakedUrl, 'https://github.com/o/r/blob/x/.env');
    assert.equal(first!.token.revokedAt, null, 'marking does not revoke: the leak policy decides');
    const again = await stores.tokens.markLeaked(token.id, T0 + 20, 'https://elsewhere.example');
    assert.equal(again?.marked, false);
    assert.deepEqual(again!.token, first!.token);
    assert.deepEqual(await stores.tokens.findById(token.id), first!.token);
    assert.equal(await stores.tokens.markLeaked('tok_missing', T0, null), undefined);
  });

  it('rotates a leaked token that still works (a notify policy leaves it to its owner)', async () => {
    const { token: old } = makeToken();
    await stores.tokens.insert(old);
    const { token: leaked } = (await stores.tokens.markLeaked(old.id, T0 + 1, null))!;
    const { token: replacement } = makeToken({}, { rotatedFromId: old.id });
    assert.equal(await stores.tokens.rotate(leaked, T0 + 5, T0 + 2, replacement), 'rotated');
    assert.equal((await stores.tokens.findById(old.id))!.revokedAt, T0 + 5);
  });

  it('moves the open reservations of a rotated token to its replacement, so their refunds follow the balance', async () => {
    const C = 1_000_000_000n;
    const { token: old } = makeToken({}, { credits: 10n * C, creditsActive: true });
    await stores.tokens.insert(old);
    const holder = { kind: 'token', id: old.id } as const;
    const reservation = (id: string, amount: bigint) =>
      ({ id, tokenId: old.id, poolId: null, amount, committed: null, state: 'open', expiresAt: T0 + 60_000, createdAt: T0, settledAt: null }) as const;
    const [open, settled] = [`rot_open_${old.id}`, `rot_settled_${old.id}`];
    await stores.credits.reserve(reservation(open, 4n * C), holder);
    await stores.credits.reserve(reservation(settled, 2n * C), holder);
    await stores.credits.settle(settled, { outcome: 'commit', amount: C }, T0 + 1);
    assert.equal(await stores.credits.balance(holder), 5n * C);

    const { token: replacement } = makeToken({}, { rotatedFromId: old.id, credits: 0n, creditsActive: true });
    assert.equal(await stores.tokens.rotate(old, T0 + 60_000, T0 + 2, replacement), 'rotated');
    assert.equal((await stores.credits.findReservation(open))?.tokenId, replacement.id);
    assert.equal((await stores.credits.findReservation(settled))?.tokenId, old.id, 'a settled one stays where it was spent');

    assert.equal((await stores.credits.settle(open, { outcome: 'release' }, T0 + 3))?.state, 'released');
    assert.equal((await stores.tokens.findById(replacement.id))?.credits, 9n * C);
    assert.equal((await stores.tokens.findById(old.id))?.credits, 0n);
  });

  it('rolls a rotation back whole when the replacement conflicts', async () => {
    const { token: old } = makeToken();
    const { token: other } = makeToken();
    await stores.tokens.insert(old);
    await stores.tokens.insert(other);
    const clash = { ...makeToken().token, digest: other.digest };
    await assert.rejects(stores.tokens.rotate(old, T0 + 5, T0 + 1, clash), isConflict);
    assert.deepEqual(await stores.tokens.findById(old.id), old);
    assert.equal(await stores.tokens.findById(clash.id), undefined);
  });

  it('deletes: true once, then false, and the digest lookup is gone', async () => {
    const { token, secret } = makeToken();
    await stores.tokens.insert(token);
    assert.equal(await stores.tokens.delete(token.id), true);
    assert.equal(await stores.tokens.delete(token.id), false);
    assert.equal(await stores.tokens.findByDigest(digestSecret(secret)), undefined);
  });

  it('finds each of many tokens looked up at once by digest, and nothing for digests it does not hold', async () => {
    const made = Array.from({ length: 40 }, (_, i) => makeToken({}, { name: `many ${i}` }));
    for (const { token } of made) await stores.tokens.insert(token);
    const unknown = digestSecret(makeToken().secret);
    const asked = [...made.map(({ secret }) => digestSecret(secret)), unknown, digestSecret(made[3]!.secret)];
    const found = await Promise.all(asked.map((digest) => stores.tokens.findByDigest(digest)));
    assert.deepEqual(
      found.map((token) => token?.name),
      [...made.map(({ token }) => token.name), undefined, 'many 3'],
    );
    assert.deepEqual(found[0], made[0]!.token);
  });

  it('adds use counts, moves last-used only forward and ignores unknown ids', async () => {
    const { token: a } = makeToken();
    const { token: b } = makeToken({ activeAt: T0 + 500, useCount: 4 });
    await stores.tokens.insert(a);
    await stores.tokens.insert(b);
    await stores.tokens.recordUses([
      { id: a.id, at: T0 + 100, count: 2 },
      { id: b.id, at: T0 + 200, count: 3 },
      { id: 'tok_missing', at: T0 + 300, count: 1 },
    ]);
    assert.deepEqual(await stores.tokens.findById(a.id), { ...a, activeAt: T0 + 100, useCount: 2 });
    assert.deepEqual(await stores.tokens.findById(b.id), { ...b, activeAt: T0 + 500, useCount: 7 });
    await stores.tokens.recordUses([{ id: a.id, at: T0 + 50, count: 1 }]);
    assert.equal((await stores.tokens.findById(a.id))!.activeAt, T0 + 100);
    assert.equal((await stores.tokens.findById(a.id))!.useCount, 3);
    await stores.tokens.recordUses([]);
  });

  it('adds up concurrent batches exactly and keeps the latest use, whatever order they land in', async () => {
    const tokens = [makeToken().token, makeToken().token, makeToken().token];
    for (const t of tokens) await stores.tokens.insert(t);
    // Every batch names every token, each in its own order, as nodes flushing at once would.
    const batches = Array.from({ length: 24 }, (_, i) =>
      tokens.map((t, j) => ({ id: t.id, at: T0 + ((i * 7 + j * 13) % 50), count: 1 + ((i + j) % 5) })).sort(() => Math.random() - 0.5),
    );
    await Promise.all(batches.map((batch) => stores.tokens.recordUses(batch)));
    for (const t of tokens) {
      const uses = batches.flat().filter((u) => u.id === t.id);
      const stored = await stores.tokens.findById(t.id);
      assert.equal(
        stored!.useCount,
        uses.reduce((sum, u) => sum + u.count, 0),
      );
      assert.equal(stored!.activeAt, Math.max(...uses.map((u) => u.at)));
    }
  });

  it('writes a batch larger than one statement holds, every token of it', async () => {
    const tokens = Array.from({ length: 1_100 }, () => makeToken().token);
    for (const t of tokens) await stores.tokens.insert(t);
    await stores.tokens.recordUses(tokens.map((t, i) => ({ id: t.id, at: T0 + i, count: 1 + (i % 3) })));
    for (const i of [0, 499, 500, 999, 1_000, 1_099]) {
      const stored = await stores.tokens.findById(tokens[i]!.id);
      assert.equal(stored!.useCount, 1 + (i % 3), `token ${i}`);
      assert.equal(stored!.activeAt, T0 + i, `token ${i}`);
    }
  });
});

describe('TokenStore: a name search is an index range', () => {
  // The listing is always one owner's tokens or one team's: the prefix must narrow it through
  // tokens_owner_folded_name or tokens_team_folded_name, not by reading every row of that owner or team.
  it('on SQLite, within an owner and within a team', async (t) => {
    const sqlite = (await storeFactories()).find((f) => f.name === 'sqlite')!;
    const opened = await sqlite.open();
    t.after(() => opened.cleanup());
    const plan = async (where: string) =>
      (
        await opened.query!<{ detail: string }>(
          `explain query plan select * from tokens where ${where} and lower(name) >= ? and lower(name) < ? order by id desc limit 51`,
          ['usr_1', 'dep', 'deq'],
        )
      )
        .map((row) => row.detail)
        .join('\n');
    // Either name index is a range on the name (an owner's tokens have team_id null).
    assert.match(await plan('owner_user_id = ? and team_id is null'), /USING INDEX tokens_(owner|team)_folded_name \(.*<expr>>\? AND <expr><\?\)/);
    assert.match(await plan('team_id = ?'), /USING INDEX tokens_team_folded_name \(team_id=\? AND <expr>>\? AND <expr><\?\)/);
  });

  // The indexes led by the team or the resource hold only the tokens that have one (an import
  // writes fewer index entries), and still serve a team's and a resource's listing.
  it('on SQLite, a team or a resource listing reads its partial index', async (t) => {
    const sqlite = (await storeFactories()).find((f) => f.name === 'sqlite')!;
    const opened = await sqlite.open();
    t.after(() => opened.cleanup());
    const plan = async (where: string, params: unknown[]) =>
      (await opened.query!<{ detail: string }>(`explain query plan select * from tokens where ${where} order by id desc limit 51`, params))
        .map((row) => row.detail)
        .join('\n');
    assert.match(await plan('team_id = ?', ['team_1']), /USING INDEX tokens_team \(team_id=\?\)/);
    assert.match(
      await plan('resource_kind = ? and resource_id = ?', ['edge-config', 'ecfg_1']),
      /USING INDEX tokens_resource \(resource_kind=\? AND resource_id=\?\)/,
    );
    const definitions = await opened.query!<{ name: string; sql: string }>(
      "select name, sql from sqlite_master where type = 'index' and name in ('tokens_team', 'tokens_resource', 'tokens_team_folded_name') order by name",
    );
    assert.deepEqual(
      definitions.map((d) => [d.name, / where (\w+) is not null$/.exec(d.sql)?.[1]]),
      [
        ['tokens_resource', 'resource_kind'],
        ['tokens_team', 'team_id'],
        ['tokens_team_folded_name', 'team_id'],
      ],
    );
  });
});
