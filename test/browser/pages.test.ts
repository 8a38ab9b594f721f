import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
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

interface World {
  dashboard: DashboardServer;
  alice: { id: string; secret: string };
  bob: { id: string; secret: string };
  carol: { id: string };
  team: { id: string; name: string };
  checkout: { id: string };
  deploy: { id: string };
  /** Verifications made through the API, by outcome, for the charts to show. */
  valid: number;
  revoked: number;
}

/** The management API with a bearer token, as a script or curl would call it: how each test sets up its data. */
async function call<T>(dashboard: DashboardServer, token: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${dashboard.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path} answered ${response.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

async function verify(dashboard: DashboardServer, secret: string): Promise<string> {
  const response = await fetch(`${dashboard.url}/v1/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: secret }),
  });
  return ((await response.json()) as { code: string }).code;
}

/** Users, a team with an owner and a viewer, tokens used and revoked, a pool and more than one page of audit events. */
async function seed(dashboard: DashboardServer): Promise<World> {
  const admin = dashboard.admin;
  const person = async (name: string) => {
    const { user } = await call<{ user: { id: string } }>(dashboard, admin, 'POST', '/v1/users', { name });
    const { secret } = await call<{ secret: string }>(dashboard, admin, 'POST', '/v1/tokens', {
      name: `${name} personal`,
      type: 'personal',
      ownerUserId: user.id,
    });
    return { id: user.id, secret };
  };
  // First, more than a page (50) of the admin's audit log, to page through.
  const nightly = await call<{ token: { id: string } }>(dashboard, admin, 'POST', '/v1/tokens', { name: 'nightly report' });
  for (let i = 0; i < 60; i++) await call(dashboard, admin, 'PATCH', `/v1/tokens/${nightly.token.id}`, { metadata: { run: i } });
  const alice = await person('alice');
  const bob = await person('bob');
  const carol = (await call<{ user: { id: string } }>(dashboard, admin, 'POST', '/v1/users', { name: 'carol' })).user;
  const { team } = await call<{ team: { id: string; name: string } }>(dashboard, alice.secret, 'POST', '/v1/teams', { slug: 'payments', name: 'Payments' });
  await call(dashboard, alice.secret, 'POST', `/v1/teams/${team.id}/members`, { userId: bob.id, role: 'viewer' });

  const checkout = await call<{ token: { id: string }; secret: string }>(dashboard, alice.secret, 'POST', '/v1/tokens', {
    name: 'checkout api',
    teamId: team.id,
  });
  const deploy = await call<{ token: { id: string }; secret: string }>(dashboard, alice.secret, 'POST', '/v1/tokens', { name: 'ci deploy', teamId: team.id });
  let valid = 0;
  let revoked = 0;
  for (let i = 0; i < 7; i++) if ((await verify(dashboard, checkout.secret)) === 'VALID') valid++;
  for (let i = 0; i < 3; i++) if ((await verify(dashboard, deploy.secret)) === 'VALID') valid++;
  await call(dashboard, admin, 'POST', `/v1/tokens/${deploy.token.id}/revoke`);
  for (let i = 0; i < 2; i++) if ((await verify(dashboard, deploy.secret)) === 'REVOKED') revoked++;
  assert.equal(valid, 10);
  assert.equal(revoked, 2);
  await call(dashboard, alice.secret, 'POST', `/v1/credit-pools/${team.id}/credits`, { op: 'add', amount: '250' });

  // Counts are written behind (TESSERA_USAGE_FLUSH_MS): wait until the API shows them all, as the page will.
  const from = Date.now() - 86_400_000;
  for (;;) {
    const to = Date.now() + 3_600_000;
    const counted = await call<{ series: Array<{ key: { outcome?: string }; total: number }> }>(
      dashboard,
      admin,
      'GET',
      `/v1/analytics/verifications?from=${from}&to=${to}&granularity=hour&groupBy=outcome`,
    );
    const total = (outcome: string) => counted.series.find((s) => s.key.outcome === outcome)?.total ?? 0;
    if (total('VALID') === valid && total('REVOKED') === revoked) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { dashboard, alice, bob, carol, team, checkout: checkout.token, deploy: deploy.token, valid, revoked };
}

async function go(page: Page, hash: string, title: string): Promise<void> {
  await page.goto(`/#/${hash}`);
  await page.getByRole('heading', { level: 1, name: title }).waitFor();
}

/** Whether the keyboard focus is on `locator`'s element. */
const focused = async (locator: Locator): Promise<boolean> => {
  await locator.evaluate((el) => el.setAttribute('data-checking-focus', ''));
  const answer = (await locator.page().evaluate(`document.activeElement?.hasAttribute('data-checking-focus') === true`)) as boolean;
  await locator.evaluate((el) => el.removeAttribute('data-checking-focus'));
  return answer;
};

describe('the dashboard pages in Chromium', { skip }, () => {
  let browser: Browser;
  let world: World;
  before(async () => {
    let dashboard: DashboardServer;
    [browser, dashboard] = await launchWithDashboard({ TESSERA_USAGE_FLUSH_MS: '100' });
    world = await seed(dashboard);
  });
  after(async () => {
    await browser?.close();
    await world?.dashboard.stop();
  });

  for (const width of [1280, 390]) {
    describe(`an admin at ${width} px`, () => {
      let opened: OpenedPage;
      before(async () => {
        opened = await openPage(browser, world.dashboard.url, width);
        await opened.page.goto('/');
        await signInThroughUi(opened.page, world.dashboard.admin);
        await waitForAppShell(opened.page);
      });
      after(async () => {
        await opened?.context.close();
      });

      it('Overview: verifications by outcome, the busiest tokens, and recent changes in words', async () => {
        const { page } = opened;
        await go(page, '', 'Overview');
        const chart = page.getByRole('img', { name: /^Verifications by outcome: / });
        await chart.waitFor();
        const summary = (await chart.getAttribute('aria-label')) ?? '';
        assert.match(summary, new RegExp(`: ${world.valid + world.revoked} in all `));
        assert.match(summary, new RegExp(`VALID ${world.valid}\\b`));
        assert.match(summary, new RegExp(`REVOKED ${world.revoked}\\b`));
        if (width === 1280) await docsScreenshot(page, 'overview', { width: 1280, height: 800 });
        if (width === 390) await docsScreenshot(page, 'overview-mobile', { width: 390, height: 844 });
        // The same numbers as a table, for those who would rather read them.
        await page.getByText('Show as a table').click();
        const table = page.getByRole('table', { name: 'Verifications by outcome' });
        const header = await table.getByRole('columnheader').allTextContents();
        assert.deepEqual(header.slice(1).sort(), ['REVOKED', 'Total', 'VALID']);

        const busiest = page.getByRole('region', { name: 'Busiest tokens' });
        const first = busiest.getByRole('row').nth(1);
        assert.equal(await first.getByRole('link').textContent(), 'checkout api');
        assert.equal(await first.getByRole('link').getAttribute('href'), `#/tokens/${world.checkout.id}`);
        assert.equal((await first.getByRole('cell').nth(1).textContent())?.trim(), '7');
        const second = busiest.getByRole('row').nth(2);
        assert.equal(await second.getByRole('link').textContent(), 'ci deploy');
        assert.equal((await second.getByRole('cell').nth(1).textContent())?.trim(), String(3 + world.revoked));

        const recent = page.getByRole('region', { name: 'Recent changes' }).getByRole('listitem');
        assert.equal(await recent.count(), 10);
        const sentences = await recent.allTextContents();
        assert.ok(
          sentences.some((s) => /^alice changed the credit pool of Payments \(250 added, now 250\) (just now|\d+ minutes? ago)$/.test(s)),
          sentences.join('\n'),
        );
        assert.ok(
          sentences.some((s) => /^admin signed in to the dashboard with token ‘bootstrap admin’ /.test(s)),
          sentences.join('\n'),
        );
        await checkAccessibility(page, `the overview at ${width} px`);
      });

      it('Audit log: names, not ids; filters by who, what and time; older and newer pages', async () => {
        const { page } = opened;
        await go(page, 'audit', 'Audit log');
        const rows = page.getByRole('table', { name: 'Changes, newest first' }).getByRole('row');
        await rows.nth(1).waitFor();
        assert.equal(await rows.count(), 51, 'a header and a page of 50');
        assert.equal(await page.getByRole('button', { name: 'Newer' }).isDisabled(), true);
        await page.getByRole('cell', { name: 'admin revoked token ‘ci deploy’' }).waitFor();
        if (width === 1280) await docsScreenshot(page, 'audit', { width: 1280, height: 800 });
        const poolRow = rows.filter({ hasText: 'alice changed the credit pool of Payments (250 added, now 250)' });
        assert.equal(await poolRow.getByRole('link', { name: 'Payments' }).getAttribute('href'), '#/pools');
        await page.getByRole('button', { name: 'Older' }).click();
        await page.getByRole('cell', { name: 'tessera started for the first time and made the admin user' }).waitFor();
        await page.getByRole('cell', { name: 'admin created token ‘nightly report’' }).waitFor();
        assert.equal(await page.getByRole('cell', { name: 'admin revoked token ‘ci deploy’' }).count(), 0);
        assert.equal(await page.getByRole('button', { name: 'Older' }).isDisabled(), true);
        await page.getByRole('button', { name: 'Newer' }).click();
        await page.getByRole('cell', { name: 'admin revoked token ‘ci deploy’' }).waitFor();

        await page.getByLabel('Who').selectOption({ label: 'admin' });
        await page.getByLabel('What').selectOption({ label: 'Token revoked' });
        await page.getByRole('button', { name: 'Show' }).click();
        // The revocation is on the unfiltered page too: wait for the rows the filter leaves out to go.
        await rows.nth(2).waitFor({ state: 'detached' });
        await page.getByRole('cell', { name: 'admin revoked token ‘ci deploy’' }).waitFor();
        assert.equal(await rows.count(), 2);
        await page.getByRole('link', { name: 'ci deploy' }).waitFor();

        // From a minute from now: nothing yet.
        const later = new Date(Date.now() + 60_000 - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
        await page.getByLabel('From').fill(later);
        await page.getByRole('button', { name: 'Show' }).click();
        await page.getByText('No changes match.').waitFor();
        await page.getByRole('button', { name: 'Clear filters' }).click();
        await rows.nth(50).waitFor();
        await checkAccessibility(page, `the audit log at ${width} px`);
      });

      it('Teams: the team, its members by name and role, and adding a member', async () => {
        const { page } = opened;
        await go(page, 'teams', 'Teams');
        await checkAccessibility(page, `the teams at ${width} px`);
        await page.getByRole('link', { name: 'Payments' }).click();
        await page.getByRole('heading', { level: 1, name: 'Payments' }).waitFor();
        const members = page.getByRole('region', { name: 'Members' });
        const row = (name: string) => members.getByRole('row').filter({ has: page.getByRole('cell', { name, exact: true }) });
        await row('alice').waitFor();
        assert.match((await row('alice').textContent()) ?? '', /owner/);
        assert.match((await row('bob').textContent()) ?? '', /viewer/);
        const tokens = page.getByRole('region', { name: 'Tokens' });
        await tokens.getByRole('link', { name: 'checkout api' }).waitFor();

        if (width === 1280) {
          await page.getByLabel('User id').fill('usr_nobodynobodynobodynobody0');
          await page.getByRole('button', { name: 'Add member' }).click();
          await page.getByRole('alert').filter({ hasText: 'There is no user with that id' }).waitFor();
          await page.getByLabel('User id').fill(world.carol.id);
          await page.getByLabel('Role').selectOption('member');
          await page.getByRole('button', { name: 'Add member' }).click();
          await row('carol').waitFor();
          assert.match((await row('carol').textContent()) ?? '', /member/);
        }
        await checkAccessibility(page, `a team at ${width} px`);
        if (width === 1280) await docsScreenshot(page, 'teams', { width: 1280, height: 800 });
      });

      it('Users: the list, and a new user with a sign-in token shown once', async () => {
        const { page } = opened;
        await go(page, 'users', 'Users');
        await page.getByRole('cell', { name: world.alice.id }).waitFor();
        await checkAccessibility(page, `the users at ${width} px`);
        const name = `dana ${width}`;
        await page.getByLabel('Name', { exact: true }).fill(name);
        await page.getByRole('button', { name: 'Create user' }).click();
        await page.getByRole('cell', { name, exact: true }).waitFor();
        await page.getByRole('button', { name: `Create a sign-in token for ${name}` }).click();
        // The tokens pages' SecretOnce: the secret in a read-only field with a copy button.
        const secret = await page.getByLabel(`The sign-in token for ${name}`).inputValue();
        assert.match(secret, /^tsr_/);
        // It signs in: the API knows it as the new user's.
        const who = await call<{ user: { name: string } }>(world.dashboard, secret, 'GET', '/v1/whoami');
        assert.equal(who.user.name, name);
        await checkAccessibility(page, `the users with a new secret at ${width} px`);
        await page.reload();
        await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
        await page.getByRole('cell', { name, exact: true }).waitFor();
        assert.equal(await page.getByLabel(`The sign-in token for ${name}`).count(), 0, 'the secret is gone after a reload');
        assert.ok(!(await page.content()).includes(secret), 'and is nowhere in the page');
      });

      it('Credit pools: your own and your teams’, and adding credits', async () => {
        const { page } = opened;
        await go(page, 'pools', 'Credit pools');
        // The admin is in no team: only their own pool, which does not exist yet.
        await page.getByText('No pool yet (0)').waitFor();
        await checkAccessibility(page, `the credit pools at ${width} px`);
      });

      if (width === 390) {
        it('the menu opens and leads to a section by keyboard alone', async () => {
          const { page } = opened;
          await go(page, '', 'Overview');
          const menu = page.getByRole('button', { name: 'Menu' });
          assert.equal(await page.getByRole('navigation', { name: 'Sections' }).isVisible(), false);
          await page.keyboard.press('Tab'); // the skip link
          for (let i = 0; i < 10 && !(await focused(menu)); i++) await page.keyboard.press('Tab');
          assert.equal(await focused(menu), true, 'Tab reaches the Menu button');
          await page.keyboard.press('Enter');
          assert.equal(await menu.getAttribute('aria-expanded'), 'true');
          const audit = page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Audit log' });
          for (let i = 0; i < 10 && !(await focused(audit)); i++) await page.keyboard.press('Tab');
          await page.keyboard.press('Enter');
          await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
          assert.equal(await menu.getAttribute('aria-expanded'), 'false', 'the menu closes on the way');
          await checkAccessibility(page, 'the audit log after the menu at 390 px');
        });
      }

      it('ran under its Content-Security-Policy without a violation or an uncaught error', () => {
        assert.deepEqual(opened.problems(), []);
      });
    });
  }

  for (const width of [1280, 390]) {
    describe(`a viewer of the team at ${width} px`, () => {
      let opened: OpenedPage;
      before(async () => {
        opened = await openPage(browser, world.dashboard.url, width);
        await opened.page.goto('/');
        await signInThroughUi(opened.page, world.bob.secret);
        await waitForAppShell(opened.page);
      });
      after(async () => {
        await opened?.context.close();
      });

      it("sees the team's members and tokens, with no control to change them", async () => {
        const { page } = opened;
        await go(page, `teams/${world.team.id}`, 'Payments');
        await page.getByRole('cell', { name: 'alice', exact: true }).waitFor();
        await page.locator('p', { hasText: 'your role:' }).getByText('viewer', { exact: true }).waitFor();
        await page.getByRole('region', { name: 'Tokens' }).getByRole('link', { name: 'checkout api' }).waitFor();
        assert.equal(await page.getByRole('button', { name: 'Add member' }).count(), 0);
        assert.equal(await page.getByLabel('User id').count(), 0);
        await page.getByText('Only the team’s owners add members.').waitFor();
        await checkAccessibility(page, `a team seen by a viewer at ${width} px`);
      });

      it('is refused, in words, when it forces a change through the API anyway', async () => {
        const { page } = opened;
        // The page's own session and CSRF token: exactly what a control would send.
        const forced = (await page.evaluate(
          `(async () => {
            const session = await (await fetch('/v1/session')).json();
            const send = async (path, body) => {
              const r = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken }, body: JSON.stringify(body) });
              return { status: r.status, body: await r.json() };
            };
            return {
              member: await send('/v1/teams/${world.team.id}/members', { userId: '${world.carol.id}', role: 'owner' }),
              revoke: await send('/v1/tokens/${world.checkout.id}/revoke', {}),
              pool: await send('/v1/credit-pools/${world.team.id}/credits', { op: 'add', amount: '1' }),
            };
          })()`,
        )) as Record<'member' | 'revoke' | 'pool', { status: number; body: { error: { code: string; message: string } } }>;
        for (const [what, answer] of Object.entries(forced)) {
          assert.equal(answer.status, 403, `${what}: ${JSON.stringify(answer.body)}`);
          assert.match(answer.body.error.message, /^[a-z]+( [a-z’']+){3,}/i, `${what} says why in words: ${answer.body.error.message}`);
        }
        assert.match(forced.member.body.error.message, /owner/);
        assert.match(forced.revoke.body.error.message, /viewer/);
        // Nothing changed.
        const team = await call<{ members: Array<{ userId: string; role: string }> }>(
          world.dashboard,
          world.dashboard.admin,
          'GET',
          `/v1/teams/${world.team.id}`,
        );
        assert.notEqual(team.members.find((m) => m.userId === world.carol.id)?.role, 'owner');
        const token = await call<{ token: { status: string } }>(world.dashboard, world.dashboard.admin, 'GET', `/v1/tokens/${world.checkout.id}`);
        assert.equal(token.token.status, 'active');
      });

      it('reads "only admins" on Users, and the team pool without a way to add to it', async () => {
        const { page } = opened;
        await go(page, 'users', 'Users');
        await page.getByText('Only admins can see and create users.').waitFor();
        await checkAccessibility(page, `the users page for a member at ${width} px`);
        await go(page, 'pools', 'Credit pools');
        const teamRow = page.getByRole('row').filter({ hasText: 'Team Payments' });
        await teamRow.waitFor();
        assert.match((await teamRow.textContent()) ?? '', /250/);
        assert.match((await teamRow.textContent()) ?? '', /Only the team’s owners and members add credits\./);
        assert.equal(await teamRow.getByRole('button').count(), 0);
        await checkAccessibility(page, `the credit pools for a viewer at ${width} px`);
        await go(page, 'audit', 'Audit log');
        await checkAccessibility(page, `the audit log for a viewer at ${width} px`);
        await go(page, '', 'Overview');
        await page.getByRole('region', { name: 'Recent changes' }).getByRole('listitem').first().waitFor();
        await checkAccessibility(page, `the overview for a viewer at ${width} px`);
      });

      it('ran under its Content-Security-Policy without a violation or an uncaught error', () => {
        assert.deepEqual(opened.problems(), []);
      });
    });
  }

  describe('a team owner at 1280 px', () => {
    let opened: OpenedPage;
    before(async () => {
      opened = await openPage(browser, world.dashboard.url, 1280);
      await opened.page.goto('/');
      await signInThroughUi(opened.page, world.alice.secret);
      await waitForAppShell(opened.page);
    });
    after(async () => {
      await opened?.context.close();
    });

    it("adds credits to the team's pool", async () => {
      const { page } = opened;
      await go(page, 'pools', 'Credit pools');
      const teamRow = page.getByRole('row').filter({ hasText: 'Team Payments' });
      await teamRow.getByRole('cell', { name: '250', exact: true }).waitFor();
      await teamRow.getByLabel('Credits to add to the pool of Team Payments').fill('not a number');
      await teamRow.getByRole('button', { name: 'Add credits to the pool of Team Payments' }).click();
      await teamRow.getByRole('alert').filter({ hasText: 'Enter a positive number of credits' }).waitFor();
      await teamRow.getByLabel('Credits to add to the pool of Team Payments').fill('50');
      await teamRow.getByRole('button', { name: 'Add credits to the pool of Team Payments' }).click();
      await teamRow.getByRole('cell', { name: '300', exact: true }).waitFor();
      const pool = await call<{ credits: string }>(world.dashboard, world.dashboard.admin, 'GET', `/v1/credit-pools/${world.team.id}`);
      assert.equal(pool.credits, '300');
      await checkAccessibility(page, 'the credit pools for an owner at 1280 px');
      assert.deepEqual(opened.problems(), []);
    });
  });
});
