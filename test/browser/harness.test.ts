import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { browserMissing, checkAccessibility, type DashboardServer, launchWithDashboard, openPage, waitForSignIn } from './support/browser.js';

/** The browser tests' own checks can fail: shown here on the served page, spoiled on purpose. */
describe('the browser test harness', { skip: browserMissing() }, () => {
  let browser: Browser;
  let dashboard: DashboardServer;
  before(async () => {
    [browser, dashboard] = await launchWithDashboard();
  });
  after(async () => {
    await browser?.close();
    await dashboard?.stop();
  });

  it('checkAccessibility fails on a serious violation and names it and its element', async () => {
    const { page } = await openPage(browser, dashboard.url);
    await page.goto('/');
    await waitForSignIn(page);
    await page.evaluate(
      `(() => { const img = document.createElement('img'); img.id = 'no-alt'; img.src = '/favicon.svg'; document.querySelector('main').append(img); })()`,
    );
    await assert.rejects(checkAccessibility(page, 'a spoiled page'), (error: Error) => {
      assert.match(error.message, /image-alt \(critical\)/);
      assert.match(error.message, /#no-alt/);
      assert.match(error.message, /a spoiled page/);
      return true;
    });
  });

  it('records what the Content-Security-Policy refuses: an inline style or script', async () => {
    const opened = await openPage(browser, dashboard.url);
    await opened.page.goto('/');
    await waitForSignIn(opened.page);
    assert.deepEqual(opened.problems(), []);
    await opened.page.evaluate(`(() => { const s = document.createElement('style'); s.textContent = 'body { color: red }'; document.head.append(s); })()`);
    await opened.page.evaluate(`(() => { const s = document.createElement('script'); s.textContent = 'window.ran = true'; document.head.append(s); })()`);
    assert.equal(await opened.page.evaluate('window.ran === true'), false, 'the inline script did not run');
    // Chromium reports each refusal on the console as it happens: the events may trail the evaluations a little.
    const reported = () => ['style', 'script'].every((kind) => opened.problems().some((p) => p.includes(kind)));
    for (let turn = 0; turn < 100 && !reported(); turn++) await opened.page.evaluate('new Promise((resolve) => setTimeout(resolve, 20))');
    const problems = opened.problems();
    assert.ok(
      problems.some((p) => /style/i.test(p)),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => /script/i.test(p)),
      problems.join('\n'),
    );
  });
});
