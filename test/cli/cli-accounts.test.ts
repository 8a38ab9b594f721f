import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCliServer, timesIn, type CliServer } from '../support/cli-runner.js';

/*
 * Users, teams, members and policies from the `tessera` command: real CLI processes against one
 * server on loopback. Expected values come from what the test gave or from the store, never from
 * the CLI's own output.
 */
describe('tessera user, team and policy commands', () => {
  let s: CliServer;
  before(async () => {
    s = await startCliServer();
  });
  after(() => s.close());

  const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const assertZoned = (text: string) => {
    const times = timesIn(text);
    assert.ok(times.length > 0, `a time in:\n${text}`);
    assert.deepEqual(
      times.filter((t) => !t.zoned),
      [],
      'every time carries its zone',
    );
  };

  it('users round-trip: create, list, disable (its tokens stop), show, enable, delete', async () => {
    const created = await s.json(['user', 'create', 'alice-cli', '--email', 'alice@example.com']);
    const id = created.user.id as string;
    assert.deepEqual([created.user.name, created.user.email, created.user.role], ['alice-cli', 'alice@example.com', 'member']);
    assert.equal((await s.h.stores.accounts.findUser(id))?.name, 'alice-cli');

    const list = await s.tessera(['user', 'list']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^ID\s+NAME\s+EMAIL\s+ROLE\s+STATUS\s+CREATED/);
    assert.match(list.stdout, new RegExp(`${id}\\s+alice-cli\\s+alice@example\\.com\\s+member\\s+active\\s+${iso(created.user.createdAt)}`));
    assertZoned(list.stdout);

    const key = await s.json(['token', 'create', '--name', 'alice key', '--owner', id]);
    assert.equal(key.token.ownerUserId, id);

    const disabled = await s.json(['user', 'disable', 'alice-cli']);
    assert.equal(disabled.tokens, 1, 'her one token');
    const stored = await s.h.stores.accounts.findUser(id);
    assert.ok(stored?.disabledAt);
    const show = await s.tessera(['user', 'show', id]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /status\s+disabled/);
    assert.match(show.stdout, new RegExp(`disabled\\s+${iso(stored.disabledAt)}`));
    assertZoned(show.stdout);
    const refused = await s.tessera(['token', 'verify', key.secret]);
    assert.equal(refused.code, 1);
    assert.match(refused.stdout, /^DISABLED/);

    const enabled = await s.tessera(['user', 'enable', id]);
    assert.equal(enabled.code, 0, enabled.stderr);
    assert.match(enabled.stdout, /1 token\(s\) verify again/);
    assert.equal((await s.tessera(['token', 'verify', key.secret])).code, 0);

    const deleted = await s.tessera(['user', 'delete', id]);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(await s.h.stores.accounts.findUser(id), undefined);
    assert.match((await s.tessera(['token', 'verify', key.secret])).stdout, /^REVOKED/);
    const gone = await s.tessera(['user', 'show', id]);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /USER_NOT_FOUND/);
  });

  it('refuses to offboard yourself with the server’s code and message', async () => {
    const who = await s.json(['whoami']);
    const run = await s.tessera(['user', 'disable', who.user.id]);
    assert.equal(run.code, 1);
    const direct = await s.h.request({ method: 'POST', url: `/v1/users/${who.user.id}/disable`, as: s.h.admin });
    const { code, message } = direct.json().error;
    assert.equal(run.stderr.trim(), `tessera: ${code}: ${message}`);
  });

  it('teams and members round-trip; a member’s 403 is the server’s message, exit 1', async () => {
    const bob = await s.h.user('bob-cli');
    const carol = await s.h.user('carol-cli');
    const created = await s.json(['team', 'create', 'cli-team', '--name', 'CLI Team']);
    const teamId = created.team.id as string;
    assert.equal((await s.h.stores.accounts.findTeam({ slug: 'cli-team' }))?.id, teamId);

    const list = await s.tessera(['team', 'list']);
    assert.match(list.stdout, new RegExp(`${teamId}\\s+cli-team\\s+CLI Team\\s+${iso(created.team.createdAt)}`));

    assert.equal((await s.tessera(['team', 'member', 'add', 'cli-team', bob.id, '--role', 'viewer'])).code, 0);
    const shown = await s.tessera(['team', 'show', 'cli-team']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(`${bob.id}\\s+bob-cli\\s+viewer`));
    assertZoned(shown.stdout);

    const promoted = await s.tessera(['team', 'member', 'set-role', teamId, bob.id, 'member']);
    assert.equal(promoted.code, 0, promoted.stderr);
    const json = await s.json(['team', 'show', teamId]);
    assert.deepEqual(
      json.members.map((m: { userId: string; role: string }) => [m.userId, m.role]).sort(),
      [
        [bob.id, 'member'],
        [(await s.json(['whoami'])).user.id, 'owner'],
      ].sort(),
    );

    // Bob is a member, not an owner: adding Carol is the owners' to do.
    const forbidden = await s.tessera(['team', 'member', 'add', 'cli-team', carol.id], { TESSERA_TOKEN: bob.secret });
    assert.equal(forbidden.code, 1);
    const direct = await s.h.request({ method: 'POST', url: `/v1/teams/${teamId}/members`, as: bob.secret, payload: { userId: carol.id } });
    assert.equal(direct.statusCode, 403);
    const { code, message } = direct.json().error;
    assert.equal(forbidden.stderr.trim(), `tessera: ${code}: ${message}`);
    assert.equal(forbidden.stdout, '');
    assert.equal(await s.h.stores.accounts.findRole(teamId, carol.id), undefined, 'nothing changed');

    const removed = await s.tessera(['team', 'member', 'remove', 'cli-team', bob.id]);
    assert.equal(removed.code, 0, removed.stderr);
    const after = await s.json(['team', 'show', 'cli-team']);
    assert.ok(!after.members.some((m: { userId: string }) => m.userId === bob.id));
    const lastOwner = await s.tessera(['team', 'member', 'remove', 'cli-team', (await s.json(['whoami'])).user.id]);
    assert.equal(lastOwner.code, 1);
    assert.match(lastOwner.stderr, /LAST_TEAM_OWNER/);
  });

  it('team members may be named by user name; an unknown name is refused before anything is sent', async () => {
    const erin = await s.h.user('erin-cli');
    const teamId = (await s.json(['team', 'create', 'named-team'])).team.id as string;

    const added = await s.tessera(['team', 'member', 'add', 'named-team', 'erin-cli', '--role', 'viewer']);
    assert.equal(added.code, 0, added.stderr);
    assert.equal(await s.h.stores.accounts.findRole(teamId, erin.id), 'viewer');
    const promoted = await s.tessera(['team', 'member', 'set-role', 'named-team', 'Erin-CLI', 'member']);
    assert.equal(promoted.code, 0, promoted.stderr);
    assert.equal(await s.h.stores.accounts.findRole(teamId, erin.id), 'member', 'a name is matched whatever its case');
    const removed = await s.tessera(['team', 'member', 'remove', 'named-team', 'erin-cli']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(await s.h.stores.accounts.findRole(teamId, erin.id), undefined);

    // The server would answer its own USER_NOT_FOUND for a name sent as an id: this message is the CLI's, before any write.
    const unknown = await s.tessera(['team', 'member', 'add', 'named-team', 'nobody-cli']);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr.trim(), 'tessera: USER_NOT_FOUND: no user named "nobody-cli": give a usr_… id');
    assert.equal(unknown.stdout, '');
    assert.equal((await s.h.stores.accounts.listMembers(teamId)).length, 1, 'only its owner');
  });

  it('policies: set changes the named rules and keeps the others; show shows them; tokens are held to them', async () => {
    await s.json(['team', 'create', 'policy-team']);
    assert.match((await s.tessera(['policy', 'show'])).stdout, /^leak policy\s+revoke, the built-in default$/m);
    assert.match((await s.tessera(['policy', 'show', '--team', 'policy-team'])).stdout, /^leak policy\s+revoke, inherited from the installation's$/m);
    const set = await s.json(['policy', 'set', '--team', 'policy-team', '--max-lifetime', 'api=30', '--allowed-scope', 'docs:*', '--leak-action', 'disable']);
    assert.deepEqual(set.lifecycle.policy, { maxLifetime: { api: 30 }, allowedScopes: ['docs:*'] });
    assert.equal(set.leak.action, 'disable');

    const kept = await s.json(['policy', 'set', '--team', 'policy-team', '--inactivity-days', '40']);
    assert.deepEqual(kept.lifecycle.policy, { maxLifetime: { api: 30 }, allowedScopes: ['docs:*'], inactivityDays: 40 });
    assert.equal(kept.leak.action, 'disable', 'the leak policy is left alone');

    const show = await s.tessera(['policy', 'show', '--team', 'policy-team']);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /^max lifetime\s+api 30d$/m);
    assert.match(show.stdout, /^inactivity days\s+40$/m);
    assert.match(show.stdout, /^allowed scopes\s+docs:\*$/m);
    assert.match(show.stdout, /^leak policy\s+disable$/m);
    assertZoned(show.stdout);

    const tooLong = await s.tessera(['token', 'create', '--team', 'policy-team', '--name', 'long', '--scope', 'docs:read', '--expires-in', '60d']);
    assert.equal(tooLong.code, 1);
    assert.match(tooLong.stderr, /POLICY_VIOLATION: .*maxLifetime/);

    const unset = await s.json(['policy', 'set', '--team', 'policy-team', '--unset', 'maxLifetime', '--unset', 'allowedScopes']);
    assert.deepEqual(unset.lifecycle.policy, { inactivityDays: 40 });
    assert.equal((await s.tessera(['token', 'create', '--team', 'policy-team', '--name', 'long', '--expires-in', '60d'])).code, 0);

    const bad = await s.tessera(['policy', 'set', '--team', 'policy-team', '--max-lifetime', 'nonsense=3']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--max-lifetime type must be one of api, personal, resource/);
    assert.deepEqual((await s.json(['policy', 'show', '--team', 'policy-team'])).lifecycle.policy, { inactivityDays: 40 }, 'a bad flag changes nothing');

    const both = await s.tessera(['policy', 'set', '--team', 'policy-team', '--leak-follow-default', '--leak-action', 'notify']);
    assert.equal(both.code, 1);
    assert.match(both.stderr, /--leak-follow-default goes with --team, and not with --leak-action/);
    assert.equal((await s.json(['policy', 'show', '--team', 'policy-team'])).leak.action, 'disable', 'refused flags change nothing');
    const followed = await s.json(['policy', 'set', '--team', 'policy-team', '--leak-follow-default']);
    assert.deepEqual([followed.leak.action, followed.leak.inherited], ['revoke', true]);
    assert.match((await s.tessera(['policy', 'show', '--team', 'policy-team'])).stdout, /^leak policy\s+revoke, inherited from the installation's$/m);

    const installation = await s.json(['policy', 'set', '--leak-action', 'rotate', '--leak-grace', '1h']);
    assert.deepEqual([installation.leak.action, installation.leak.gracePeriodMs, installation.leak.teamId], ['rotate', 3_600_000, null]);
    assert.match((await s.tessera(['policy', 'show'])).stdout, /^leak policy\s+rotate \(old secret works 1h\)$/m);
  });

  it('policy set refuses, before any change, every flag combination the server would refuse, naming the flag', async () => {
    await s.json(['team', 'create', 'strict-team']);
    const shown = async () => {
      const { lifecycle, leak } = await s.json(['policy', 'show', '--team', 'strict-team']);
      return { policy: lifecycle.policy, updatedAt: lifecycle.updatedAt, leak: [leak.action, leak.inherited] };
    };
    const untouched = await shown();
    const refused = async (args: string[], flag: RegExp) => {
      const run = await s.tessera(['policy', 'set', '--team', 'strict-team', ...args]);
      assert.equal(run.code, 1, `${args.join(' ')} was accepted`);
      assert.match(run.stderr, flag, args.join(' '));
      assert.doesNotMatch(run.stderr, /VALIDATION_ERROR|gracePeriodMs|inactivityWarningDays/, 'names the flag, not the API field');
      assert.deepEqual(await shown(), untouched, `${args.join(' ')} changed something`);
    };
    await refused(['--allowed-scope', 'x:*', '--leak-action', 'notify', '--leak-grace', '1h'], /--leak-grace/);
    await refused(['--allowed-scope', 'x:*', '--leak-action', 'rotate'], /--leak-grace/);
    await refused(['--allowed-scope', 'x:*', '--leak-action', 'rotate', '--leak-grace', '31d'], /--leak-grace/);
    await refused(['--allowed-scope', 'x:*', '--leak-action', 'rotate', '--leak-grace', 'soon'], /--leak-grace/);
    await refused(['--inactivity-warning-days', '3', '--leak-action', 'notify'], /--inactivity-warning-days.*--inactivity-days/);
    await refused(['--inactivity-days', '5', '--inactivity-warning-days', '5', '--leak-action', 'notify'], /--inactivity-warning-days.*--inactivity-days/);
    await refused(['--allowed-scope', 'two words', '--leak-action', 'notify'], /--allowed-scope/);
    await refused(['--max-lifetime', 'api=12h', '--leak-action', 'notify'], /--max-lifetime api.*whole days/);

    // A lifetime is days, or a duration in whole days like every other duration of the CLI.
    const set = await s.json(['policy', 'set', '--team', 'strict-team', '--max-lifetime', 'api=90d', '--max-lifetime', 'personal=2w']);
    assert.deepEqual(set.lifecycle.policy.maxLifetime, { api: 90, personal: 14 });
    const plain = await s.json(['policy', 'set', '--team', 'strict-team', '--max-lifetime', 'api=30', '--expiry-required', 'api', '--expiry-required', 'api']);
    assert.deepEqual([plain.lifecycle.policy.maxLifetime, plain.lifecycle.policy.expiryRequired], [{ api: 30 }, ['api']]);
    // The stored rules count: a warning must be fewer days than the inactivity already set.
    await s.json(['policy', 'set', '--team', 'strict-team', '--inactivity-days', '10']);
    const before = await shown();
    const run = await s.tessera(['policy', 'set', '--team', 'strict-team', '--inactivity-warning-days', '10', '--leak-action', 'notify']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /--inactivity-warning-days/);
    assert.deepEqual(await shown(), before);
  });
});
