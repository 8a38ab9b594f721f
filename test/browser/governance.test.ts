import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  browserMissing,
  checkAccessibility,
  type DashboardServer,
  docsScreenshot,
  launchWithDashboard,
  type OpenedPage,
  openPage,
  signInThroughUi,
  waitForAppShell,
} from './support/browser.js';

const skip = browserMissing();
const DAY = 86_400_000;

/** The API as a script calls it: `token` for management, none for the public routes. */
function apiOf(dashboard: DashboardServer) {
  return async <T>(method: string, path: string, body?: unknown, token: string | null = dashboard.admin): Promise<{ status: number; json: T }> => {
    const response = await fetch(`${dashboard.url}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, json: (text ? JSON.parse(text) : undefined) as T };
  };
}

interface World {
  call: ReturnType<typeof apiOf>;
  alice: { id: string; secret: string };
  bob: { id: string; secret: string };
  carol: { id: string; secret: string };
  team: { id: string; name: string };
}

/** alice owns team Payments, bob is a member there, carol is in no team; each has a personal token. */
async function seed(dashboard: DashboardServer): Promise<World> {
  const call = apiOf(dashboard);
  const person = async (name: string) => {
    const { user } = (await call<{ user: { id: string } }>('POST', '/v1/users', { name })).json;
    const issued = await call<{ secret: string }>('POST', '/v1/tokens', { name: `${name} personal`, type: 'personal', ownerUserId: user.id, scopes: ['*'] });
    assert.equal(issued.status, 201, JSON.stringify(issued.json));
    return { id: user.id, secret: issued.json.secret };
  };
  const alice = await person('alice');
  const bob = await person('bob');
  const carol = await person('carol');
  const created = await call<{ team: { id: string; name: string } }>('POST', '/v1/teams', { slug: 'payments', name: 'Payments' }, alice.secret);
  assert.equal(created.status, 201);
  const { team } = created.json;
  assert.equal((await call('POST', `/v1/teams/${team.id}/members`, { userId: bob.id, role: 'member' }, alice.secret)).status, 201);
  return { call, alice, bob, carol, team };
}

const verifyCode = async (dashboard: DashboardServer, token: string) =>
  (await apiOf(dashboard)<{ code: string }>('POST', '/v1/verify', { token }, null)).json.code;

async function go(page: Page, hash: string, title: string): Promise<void> {
  await page.goto(`/#/${hash}`);
  await page.getByRole('heading', { level: 1, name: title }).waitFor();
}

describe('policies, leaked keys and offboarding in Chromium at 1280 px', { skip }, () => {
  let browser: Browser;
  let dashboard: DashboardServer;
  let world: World;
  let admin: OpenedPage;

  before(async () => {
    [browser, dashboard] = await launchWithDashboard();
    world = await seed(dashboard);
    admin = await openPage(browser, dashboard.url, 1280);
    await admin.page.setViewportSize({ width: 1280, height: 800 });
    await admin.page.goto('/#/policies');
    await signInThroughUi(admin.page, dashboard.admin);
    await waitForAppShell(admin.page);
  });
  after(async () => {
    await browser?.close();
    await dashboard?.stop();
  });

  it('lets an admin set "api tokens live at most 30 days" and the default leak policy', async () => {
    const { page } = admin;
    await page.getByRole('heading', { level: 1, name: 'Policies' }).waitFor();
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Policies' }).waitFor();
    const lifecycle = page.getByRole('region', { name: 'Lifecycle policy' });
    await lifecycle.getByText('No rules: tokens may live as long as their makers say.').waitFor();
    await checkAccessibility(page, 'the policies page');
    await lifecycle.getByRole('textbox', { name: 'api tokens' }).fill('30');
    await lifecycle.getByLabel('Allowed scopes').fill('*');
    await lifecycle.getByRole('button', { name: 'Save the policy' }).click();
    await lifecycle.getByRole('status').getByText('Saved.').waitFor();
    await lifecycle.getByText('api tokens live at most 30 days').waitFor();
    const policy = await world.call<{ policy: unknown; updatedBy: string }>('GET', '/v1/policies');
    assert.deepEqual(policy.json.policy, { maxLifetime: { api: 30 }, allowedScopes: ['*'] });

    // A rule the page can judge is refused before it is sent, in words, and nothing changes.
    await lifecycle.getByLabel('Revoke tokens unused for (days)').fill('10');
    await lifecycle.getByLabel('Warn this many days before (default 7)').fill('12');
    await lifecycle.getByRole('button', { name: 'Save the policy' }).click();
    await lifecycle
      .getByRole('alert')
      .getByText(/fewer than the inactivity days/)
      .waitFor();
    assert.deepEqual((await world.call<{ policy: unknown }>('GET', '/v1/policies')).json.policy, { maxLifetime: { api: 30 }, allowedScopes: ['*'] });
    await lifecycle.getByLabel('Revoke tokens unused for (days)').fill('');
    await lifecycle.getByLabel('Warn this many days before (default 7)').fill('');
    // What only the server judges (a scope pattern) comes back as its 400, in words naming the field.
    await lifecycle.getByLabel('Allowed scopes').fill('tokens:* scope!');
    await lifecycle.getByRole('button', { name: 'Save the policy' }).click();
    const refusal = lifecycle.getByRole('alert').filter({ hasText: 'allowedScopes' });
    await refusal.waitFor();
    assert.match((await refusal.textContent()) ?? '', /Something in the form is not right/);
    assert.deepEqual((await world.call<{ policy: unknown }>('GET', '/v1/policies')).json.policy, { maxLifetime: { api: 30 }, allowedScopes: ['*'] });
    await checkAccessibility(page, 'the policies page with a refusal');
    await lifecycle.getByLabel('Allowed scopes').fill('*');

    const leak = page.getByRole('region', { name: 'Leaked keys: the default policy' });
    await leak.getByText(/When a key is reported leaked: Revoke/).waitFor();
    await leak.getByRole('radio', { name: /Suspend: refused/ }).check();
    await leak.getByRole('button', { name: 'Save the leak policy' }).click();
    await leak.getByRole('status').getByText('Saved.').waitFor();
    await leak.getByText(/When a key is reported leaked: Suspend/).waitFor();
    assert.equal((await world.call<{ action: string }>('GET', '/v1/leak-policy')).json.action, 'disable');
    await page.evaluate('window.scrollTo(0, 0)');
    await docsScreenshot(page, 'policies');
    assert.deepEqual(admin.problems(), []);
  });

  it('shows the refusal in words when the form makes a 90-day api token, and stores nothing', async () => {
    const { page } = admin;
    await page.getByRole('link', { name: 'Tokens', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Tokens' }).waitFor();
    await page.getByRole('button', { name: 'Create token' }).click();
    const form = page.getByRole('form', { name: 'Create a token' });
    await form.getByLabel('Name', { exact: true }).fill('too long lived');
    await form.getByLabel('Expires').selectOption({ label: 'In 90 days' });
    await form.getByRole('button', { name: 'Create token' }).click();
    const alert = form.getByRole('alert').filter({ hasText: 'policy' });
    await alert.waitFor();
    const text = (await alert.textContent()) ?? '';
    assert.match(text, /A token policy forbids this/);
    assert.match(text, /maxLifetime \(installation\): 30 days for api tokens/);
    const listed = await world.call<{ items: unknown[] }>('GET', '/v1/tokens?q=too');
    assert.equal(listed.json.items.length, 0, 'nothing was created');
    await checkAccessibility(page, 'the create form refused by a policy');
  });

  it('shows a member the installation policy read-only', async () => {
    const { page, problems, context } = await openPage(browser, dashboard.url, 1280);
    await page.goto('/#/policies');
    await signInThroughUi(page, world.bob.secret);
    const lifecycle = page.getByRole('region', { name: 'Lifecycle policy' });
    await lifecycle.getByText('api tokens live at most 30 days').waitFor();
    await lifecycle.getByText('Only admins change it.').waitFor();
    assert.equal(await page.getByRole('button', { name: /Save the/ }).count(), 0, 'no form to change either policy');
    assert.equal(await page.getByRole('textbox').count(), 0);
    await page.getByText(/When a key is reported leaked: Suspend/).waitFor();
    await checkAccessibility(page, 'the policies page for a member');
    assert.deepEqual(problems(), []);
    await context.close();
  });

  it("lets a team owner set the team's policies, and shows a leaked token's badge, where and what its policy did", async () => {
    const { page, problems, context } = await openPage(browser, dashboard.url, 1280);
    await page.goto(`/#/teams/${world.team.id}`);
    await signInThroughUi(page, world.alice.secret);
    await page.getByRole('heading', { level: 1, name: 'Payments' }).waitFor();
    const lifecycle = page.getByRole('region', { name: 'Lifecycle policy' });
    await lifecycle.getByText('This team has no rules of its own.').waitFor();
    await lifecycle.getByLabel('Revoke tokens unused for (days)').fill('60');
    await lifecycle.getByRole('button', { name: 'Save the policy' }).click();
    await lifecycle
      .getByText(/tokens unused for 60 days are revoked/)
      .first()
      .waitFor();
    // The merged rules hold both levels.
    const effective = lifecycle.getByRole('list').nth(1);
    assert.match((await effective.textContent()) ?? '', /api tokens live at most 30 days.*unused for 60 days/s);
    const leak = page.getByRole('region', { name: 'Leaked keys' });
    await leak.getByText(/the installation’s default/).waitFor();
    await leak.getByRole('radio', { name: /Notify only/ }).check();
    await leak.getByRole('button', { name: 'Save the leak policy' }).click();
    await leak.getByText(/When a key is reported leaked: Notify only/).waitFor();
    const teamLeak = await world.call<{ action: string; inherited: boolean }>('GET', `/v1/teams/${world.team.id}/leak-policy`);
    assert.deepEqual([teamLeak.json.action, teamLeak.json.inherited], ['notify', false]);
    assert.deepEqual((await world.call<{ policy: unknown }>('GET', `/v1/teams/${world.team.id}/policies`)).json.policy, { inactivityDays: 60 });
    await checkAccessibility(page, "a team's page with its policies");

    // A team key reported leaked through the public intake: notify keeps it working, marked.
    const issued = await world.call<{ token: { id: string }; secret: string }>(
      'POST',
      '/v1/tokens',
      { name: 'checkout key', teamId: world.team.id, expiresAt: Date.now() + 7 * DAY },
      world.alice.secret,
    );
    assert.equal(issued.status, 201, JSON.stringify(issued.json));
    const where = 'https://paste.example/leak-123';
    const reported = await world.call('POST', '/v1/leaks/report', { token: issued.json.secret, url: where, note: 'found in a paste' }, null);
    assert.equal(reported.status, 202);
    assert.equal(await verifyCode(dashboard, issued.json.secret), 'VALID', 'notify leaves it working');

    await go(page, 'tokens', 'Tokens');
    await page.getByLabel('Team').selectOption({ label: 'Payments' });
    const row = page.getByRole('row', { name: /checkout key/ });
    await row.locator('.status.leaked').waitFor();
    assert.equal(await page.getByRole('row', { name: /alice personal/ }).count(), 0);
    await checkAccessibility(page, 'the tokens list with a leaked token');

    await row.getByRole('link', { name: 'checkout key' }).click();
    await page.getByRole('heading', { level: 1, name: 'checkout key' }).waitFor();
    await page.locator('.page-header .status.leaked').waitFor();
    const notice = page.getByRole('region', { name: 'This token’s secret leaked' });
    const link = notice.getByRole('link', { name: where });
    assert.equal(await link.getAttribute('href'), where);
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer nofollow');
    await notice.getByText('left it working and announced the leak').waitFor();
    await notice.getByText(/by a public report/).waitFor();
    await notice.getByText('found in a paste').waitFor();
    await page.getByRole('region', { name: 'Audit trail' }).getByText('Reported leaked').waitFor();
    await checkAccessibility(page, 'a leaked token’s page');

    await page.getByRole('link', { name: 'Overview' }).click();
    const leaks = page.getByRole('region', { name: 'Leaked keys' });
    await leaks.getByRole('link', { name: 'checkout key' }).waitFor();
    await leaks.getByText(/its policy left it working and announced the leak/).waitFor();
    await checkAccessibility(page, 'the overview with a leaked key');

    // The team goes back to the installation's default leak policy.
    await go(page, `teams/${world.team.id}`, 'Payments');
    const teamLeakSection = page.getByRole('region', { name: 'Leaked keys' });
    await teamLeakSection.getByText(/When a key is reported leaked: Notify only/).waitFor();
    await teamLeakSection.getByRole('button', { name: 'Follow the installation’s default instead' }).click();
    await teamLeakSection.getByText(/the installation’s default; this team has set none/).waitFor();
    assert.equal(await teamLeakSection.getByRole('button', { name: 'Follow the installation’s default instead' }).count(), 0);
    const followed = await world.call<{ inherited: boolean }>('GET', `/v1/teams/${world.team.id}/leak-policy`);
    assert.equal(followed.json.inherited, true);
    assert.deepEqual(problems(), []);
    await context.close();
  });

  it("lets a team owner change a member's role and remove them, and says why the last owner cannot step down", async () => {
    const { page, problems, context } = await openPage(browser, dashboard.url, 1280);
    await page.goto(`/#/teams/${world.team.id}`);
    await signInThroughUi(page, world.alice.secret);
    const members = page.getByRole('region', { name: 'Members' });
    await members.getByLabel('Set bob as').selectOption('viewer');
    await members.getByRole('button', { name: 'Change role of bob' }).click();
    await members.getByRole('row', { name: /bob/ }).getByRole('cell', { name: 'viewer', exact: true }).waitFor();
    const roles = async () =>
      (await world.call<{ members: Array<{ userId: string; role: string }> }>('GET', `/v1/teams/${world.team.id}`)).json.members.map((m) => [m.userId, m.role]);
    assert.deepEqual(
      (await roles()).find(([id]) => id === world.bob.id),
      [world.bob.id, 'viewer'],
    );

    await members.getByLabel('Set alice as').selectOption('member');
    await members.getByRole('button', { name: 'Change role of alice' }).click();
    await members
      .getByRole('alert')
      .getByText(/A team must keep at least one owner/)
      .waitFor();
    assert.deepEqual(
      (await roles()).find(([id]) => id === world.alice.id),
      [world.alice.id, 'owner'],
    );
    await checkAccessibility(page, 'the members with a refusal');

    await members.getByRole('button', { name: 'Remove bob' }).click();
    await members.getByRole('row', { name: /bob/ }).waitFor({ state: 'detached' });
    assert.deepEqual(
      (await roles()).map(([id]) => id),
      [world.alice.id],
    );
    assert.deepEqual(problems(), []);
    await context.close();
  });

  it('suspends and resumes a token from its page', async () => {
    const { page } = admin;
    const issued = await world.call<{ token: { id: string }; secret: string }>('POST', '/v1/tokens', { name: 'batch job', expiresAt: Date.now() + 7 * DAY });
    assert.equal(issued.status, 201, JSON.stringify(issued.json));
    await go(page, `tokens/${issued.json.token.id}`, 'batch job');
    const section = page.getByRole('region', { name: 'Suspend' });
    await section.getByRole('button', { name: 'Suspend' }).click();
    await page.locator('.page-header .status.disabled').waitFor();
    await section.getByText(/Suspended since/).waitFor();
    assert.equal(await verifyCode(dashboard, issued.json.secret), 'DISABLED');
    await checkAccessibility(page, 'a suspended token’s page');
    await section.getByRole('button', { name: 'Resume' }).click();
    await page.locator('.page-header .status.active').waitFor();
    assert.equal(await verifyCode(dashboard, issued.json.secret), 'VALID');
    await page.getByRole('region', { name: 'Audit trail' }).getByText('Resumed').waitFor();
  });

  it('disables, enables and deletes a user from the users page, deleting only once their name is typed', async () => {
    const { page } = admin;
    await go(page, 'users', 'Users');
    const row = page.getByRole('row', { name: /carol/ });
    await row.getByRole('button', { name: 'Disable carol' }).click();
    await page.getByText(/carol disabled: 1 token stopped\./).waitFor();
    await row.locator('.status.disabled').waitFor();
    assert.equal(await verifyCode(dashboard, world.carol.secret), 'DISABLED');
    await checkAccessibility(page, 'the users page with a disabled user');
    await row.getByRole('button', { name: 'Enable carol' }).click();
    await page.getByText(/carol enabled: 1 token working again\./).waitFor();
    assert.equal(await verifyCode(dashboard, world.carol.secret), 'VALID');

    await row.getByRole('button', { name: 'Delete…' }).click();
    const confirm = row.getByLabel(/Type the user's name/);
    await confirm.fill('caro');
    assert.ok(await row.getByRole('button', { name: 'Delete user' }).isDisabled(), 'not until the name is typed exactly');
    await checkAccessibility(page, 'the delete confirmation');
    await confirm.fill('carol');
    await row.getByRole('button', { name: 'Delete user' }).click();
    await page.getByRole('row', { name: /carol/ }).waitFor({ state: 'detached' });
    assert.equal((await world.call('GET', `/v1/users/${world.carol.id}`)).status, 404);
    assert.equal(await verifyCode(dashboard, world.carol.secret), 'REVOKED');
    // The admin's own row offers nothing (the server refuses offboarding yourself anyway).
    assert.equal(await page.getByRole('row', { name: /admin/ }).first().getByRole('button').count(), 0);
    assert.deepEqual(admin.problems(), []);
  });
});

describe('policies and offboarding in Chromium at 390 px', { skip }, () => {
  let browser: Browser;
  let dashboard: DashboardServer;
  let world: World;

  before(async () => {
    [browser, dashboard] = await launchWithDashboard();
    world = await seed(dashboard);
  });
  after(async () => {
    await browser?.close();
    await dashboard?.stop();
  });

  it('sets a policy, suspends a token and disables a user on a phone-sized screen', async () => {
    const { page, problems } = await openPage(browser, dashboard.url, 390);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('/#/policies');
    await signInThroughUi(page, dashboard.admin);
    await waitForAppShell(page);
    const lifecycle = page.getByRole('region', { name: 'Lifecycle policy' });
    await lifecycle.getByLabel('personal tokens').first().waitFor();
    await checkAccessibility(page, 'the policies page at 390 px');
    await lifecycle.getByRole('checkbox', { name: 'personal tokens' }).check();
    await lifecycle.getByRole('button', { name: 'Save the policy' }).click();
    await lifecycle.getByText('personal tokens must have an expiry').waitFor();
    assert.deepEqual((await world.call<{ policy: unknown }>('GET', '/v1/policies')).json.policy, { expiryRequired: ['personal'] });
    const overflow = async () => (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
    assert.equal(await overflow(), 0, 'the policies page does not scroll sideways');

    const issued = await world.call<{ token: { id: string }; secret: string }>('POST', '/v1/tokens', { name: 'phone job' });
    await go(page, `tokens/${issued.json.token.id}`, 'phone job');
    await page.getByRole('button', { name: 'Suspend' }).click();
    await page.getByRole('button', { name: 'Resume' }).waitFor();
    assert.equal(await verifyCode(dashboard, issued.json.secret), 'DISABLED');
    await checkAccessibility(page, 'a suspended token at 390 px');

    await go(page, `teams/${world.team.id}`, 'Payments');
    await checkAccessibility(page, "a team's page at 390 px");
    assert.equal(await overflow(), 0, "the team's page does not scroll sideways");

    await go(page, 'users', 'Users');
    await page.getByRole('button', { name: 'Disable bob' }).click();
    await page.getByText(/bob disabled/).waitFor();
    assert.equal(await verifyCode(dashboard, world.bob.secret), 'DISABLED');
    await checkAccessibility(page, 'the users page at 390 px');
    assert.deepEqual(problems(), []);
  });
});
