import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { generateSecret } from '../../../src/core/secret.js';
import { sqliteBackend, type ServerBackend } from '../../support/server-backends.js';
import { startServerProcess, type ServerProcess } from '../../support/server-process.js';

/** Debian's Chromium (apt-get install chromium): the only browser these tests use; none is ever downloaded. */
export const CHROMIUM = '/usr/bin/chromium';

/** The repository (from dist/test/browser/support/), where web/ and dist/web/ are. */
const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const WEB_SOURCE = join(REPO, 'web');
const WEB_BUILD = join(REPO, 'dist', 'web');

/**
 * Why the browser tests cannot run here (no Chromium), or undefined when they can. With
 * TESSERA_REQUIRE_BROWSER=1 (CI) a missing Chromium is a failure, not a skip.
 */
export function browserMissing(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const reason = `Chromium is not installed at ${CHROMIUM} (apt-get install chromium)`;
  if (process.env.TESSERA_REQUIRE_BROWSER === '1') throw new Error(`TESSERA_REQUIRE_BROWSER=1 but ${reason}`);
  return reason;
}

/** Debian's Chromium, headless, with nothing that reaches the network on its own. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/** The newest modification time under `path` (a file, or a directory walked whole). */
function newestChange(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestChange(join(path, name))));
}

/**
 * Builds the dashboard into dist/web/ (vite build, about a second) when it is missing or older
 * than web/: `npm test` starts from an empty dist/ and builds only the TypeScript. A lock
 * directory keeps two test processes from building into it at once.
 */
export async function ensureDashboardBuilt(): Promise<void> {
  const index = join(WEB_BUILD, 'index.html');
  const fresh = () => existsSync(index) && statSync(index).mtimeMs >= newestChange(WEB_SOURCE);
  if (fresh()) return;
  const lock = join(REPO, 'dist', '.web-build-lock');
  mkdirSync(dirname(lock), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another process builds; it removes the lock when done (a stale one after a crash is removed after a minute).
      if (Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 60_000) rmSync(lock, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    if (fresh()) return;
    const vite = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin', 'vite.js');
    execFileSync(process.execPath, [vite, 'build', '--config', join(WEB_SOURCE, 'vite.config.ts'), '--logLevel', 'warn'], { cwd: REPO, stdio: 'inherit' });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  assert.ok(existsSync(index), 'vite build wrote dist/web/index.html');
}

export interface DashboardServer {
  server: ServerProcess;
  url: string;
  /** The bootstrap admin's personal token. */
  admin: string;
  stop(): Promise<void>;
}

/** A real `tessera serve` (SQLite in a fresh data directory) with a bootstrap admin token, serving the built dashboard. */
export async function startDashboardServer(env: Record<string, string> = {}): Promise<DashboardServer> {
  await ensureDashboardBuilt();
  const admin = generateSecret('tsr', randomBytes);
  const backend: ServerBackend = await sqliteBackend();
  const server = await startServerProcess([...backend.args, '--log-level', 'warn'], { ...backend.env, TESSERA_BOOTSTRAP_TOKEN: admin, ...env });
  return {
    server,
    url: server.url,
    admin,
    async stop() {
      await server.stop();
      await backend.cleanup();
    },
  };
}

/**
 * Chromium and a dashboard server, started side by side. When one fails to start, the other is
 * stopped before the error goes on: a browser left running would keep the test process alive.
 */
export async function launchWithDashboard(env: Record<string, string> = {}): Promise<[Browser, DashboardServer]> {
  const [browser, dashboard] = await Promise.allSettled([launchBrowser(), startDashboardServer(env)]);
  if (browser.status === 'fulfilled' && dashboard.status === 'fulfilled') return [browser.value, dashboard.value];
  if (browser.status === 'fulfilled') await browser.value.close();
  if (dashboard.status === 'fulfilled') await dashboard.value.stop();
  throw browser.status === 'rejected' ? browser.reason : (dashboard as PromiseRejectedResult).reason;
}

export interface OpenedPage {
  context: BrowserContext;
  page: Page;
  /** Content-Security-Policy violations and uncaught errors the page reported so far. */
  problems(): string[];
}

/**
 * A fresh context (its own cookies and storage) and page at `width` px. Every CSP violation the
 * page reports and every uncaught error is kept for `problems()`: the dashboard must run under its
 * policy (no inline scripts or styles). A failed fetch (a 401 while signed out) is not a problem.
 */
export async function openPage(browser: Browser, baseUrl: string, width = 1280): Promise<OpenedPage> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width, height: 900 } });
  const page = await context.newPage();
  // A guard against a hang, not a measure of speed: nothing here is expected to take more than a few seconds.
  page.setDefaultTimeout(60_000);
  const problems: string[] = [];
  page.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) problems.push(`CSP: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  return { context, page, problems: () => [...problems] };
}

const AXE_SOURCE = readFileSync(join(dirname(createRequire(import.meta.url).resolve('axe-core')), 'axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  nodes: Array<{ target: unknown[]; failureSummary?: string }>;
}

/**
 * Runs axe-core over the page as it is and fails on every violation of impact serious or
 * critical, listed one per line with the elements it found. axe's source goes in through the
 * browser's debugging protocol, which the page's CSP does not govern: the page itself is left
 * exactly as served.
 */
export async function checkAccessibility(page: Page, where: string): Promise<void> {
  const loaded = await page.evaluate('typeof window.axe');
  if (loaded !== 'object') await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate('window.axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations)')) as AxeViolation[];
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const listed = serious.map(
    (v) =>
      `${v.id} (${v.impact}): ${v.help} — ${v.helpUrl}\n` +
      v.nodes.map((n) => `    ${n.target.map(String).join(' ')}: ${(n.failureSummary ?? '').replace(/\s+/g, ' ')}`).join('\n'),
  );
  assert.deepEqual(listed, [], `serious or critical accessibility violations on ${where}:\n${listed.join('\n')}`);
}

/** The sign-in page as the dashboard shows it when nobody is signed in. */
export async function waitForSignIn(page: Page): Promise<void> {
  await page.getByLabel('Personal token').waitFor();
}

/** Pastes `token` into the sign-in form and submits it, by keyboard as a person would. */
export async function signInThroughUi(page: Page, token: string): Promise<void> {
  await waitForSignIn(page);
  await page.getByLabel('Personal token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Waits for the signed-in app: the bar's Sign out button. */
export async function waitForAppShell(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

export async function signOutThroughUi(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await waitForSignIn(page);
}

/** docs/images/ of the repository (dist/test/browser/support/ is four levels below it). */
const DOCS_IMAGES = fileURLToPath(new URL('../../../../docs/images/', import.meta.url));

/**
 * A screenshot for the docs, `docs/images/<name>.png`, taken only when TESSERA_SCREENSHOTS=1 so
 * test runs leave the tree as it was; at `size` when given.
 */
export async function docsScreenshot(page: Page, name: string, size?: { width: number; height: number }): Promise<void> {
  if (process.env.TESSERA_SCREENSHOTS !== '1') return;
  mkdirSync(DOCS_IMAGES, { recursive: true });
  if (size) await page.setViewportSize(size);
  await page.screenshot({ path: `${DOCS_IMAGES}${name}.png` });
}
