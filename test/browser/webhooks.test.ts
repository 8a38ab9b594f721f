import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import {
  browserMissing,
  checkAccessibility,
  launchBrowser,
  openPage,
  signInThroughUi,
  startDashboardServer,
  waitForAppShell,
  type DashboardServer,
  type OpenedPage,
  docsScreenshot,
} from './support/browser.js';

const skip = browserMissing();

/** Deliveries happen behind the request: asks again until `check` holds. A guard against a hang, not a measure of speed. */
async function eventually(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.fail(`never saw ${what}`);
}

/** The management API with a bearer token, as a script would call it: how the tests set up data and check the page's work. */
async function call<T>(dashboard: DashboardServer, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const response = await fetch(`${dashboard.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: (text ? JSON.parse(text) : undefined) as T };
}

async function ok<T>(dashboard: DashboardServer, token: string, method: string, path: string, body?: unknown): Promise<T> {
  const answer = await call<T>(dashboard, token, method, path, body);
  assert.ok(answer.status < 300, `${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.json)}`);
  return answer.json;
}

interface Webhook {
  id: string;
  url: string;
  description: string;
  events: string[];
  status: string;
  scope: string;
}

/** A row of a table holding `text`. */
const rowWith = (table: Locator, text: string | RegExp) => table.getByRole('row').filter({ hasText: text });

/** A delivery's status word exactly (the Times column also says "delivered <when>"). */
const statusIs = (page: Page, word: string) => page.getByText(word, { exact: true });

async function go(page: Page, hash: string, title: string): Promise<void> {
  await page.goto(`/#/${hash}`);
  await page.getByRole('heading', { level: 1, name: title }).waitFor();
}

