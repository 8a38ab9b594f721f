import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  browserMissing,
  checkAccessibility,
  type DashboardServer,
  launchWithDashboard,
  type OpenedPage,
  openPage,
  signInThroughUi,
  signOutThroughUi,
  waitForAppShell,
  waitForSignIn,
} from './support/browser.js';

const skip = browserMissing();

/** What the page's own scripts can see: any token or session id kept in storage or a readable cookie. */
async function visibleToScripts(page: Page): Promise<{ storage: string; cookie: string }> {
  return (await page.evaluate(`({
    storage: JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)]),
    cookie: document.cookie,
  })`)) as { storage: string; cookie: string };
}

for (const width of [1280, 390]) {
  describe(`signing in to the dashboard in Chromium at ${width} px`, { skip }, () => {
    let browser: Browser;
    let dashboard: DashboardServer;
    let opened: OpenedPage;
    before(async () => {
      [browser, dashboard] = await launchWithDashboard();
      opened = await openPage(browser, dashboard.url, width);
    });
    after(async () => {
      await browser?.close();
      await dashboard?.stop();
    });

    it('shows the sign-in page, with no serious accessibility violations', async () => {
      const { page } = opened;
      await page.goto('/');
      await waitForSignIn(page);
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Sign in to tessera');
      await checkAccessibility(page, `the sign-in page at ${width} px`);
    });

    it('says in words why a wrong token does not sign in, and stays on the sign-in page', async () => {
      const { page } = opened;
      await signInThroughUi(page, 'tsr_thisisnotatokenthisisnotatoken0000');
      const alert = page.getByRole('alert');
      await alert.waitFor();
      const text = (await alert.textContent()) ?? '';
      assert.match(text, /[A-Za-z]+ [a-z]+ [a-z]+/, `a sentence: ${text}`);
      assert.doesNotMatch(text, /^\s*(401|UNAUTHORIZED)\s*$/);
      assert.ok(await page.getByLabel('Personal token').isVisible());
      await checkAccessibility(page, `the sign-in page with an error at ${width} px`);
    });

    it('signs in with the admin token: the app shell shows, with no serious accessibility violations', async () => {
      const { page } = opened;
      await signInThroughUi(page, dashboard.admin);
      await waitForAppShell(page);
      assert.equal(await page.getByLabel('Personal token').count(), 0);
      await checkAccessibility(page, `the app shell at ${width} px`);
    });

    it('keeps no token where a script could read it: nothing in storage, the session cookie HttpOnly', async () => {
      const { page, context } = opened;
      const seen = await visibleToScripts(page);
      assert.ok(!seen.storage.includes(dashboard.admin), 'the token is in no storage');
      assert.ok(!/tsr_/.test(seen.storage), `no token-like value in storage: ${seen.storage}`);
      assert.doesNotMatch(seen.cookie, /tessera_session/, 'document.cookie does not show the session cookie');
      const cookies = await context.cookies();
      const session = cookies.find((c) => c.name === 'tessera_session');
      assert.ok(session, 'the browser holds the session cookie');
      assert.equal(session.httpOnly, true);
      assert.equal(session.sameSite, 'Strict');
      assert.equal(session.path, '/');
      assert.ok(!seen.storage.includes(session.value), 'the session id is in no storage');
      const html = await page.content();
      assert.ok(!html.includes(dashboard.admin), 'the token is not left in the page');
    });

    it('keeps you signed in across a reload', async () => {
      const { page } = opened;
      await page.reload();
      await waitForAppShell(page);
      assert.equal(await page.getByLabel('Personal token').count(), 0);
    });

    it('signs out back to the sign-in page, and the old session no longer works', async () => {
      const { page, context } = opened;
      const before = (await context.cookies()).find((c) => c.name === 'tessera_session')!.value;
      await signOutThroughUi(page);
      await checkAccessibility(page, `the sign-in page after signing out at ${width} px`);
      assert.equal(
        (await context.cookies()).find((c) => c.name === 'tessera_session'),
        undefined,
        'the cookie is cleared',
      );
      const replay = await fetch(`${dashboard.url}/v1/session`, { headers: { cookie: `tessera_session=${before}` } });
      assert.equal(replay.status, 401);
      await page.reload();
      await waitForSignIn(page);
    });

    it('ran under its Content-Security-Policy without a violation or an uncaught error', () => {
      assert.deepEqual(opened.problems(), []);
    });
  });
}
