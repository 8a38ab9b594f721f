import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { parseSecret } from '../../src/core/secret.js';
import {
  browserMissing,
  checkAccessibility,
  type DashboardServer,
  docsScreenshot,
  launchWithDashboard,
  type OpenedPage,
  openPage,
  signInThroughUi,
  signOutThroughUi,
  waitForAppShell,
} from './support/browser.js';

const skip = browserMissing();

/** Counts are written behind (TESSERA_USAGE_FLUSH_MS): asks again until `check` holds. A guard against a hang, not a measure of speed. */
async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.fail(`never saw ${what}`);
}

interface VerifyAnswer {
  valid: boolean;
  code: string;
  token?: { id: string };
}

/** The API as a client of tessera calls it: the admin's token for management, none for /v1/verify. */
function apiOf(dashboard: DashboardServer) {
  const call = async <T>(method: string, path: string, body?: unknown, auth = true): Promise<{ status: number; json: T }> => {
    const response = await fetch(`${dashboard.url}${path}`, {
      method,
      headers: { ...(auth ? { authorization: `Bearer ${dashboard.admin}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, json: (text ? JSON.parse(text) : undefined) as T };
  };
  return {
    call,
    verify: async (token: string) => (await call<VerifyAnswer>('POST', '/v1/verify', { token }, false)).json,
  };
}

/** The text of the audit trail's "What" cells, newest first. */
async function auditActions(page: Page): Promise<string[]> {
  const section = page.getByRole('region', { name: 'Audit trail' });
  return section.locator('tbody th').allTextContents();
}

describe('the token pages in Chromium at 1280 px', { skip }, () => {
  let browser: Browser;
  let dashboard: DashboardServer;
  let opened: OpenedPage;
  let api: ReturnType<typeof apiOf>;
  const name = 'ci deploy';
  let secret = '';
  let tokenId = '';
  let newSecret = '';

  before(async () => {
    [browser, dashboard] = await launchWithDashboard({ TESSERA_USAGE_FLUSH_MS: '100' });
    opened = await openPage(browser, dashboard.url, 1280);
    await opened.page.setViewportSize({ width: 1280, height: 800 });
    api = apiOf(dashboard);
  });
  after(async () => {
    await browser?.close();
    await dashboard?.stop();
  });

  it('signs in and lists the tokens, with no serious accessibility violations', async () => {
    const { page } = opened;
    await page.goto('/#/tokens');
    await signInThroughUi(page, dashboard.admin);
    await waitForAppShell(page);
    await page.getByRole('heading', { level: 1, name: 'Tokens' }).waitFor();
    // The bootstrap admin's own token, its secret shown only by its ends.
    const row = page.getByRole('row', { name: /bootstrap admin/ });
    await row.waitFor();
    assert.ok((await row.textContent())!.includes(`tsr_…${dashboard.admin.slice(-4)}`));
    assert.ok(!(await page.content()).includes(dashboard.admin), 'no secret in the page');
    await checkAccessibility(page, 'the tokens list');
  });

  it('says in words what is wrong with the create form, and creates nothing', async () => {
    const { page } = opened;
    await page.getByRole('button', { name: 'Create token' }).click();
    const form = page.getByRole('form', { name: 'Create a token' });
    await form.waitFor();
    await checkAccessibility(page, 'the create form');
    await form.getByLabel('Scopes').fill('deploy:* not a scope!');
    await form.getByRole('button', { name: 'Add a rate limit' }).click();
    await form.getByLabel('Limit 1 requests').fill('0');
    await form.getByRole('button', { name: 'Create token' }).click();
    const alert = form.getByRole('alert');
    await alert.waitFor();
    const text = (await alert.textContent()) ?? '';
    assert.match(text, /Name: give the token a name/);
    assert.match(text, /Scopes: “scope!” is not a scope/);
    assert.match(text, /Rate limit 1: a name/);
    assert.match(text, /Rate limit 1: the limit is a whole number/);
    const listed = await api.call<{ items: unknown[] }>('GET', '/v1/tokens');
    assert.equal(listed.json.items.length, 1, 'only the admin token exists');
    await checkAccessibility(page, 'the create form with its errors');
  });

  it('creates a token with the form and shows its secret once; a reload loses it', async () => {
    const { page } = opened;
    const form = page.getByRole('form', { name: 'Create a token' });
    await form.getByLabel('Name', { exact: true }).fill(name);
    await form.getByLabel('Scopes').fill('deploy:* reports:read');
    await form.getByLabel('Expires').selectOption({ label: 'In 90 days' });
    await form.getByLabel('Limit 1 name').fill('burst');
    await form.getByLabel('Limit 1 requests').fill('100');
    await form.getByLabel('Limit 1 per').fill('1');
    await form.getByLabel('Limit 1 unit').selectOption('minute');
    await form.getByLabel('IP allowlist').fill('127.0.0.1\n::1');
    assert.equal(await form.getByRole('alert').count(), 0, 'the list of problems follows the form as it is fixed');
    await page.evaluate('window.scrollTo(0, 0)');
    await docsScreenshot(page, 'create-token');
    await form.getByRole('button', { name: 'Create token' }).click();

    const field = page.getByLabel('New secret');
    await field.waitFor();
    secret = await field.inputValue();
    assert.ok(parseSecret(secret), `a tessera secret: ${secret.slice(0, 4)}…`);
    assert.match((await page.getByRole('region', { name: /it will not be shown again/ }).textContent()) ?? '', /will not be shown again/);
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByText(/Copied to the clipboard|would not copy it/).waitFor();

    // The API agrees with what the form asked for.
    const listed = await api.call<{
      items: Array<{ id: string; name: string; suffix: string; scopes: string[]; rateLimits: unknown[]; ipAllowlist: string[] }>;
    }>('GET', '/v1/tokens?q=ci');
    const created = listed.json.items.find((t) => t.name === name)!;
    assert.ok(created, 'the token exists');
    tokenId = created.id;
    assert.equal(created.suffix, secret.slice(-4));
    assert.deepEqual(created.scopes, ['deploy:*', 'reports:read']);
    assert.deepEqual(created.rateLimits, [{ name: 'burst', limit: 100, durationMs: 60_000 }]);
    assert.deepEqual(created.ipAllowlist, ['127.0.0.1', '::1']);
    const row = page.getByRole('row', { name: new RegExp(name) });
    assert.ok((await row.textContent())!.includes(`…${secret.slice(-4)}`));

    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Tokens' }).waitFor();
    await page.getByRole('row', { name: new RegExp(name) }).waitFor();
    assert.equal(await page.getByLabel('New secret').count(), 0, 'no secret after a reload');
    assert.ok(!(await page.content()).includes(secret), 'the secret is nowhere in the page');
  });

  it('verifies it through the API and shows the count in its chart, after the flush', async () => {
    const { page } = opened;
    for (let i = 0; i < 3; i++) assert.equal((await api.verify(secret)).code, 'VALID');
    await page.getByRole('link', { name }).click();
    await page.getByRole('heading', { level: 1, name }).waitFor();
    const usage = page.getByRole('region', { name: 'Usage by outcome' });
    await eventually('VALID (3) in the chart', async () => {
      await usage.getByRole('button', { name: 'Refresh usage' }).click();
      return /VALID \(3\)/.test(
        (await usage
          .locator('figcaption')
          .textContent({ timeout: 5000 })
          .catch(() => '')) ?? '',
      );
    });
    const chart = usage.getByRole('img');
    assert.match((await chart.getAttribute('aria-label')) ?? '', /: 3 in all between .*; VALID 3\.$/);
    await usage.getByText('Show as a table').click();
    // One row, the hour of the verifications: VALID 3, total 3.
    assert.deepEqual(await usage.locator('tbody td').allTextContents(), ['3', '3']);
    // The other periods answer too.
    await usage.getByRole('button', { name: 'Last 30 days' }).click();
    await usage
      .locator('figcaption')
      .getByText(/VALID \(3\)/)
      .waitFor();
    await usage.getByRole('button', { name: 'Last 24 hours' }).click();
    await usage
      .locator('figcaption')
      .getByText(/VALID \(3\)/)
      .waitFor();
    await checkAccessibility(page, 'the token page');
    await page.getByRole('heading', { level: 1, name }).scrollIntoViewIfNeeded();
    await docsScreenshot(page, 'token');

    // A few more tokens, used and not, so the list shows each kind of row.
    const more = async (body: Record<string, unknown>, uses: number) => {
      const issued = await api.call<{ token: { id: string }; secret: string }>('POST', '/v1/tokens', body);
      assert.equal(issued.status, 201);
      for (let i = 0; i < uses; i++) await api.verify(issued.json.secret);
      return issued.json.token.id;
    };
    await more({ name: 'nightly export', scopes: ['exports:write'], expiresAt: Date.now() + 7 * 86_400_000 }, 0);
    const retired = await more({ name: 'old integration', scopes: ['legacy:*'] }, 1);
    assert.equal((await api.call('POST', `/v1/tokens/${retired}/revoke`)).status, 200);
    await more({ name: 'billing worker', scopes: ['billing:*', 'reports:read'], rateLimits: [{ name: 'burst', limit: 50, durationMs: 1000 }] }, 5);

    // The list's sparklines count them, from one analytics call.
    await page.getByRole('link', { name: 'Tokens', exact: true }).first().click();
    await page.getByRole('row', { name: /old integration/ }).waitFor();
    const spark = page.getByRole('row', { name: new RegExp(name) }).getByRole('img');
    assert.match((await spark.getAttribute('aria-label')) ?? '', /3 verifications/);
    await eventually('5 verifications in the sparkline of billing worker', async () => {
      await page.reload();
      const label = await page
        .getByRole('row', { name: /billing worker/ })
        .getByRole('img')
        .getAttribute('aria-label', { timeout: 5000 })
        .catch(() => null);
      return /5 verifications/.test(label ?? '');
    });
    assert.match((await page.getByRole('row', { name: /nightly export/ }).textContent()) ?? '', /no use/);
    await checkAccessibility(page, 'the tokens list with sparklines');
    await docsScreenshot(page, 'tokens');
  });

  it('rotates with a grace period: the new secret once, and the old one named with when it stops', async () => {
    const { page } = opened;
    await page.getByRole('link', { name }).click();
    await page.getByRole('heading', { level: 1, name }).waitFor();
    // The same page in a second tab, left open while the first rotates.
    const stale = await opened.context.newPage();
    await stale.goto(page.url());
    await stale.getByRole('heading', { level: 1, name }).waitFor();
    await page.getByLabel('Old secret keeps working for').selectOption({ label: '1 hour' });
    await page.getByRole('button', { name: 'Rotate', exact: true }).click();
    const field = page.getByLabel(/New secret/);
    await field.waitFor();
    newSecret = await field.inputValue();
    assert.ok(parseSecret(newSecret));
    assert.notEqual(newSecret, secret);
    const notice = (await page.getByRole('region', { name: /it will not be shown again/ }).textContent()) ?? '';
    assert.match(notice, new RegExp(`The new secret, ending …${newSecret.slice(-4)}`));
    assert.match(notice, new RegExp(`The old secret, ending …${secret.slice(-4)}, keeps working until .+ \\(in 60 minutes\\)`));
    // Both verify during the grace period, the old one as the old token.
    const old = await api.verify(secret);
    const fresh = await api.verify(newSecret);
    assert.equal(old.code, 'VALID');
    assert.equal(old.token?.id, tokenId);
    assert.equal(fresh.code, 'VALID');
    assert.notEqual(fresh.token?.id, tokenId);
    tokenId = fresh.token!.id;

    // The stale tab still offers Rotate; the server refuses, and the page says why in words.
    await stale.getByRole('button', { name: 'Rotate', exact: true }).click();
    const refusal = (await stale.getByRole('alert').textContent()) ?? '';
    assert.match(refusal, /clashes.*rotated already: rotate its successor/);
    await stale.close();

    await page.getByRole('link', { name: new RegExp(tokenId) }).click();
    await page.getByRole('heading', { level: 1, name }).waitFor();
    await page.getByRole('region', { name: 'Details' }).getByText(tokenId).waitFor();
    assert.equal(await page.getByLabel(/New secret/).count(), 0, 'the secret stays behind on the page that showed it');
  });

  it('revokes behind the typed name; the secret stops verifying', async () => {
    const { page } = opened;
    await page.getByRole('button', { name: 'Revoke…' }).click();
    const confirm = page.getByRole('button', { name: 'Revoke token' });
    const typed = page.getByLabel(/Type the token's name/);
    await typed.fill(name.slice(0, -1));
    assert.equal(await confirm.isDisabled(), true, 'not with a wrong name');
    await typed.fill(name);
    await checkAccessibility(page, 'the revoke confirmation');
    await confirm.click();
    await page.locator('.status.revoked').waitFor();
    assert.equal((await api.verify(newSecret)).code, 'REVOKED');
    assert.equal(await page.getByRole('button', { name: 'Rotate', exact: true }).count(), 0, 'a revoked token cannot be rotated');
  });

  it("finds the creation, rotation and revocation in the token's audit trail", async () => {
    const { page } = opened;
    await eventually('Revoked in the audit trail', async () => (await auditActions(page)).includes('Revoked'));
    assert.deepEqual(await auditActions(page), ['Revoked', 'Rotated', 'Created']);
    const trail = (await page.getByRole('region', { name: 'Audit trail' }).textContent()) ?? '';
    assert.match(trail, /you \(admin\)/);
    assert.match(trail, /the old one worked for 1 hour more/);
  });

  it('signs out', async () => {
    await signOutThroughUi(opened.page);
  });

  it('ran under its Content-Security-Policy without a violation or an uncaught error', () => {
    assert.deepEqual(opened.problems(), []);
  });
});

describe('the token pages in Chromium at 390×844: create and revoke', { skip }, () => {
  let browser: Browser;
  let dashboard: DashboardServer;
  let opened: OpenedPage;

  before(async () => {
    [browser, dashboard] = await launchWithDashboard();
    opened = await openPage(browser, dashboard.url, 390);
    await opened.page.setViewportSize({ width: 390, height: 844 });
  });
  after(async () => {
    await browser?.close();
    await dashboard?.stop();
  });

  it('creates a token, shows its secret once, and revokes it behind the typed name', async () => {
    const { page } = opened;
    const api = apiOf(dashboard);
    await page.goto('/');
    await signInThroughUi(page, dashboard.admin);
    await waitForAppShell(page);
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('link', { name: 'Tokens', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Tokens' }).waitFor();
    await checkAccessibility(page, 'the tokens list at 390 px');
    await page.getByRole('button', { name: 'Create token' }).click();
    const form = page.getByRole('form', { name: 'Create a token' });
    await form.getByLabel('Name', { exact: true }).fill('phone');
    await form.getByLabel('Expires').selectOption({ label: 'In 7 days' });
    await checkAccessibility(page, 'the create form at 390 px');
    await form.getByRole('button', { name: 'Create token' }).click();
    const secret = await page.getByLabel('New secret').inputValue();
    assert.equal((await api.verify(secret)).code, 'VALID');
    // Nothing wider than the screen but the table, which scrolls in its own box.
    const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    assert.equal(overflow, 0, 'the page does not scroll sideways');

    await page.getByRole('link', { name: 'Open its page' }).click();
    await page.getByRole('heading', { level: 1, name: 'phone' }).waitFor();
    await checkAccessibility(page, 'the token page at 390 px');
    await page.getByLabel('Credits to add').fill('25');
    await page.getByRole('button', { name: 'Add credits' }).click();
    await page.getByText('Added 25: the balance is now 25.').waitFor();
    await page.getByRole('region', { name: 'Credits and refill' }).getByText('25', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Revoke…' }).click();
    await page.getByLabel(/Type the token's name/).fill('phone');
    await page.getByRole('button', { name: 'Revoke token' }).click();
    await page.locator('.status.revoked').waitFor();
    assert.equal((await api.verify(secret)).code, 'REVOKED');
    assert.deepEqual(opened.problems(), []);
  });
});

describe('the token page for a viewer of its team, in Chromium', { skip }, () => {
  let browser: Browser;
  let dashboard: DashboardServer;

  before(async () => {
    [browser, dashboard] = await launchWithDashboard();
  });
  after(async () => {
    await browser?.close();
    await dashboard?.stop();
  });

  it('shows the token but no action that changes it', async () => {
    const { call } = apiOf(dashboard);
    const vera = (await call<{ user: { id: string } }>('POST', '/v1/users', { name: 'vera' })).json.user;
    const team = (await call<{ team: { id: string } }>('POST', '/v1/teams', { slug: 'ops' })).json.team;
    assert.equal((await call('POST', `/v1/teams/${team.id}/members`, { userId: vera.id, role: 'viewer' })).status, 201);
    const teamToken = (await call<{ token: { id: string } }>('POST', '/v1/tokens', { name: 'ops deploy', teamId: team.id })).json.token;
    const veraSecret = (await call<{ secret: string }>('POST', '/v1/tokens', { name: 'vera signs in', type: 'personal', ownerUserId: vera.id, scopes: ['*'] }))
      .json.secret;
    assert.ok(veraSecret, 'the admin issued vera a personal token');

    const { page, problems } = await openPage(browser, dashboard.url, 1280);
    await page.goto(`/#/tokens/${teamToken.id}`);
    await signInThroughUi(page, veraSecret);
    await page.getByRole('heading', { level: 1, name: 'ops deploy' }).waitFor();
    await page.getByText('You can read this token but not change it').waitFor();
    await page.getByRole('region', { name: 'Details' }).getByText('(you: viewer)').waitFor();
    for (const action of ['Rotate', 'Revoke…', 'Delete…', 'Add credits'])
      assert.equal(await page.getByRole('button', { name: action, exact: true }).count(), 0, `no ${action} button for a viewer`);
    await checkAccessibility(page, 'the token page for a viewer');
    assert.deepEqual(problems(), []);
  });
});