describe('the webhooks pages in Chromium', { skip }, () => {
  let browser: Browser;
  let dashboard: DashboardServer;
  const receiver = new WebhookReceiver();
  let alice: { id: string; secret: string };
  let bob: { id: string; secret: string; narrow: string };
  let team: { id: string };

  before(async () => {
    await receiver.start();
    [browser, dashboard] = await Promise.all([
      launchBrowser(),
      startDashboardServer({
        // The receiver is on loopback, which tessera refuses unless told (docs/webhooks.md, SSRF).
        TESSERA_WEBHOOK_ALLOW_PRIVATE: '1',
        TESSERA_WEBHOOK_POLL_MS: '100',
        // A receiver that keeps failing is paused after 3 failures in a row, retried 50 ms apart.
        TESSERA_WEBHOOK_PAUSE_FAILURES: '3',
        TESSERA_WEBHOOK_PAUSE_AFTER_MS: '1',
        TESSERA_WEBHOOK_RETRY_BASE_MS: '50',
        TESSERA_WEBHOOK_RETRY_MAX_MS: '100',
      }),
    ]);
    const person = async (name: string, scopes?: string[]) => {
      const { user } = await ok<{ user: { id: string } }>(dashboard, dashboard.admin, 'POST', '/v1/users', { name });
      const issue = async (suffix: string, withScopes?: string[]) =>
        (
          await ok<{ secret: string }>(dashboard, dashboard.admin, 'POST', '/v1/tokens', {
            name: `${name} ${suffix}`,
            type: 'personal',
            ownerUserId: user.id,
            ...(withScopes ? { scopes: withScopes } : {}),
          })
        ).secret;
      return { id: user.id, secret: await issue('personal', scopes), issue };
    };
    const a = await person('alice');
    alice = { id: a.id, secret: a.secret };
    const b = await person('bob');
    bob = { id: b.id, secret: b.secret, narrow: await b.issue('tokens only', ['tokens:read']) };
    team = (await ok<{ team: { id: string } }>(dashboard, alice.secret, 'POST', '/v1/teams', { slug: 'payments', name: 'Payments' })).team;
    await ok(dashboard, alice.secret, 'POST', `/v1/teams/${team.id}/members`, { userId: bob.id, role: 'viewer' });
  });
  after(async () => {
    await browser?.close();
    await dashboard?.stop();
    await receiver.close();
  });

  describe('an admin at 1280 px', () => {
    let opened: OpenedPage;
    let webhook: Webhook;
    let secret: string;
    const path = '/hooks/admin';

    before(async () => {
      opened = await openPage(browser, dashboard.url, 1280);
      await opened.page.goto('/');
      await signInThroughUi(opened.page, dashboard.admin);
      await waitForAppShell(opened.page);
    });
    after(async () => {
      assert.deepEqual(opened?.problems() ?? [], []);
      await opened?.context.close();
    });

    it('creates a webhook and reads its signing secret once', async () => {
      const { page } = opened;
      await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Webhooks' }).click();
      await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
      await page.getByText('No webhooks yet.').waitFor();
      await checkAccessibility(page, 'the empty webhooks list');

      await page.getByRole('button', { name: 'Create webhook' }).click();
      const form = page.getByRole('form', { name: 'Create a webhook' });
      // What the page can judge, it says before asking; nothing is made.
      await form.getByRole('button', { name: 'Create webhook' }).click();
      const problems = form.getByRole('alert');
      await problems.waitFor();
      assert.match((await problems.textContent()) ?? '', /The URL must start with http:\/\/ or https:\/\/\. Choose at least one event\./);
      assert.equal((await ok<{ items: unknown[] }>(dashboard, dashboard.admin, 'GET', '/v1/webhooks')).items.length, 0);
      await checkAccessibility(page, 'the create-webhook form');

      await form.getByLabel('URL').fill(`${receiver.url}${path}`);
      await form.getByLabel('Description').fill('to the ops bot');
      // The checkboxes come in groups: tokens, credits, users, webhooks.
      await form.getByRole('group', { name: 'Tokens' }).getByLabel('token.created issued').check();
      await form.getByRole('group', { name: 'Tokens' }).getByLabel('token.revoked revoked').check();
      await form.getByRole('group', { name: 'Webhooks' }).getByLabel('webhook.test a test sent from its page').check();
      await form.getByLabel('Warn of expiry (days before)').fill('14');
      await form.getByLabel('Low credits at (empty: never)').fill('10');
      await form.getByRole('button', { name: 'Create webhook' }).click();

      secret = await page.getByLabel('Signing secret').inputValue();
      assert.match(secret, /^whsec_[A-Za-z0-9+/=]+$/);
      receiver.expect(path, secret);
      await page.getByText('Verifying a delivery').waitFor();
      await page.getByText('docs/webhooks.md').first().waitFor();
      const listed = await ok<{ items: Webhook[] }>(dashboard, dashboard.admin, 'GET', '/v1/webhooks');
      assert.equal(listed.items.length, 1);
      webhook = listed.items[0]!;
      assert.equal(webhook.url, `${receiver.url}${path}`);
      assert.equal(webhook.description, 'to the ops bot');
      assert.deepEqual([...webhook.events].sort(), ['token.created', 'token.revoked', 'webhook.test']);
      assert.equal(webhook.scope, 'user');
      const full = await ok<{ expiringDays: number; creditsLowThreshold: string }>(dashboard, dashboard.admin, 'GET', `/v1/webhooks/${webhook.id}`);
      assert.equal(full.expiringDays, 14);
      assert.equal(full.creditsLowThreshold, '10');

      const table = page.getByRole('table', { name: 'Webhooks you may see, newest first' });
      const row = rowWith(table, webhook.url);
      await row.waitFor();
      assert.match((await row.textContent()) ?? '', /to the ops bot.*token\.created.*yours.*active/);
      await checkAccessibility(page, 'the webhooks list with a new secret');

      await page.reload();
      await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
      await row.waitFor();
      assert.equal(await page.getByLabel('Signing secret').count(), 0, 'the secret is gone after a reload');
      assert.ok(!(await page.content()).includes(secret), 'and is nowhere in the page');
    });

    it('shows a token.created delivery as delivered, verified by the receiver', async () => {
      const { page } = opened;
      const { token } = await ok<{ token: { id: string } }>(dashboard, dashboard.admin, 'POST', '/v1/tokens', { name: 'billing worker' });
      await page.getByRole('link', { name: webhook.url }).click();
      await page.getByRole('heading', { level: 1, name: 'Webhook', exact: true }).waitFor();
      const log = page.getByRole('table', { name: 'Deliveries, newest first' });
      const created = rowWith(log, 'token.created');
      // The page reads the log again while a delivery is pending.
      await created.filter({ has: statusIs(page, 'delivered') }).waitFor();
      assert.match((await created.textContent()) ?? '', /delivered\s*1\s*200/);
      const got = receiver.deliveredTo(path);
      assert.equal(got.length, 1);
      assert.equal(got[0]!.verifyError, undefined);
      assert.equal(got[0]!.payload?.type, 'token.created');
      assert.equal(got[0]!.payload?.data.token.id, token.id);
      await checkAccessibility(page, 'the webhook page');
      await docsScreenshot(page, 'webhook');
    });

    it('sends a test event', async () => {
      const { page } = opened;
      await page.getByRole('button', { name: 'Send a test event' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: /A test event \(msg_\S+\) is on its way/ })
        .waitFor();
      const log = page.getByRole('table', { name: 'Deliveries, newest first' });
      await rowWith(log, 'webhook.test')
        .filter({ has: statusIs(page, 'delivered') })
        .waitFor();
      const test = receiver.deliveredTo(path).find((r) => r.payload?.type === 'webhook.test');
      assert.ok(test, 'the receiver got the test event, verified');
      assert.equal(test.payload?.data.webhook.id, webhook.id);
    });

    it('pauses (nothing queues, said in words) and resumes', async () => {
      const { page } = opened;
      await page.getByRole('button', { name: 'Pause' }).click();
      await page.getByRole('status').filter({ hasText: 'Paused: nothing is queued or sent until you resume it.' }).waitFor();
      await page.getByText('paused by hand: nothing is queued for it until it is resumed').waitFor();
      assert.equal((await ok<Webhook>(dashboard, dashboard.admin, 'GET', `/v1/webhooks/${webhook.id}`)).status, 'disabled');
      const pausedSince = receiver.received.length;
      await ok(dashboard, dashboard.admin, 'POST', '/v1/tokens', { name: 'made while paused' });
      await page.getByRole('button', { name: 'Refresh' }).click();
      const log = page.getByRole('table', { name: 'Deliveries, newest first' });
      await rowWith(log, 'webhook.test').waitFor();
      assert.equal(await rowWith(log, 'token.created').count(), 1, 'no delivery queued while paused');

      await page.getByRole('button', { name: 'Resume' }).click();
      await page.getByRole('status').filter({ hasText: 'Resumed: queued events are sent now.' }).waitFor();
      await page.getByRole('button', { name: 'Pause' }).waitFor();
      assert.equal((await ok<Webhook>(dashboard, dashboard.admin, 'GET', `/v1/webhooks/${webhook.id}`)).status, 'active');
      assert.equal(receiver.received.length, pausedSince, 'nothing was sent for the token made while paused');
    });

    it('redelivers a delivery: the same webhook-id again', async () => {
      const { page } = opened;
      const log = page.getByRole('table', { name: 'Deliveries, newest first' });
      const first = receiver.deliveredTo(path).find((r) => r.payload?.type === 'token.created')!;
      await rowWith(log, 'token.created')
        .getByRole('button', { name: /^Redeliver token\.created/ })
        .click();
      await eventually('the token.created rows to be two', async () => (await rowWith(log, 'token.created').count()) === 2);
      await rowWith(log, 'token.created')
        .first()
        .filter({ has: statusIs(page, 'delivered') })
        .waitFor();
      const again = receiver.deliveredTo(path).filter((r) => r.payload?.type === 'token.created');
      assert.equal(again.length, 2);
      assert.equal(again[1]!.headers['webhook-id'], first.headers['webhook-id']);
      assert.equal(again[1]!.verifyError, undefined);
    });

    it('rotates the secret: the new one shown once, the old one said to sign for 24 hours', async () => {
      const { page } = opened;
      await page.getByRole('button', { name: 'Rotate the secret' }).click();
      const rotated = await page.getByLabel('New signing secret').inputValue();
      assert.match(rotated, /^whsec_/);
      assert.notEqual(rotated, secret);
      await page.getByText('The previous secret also signs each delivery for 24 hours').waitFor();
      await checkAccessibility(page, 'the webhook page with a rotated secret');
      // Only the new secret is accepted now: the next delivery verifies with it.
      receiver.expect(path, rotated);
      await page.getByRole('button', { name: 'Send a test event' }).click();
      await eventually('a test verified with the new secret', () => receiver.deliveredTo(path).filter((r) => r.payload?.type === 'webhook.test').length === 2);
      await page.reload();
      await page.getByRole('heading', { level: 1, name: 'Webhook', exact: true }).waitFor();
      assert.equal(await page.getByLabel('New signing secret').count(), 0, 'the secret is gone after a reload');
      assert.ok(!(await page.content()).includes(rotated));
    });

    it('edits the URL, description and events', async () => {
      const { page } = opened;
      await page.getByRole('button', { name: 'Edit' }).click();
      const form = page.getByRole('form', { name: 'Edit the webhook' });
      await form.getByLabel('Description').fill('to the billing bot');
      await form.getByLabel('token.revoked revoked').uncheck();
      await form.getByLabel('token.deleted deleted').check();
      await checkAccessibility(page, 'the edit-webhook form');
      await form.getByRole('button', { name: 'Save changes' }).click();
      await page.getByRole('region', { name: 'Details' }).getByText('to the billing bot').waitFor();
      const saved = await ok<Webhook>(dashboard, dashboard.admin, 'GET', `/v1/webhooks/${webhook.id}`);
      assert.equal(saved.description, 'to the billing bot');
      assert.deepEqual([...saved.events].sort(), ['token.created', 'token.deleted', 'webhook.test']);
      assert.equal(saved.url, webhook.url);
    });

    it('pages through the delivery log', async () => {
      const { page } = opened;
      for (let i = 0; i < 25; i++) await ok(dashboard, dashboard.admin, 'POST', '/v1/tokens', { name: `batch ${i}` });
      await page.getByRole('button', { name: 'Refresh' }).click();
      const log = page.getByRole('table', { name: 'Deliveries, newest first' });
      await eventually('a full first page of deliveries', async () => (await log.getByRole('row').count()) === 26);
      const older = page.getByRole('navigation', { name: 'Pages of deliveries' }).getByRole('button', { name: 'Older' });
      await older.click();
      await page.getByText('Page 2').waitFor();
      // The oldest: the first token.created, before the tests and the batch.
      await rowWith(log, 'webhook.test').first().waitFor();
      assert.equal(await older.isDisabled(), true);
      await page.getByRole('button', { name: 'Newer' }).click();
      await page.getByText('Page 1').waitFor();
    });

    it('deletes the webhook behind its typed URL', async () => {
      const { page } = opened;
      await page.getByRole('button', { name: 'Delete…' }).click();
      const confirm = page.getByRole('button', { name: 'Delete webhook' });
      assert.equal(await confirm.isDisabled(), true);
      await page.getByLabel(/Type the webhook's URL/).fill(webhook.url);
      await checkAccessibility(page, 'the delete confirmation');
      await confirm.click();
      await page.getByRole('heading', { level: 1, name: 'Webhook deleted' }).waitFor();
      assert.equal((await call(dashboard, dashboard.admin, 'GET', `/v1/webhooks/${webhook.id}`)).status, 404);
    });

    it('explains a webhook tessera paused after failures', async () => {
      const { page } = opened;
      const down = '/hooks/down';
      receiver.answer = (p) => (p === down ? 503 : 200);
      const { webhook: failing } = await ok<{ webhook: Webhook }>(dashboard, dashboard.admin, 'POST', '/v1/webhooks', {
        url: `${receiver.url}${down}`,
        events: ['webhook.test'],
        installation: true,
      });
      await ok(dashboard, dashboard.admin, 'POST', `/v1/webhooks/${failing.id}/test`);
      await eventually(
        'tessera to pause the failing webhook',
        async () => (await ok<Webhook>(dashboard, dashboard.admin, 'GET', `/v1/webhooks/${failing.id}`)).status === 'paused',
      );
      await go(page, 'webhooks', 'Webhooks');
      const row = rowWith(page.getByRole('table', { name: 'Webhooks you may see, newest first' }), failing.url);
      await row.waitFor();
      assert.match(
        (await row.textContent()) ?? '',
        /installation\s*paused\s*tessera paused it after \d+ failed attempts in a row; events still queue, and resuming sends them/,
      );
      await row.getByRole('link').click();
      const log = page.getByRole('table', { name: 'Deliveries, newest first' });
      const attempt = rowWith(log, 'webhook.test');
      await attempt.waitFor();
      assert.match((await attempt.textContent()) ?? '', /503/);
      await page.getByRole('button', { name: 'Resume' }).waitFor();
      await checkAccessibility(page, 'a paused webhook');
    });
  });

  describe('at 390 px', () => {
    it('a team owner creates a webhook, reads its secret and sends a test', async () => {
      const opened = await openPage(browser, dashboard.url, 390);
      const { page } = opened;
      try {
        await page.goto('/');
        await signInThroughUi(page, alice.secret);
        await waitForAppShell(page);
        await go(page, 'webhooks', 'Webhooks');
        await page.getByText('No webhooks yet.').waitFor();
        await page.getByRole('button', { name: 'Create webhook' }).click();
        const form = page.getByRole('form', { name: 'Create a webhook' });
        const path = '/hooks/payments';
        await form.getByLabel('URL').fill(`${receiver.url}${path}`);
        // A member sees their writable teams, and no installation choice.
        const whose = form.getByLabel('Hears of');
        assert.deepEqual(await whose.locator('option').allTextContents(), ['Yours: your tokens outside any team', 'Team Payments']);
        await whose.selectOption({ label: 'Team Payments' });
        await form.getByLabel('webhook.test a test sent from its page').check();
        await form.getByLabel('token.created issued').check();
        await checkAccessibility(page, 'the create-webhook form at 390 px');
        await form.getByRole('button', { name: 'Create webhook' }).click();
        const secret = await page.getByLabel('Signing secret').inputValue();
        receiver.expect(path, secret);
        await checkAccessibility(page, 'a new webhook secret at 390 px');
        await page.getByRole('button', { name: 'I have copied it: hide the secret' }).click();
        const row = rowWith(page.getByRole('table', { name: 'Webhooks you may see, newest first' }), `${receiver.url}${path}`);
        assert.match((await row.textContent()) ?? '', /Payments\s*active/);
        await row.getByRole('link').click();
        await page.getByRole('heading', { level: 1, name: 'Webhook', exact: true }).waitFor();
        await page.getByRole('button', { name: 'Send a test event' }).click();
        await rowWith(page.getByRole('table', { name: 'Deliveries, newest first' }), 'webhook.test')
          .filter({ has: statusIs(page, 'delivered') })
          .waitFor();
        assert.equal(receiver.deliveredTo(path)[0]?.verifyError, undefined);
        await checkAccessibility(page, 'the webhook page at 390 px');
        const width = (await page.evaluate('document.documentElement.scrollWidth')) as number;
        assert.ok(width <= 390, `the page fits 390 px (it is ${width})`);
        assert.deepEqual(opened.problems(), []);
      } finally {
        await opened.context.close();
      }
    });
  });

  describe('who may do what', () => {
    it("a team viewer reads the team's webhook and its deliveries, with nothing to change them", async () => {
      const { webhook } = await ok<{ webhook: Webhook }>(dashboard, alice.secret, 'POST', '/v1/webhooks', {
        url: `${receiver.url}/hooks/viewer`,
        events: ['token.created'],
        teamId: team.id,
        description: 'payments feed',
      });
      const opened = await openPage(browser, dashboard.url, 1280);
      const { page } = opened;
      try {
        await page.goto('/');
        await signInThroughUi(page, bob.secret);
        await waitForAppShell(page);
        await go(page, 'webhooks', 'Webhooks');
        const row = rowWith(page.getByRole('table', { name: 'Webhooks you may see, newest first' }), webhook.url);
        await row.waitFor();
        assert.match((await row.textContent()) ?? '', /payments feed.*Payments\s*active/);
        // Bob may create his own, so the button is there; the team is not among his choices.
        await page.getByRole('button', { name: 'Create webhook' }).click();
        assert.deepEqual(await page.getByLabel('Hears of').locator('option').allTextContents(), ['Yours: your tokens outside any team']);
        await page.getByRole('button', { name: 'Cancel' }).click();
        await row.getByRole('link').click();
        await page.getByRole('heading', { level: 1, name: 'Webhook', exact: true }).waitFor();
        await page.getByText('You can read this webhook and its deliveries but not change them (a viewer of its team, or not its owner).').waitFor();
        await page.getByRole('table', { name: 'Deliveries, newest first' }).waitFor();
        for (const name of ['Edit', 'Pause', 'Send a test event', 'Rotate the secret', 'Delete…', 'Redeliver'])
          assert.equal(await page.getByRole('button', { name }).count(), 0, `no ${name} button`);
        await checkAccessibility(page, "a viewer's webhook page");
        assert.deepEqual(opened.problems(), []);
      } finally {
        await opened.context.close();
      }
    });

    it('without webhooks:read the section is not in the navigation', async () => {
      const opened = await openPage(browser, dashboard.url, 1280);
      const { page } = opened;
      try {
        await page.goto('/');
        await signInThroughUi(page, bob.narrow);
        await waitForAppShell(page);
        const nav = page.getByRole('navigation', { name: 'Sections' });
        await nav.getByRole('link', { name: 'Tokens' }).waitFor();
        assert.equal(await nav.getByRole('link', { name: 'Webhooks' }).count(), 0);
      } finally {
        await opened.context.close();
      }
    });
  });
});
