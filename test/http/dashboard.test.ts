import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import { DEFAULT_WEB_ROOT } from '../../src/http/routes/dashboard-routes.js';
import { startHarness, type Harness } from '../support/app-harness.js';

const CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
const INDEX =
  '<!doctype html><html lang="en"><head><title>tessera</title><script type="module" src="/assets/index-Ab12Cd34.js"></script></head><body></body></html>';
const SCRIPT = 'console.log("dashboard");';

describe('serving the dashboard at /', () => {
  let h: Harness;
  let root: string;
  const apps: FastifyInstance[] = [];
  let app: FastifyInstance;
  before(async () => {
    h = await startHarness();
    root = mkdtempSync(join(tmpdir(), 'tessera-web-'));
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), INDEX);
    writeFileSync(join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(join(root, 'assets', 'index-Ab12Cd34.js'), SCRIPT);
    writeFileSync(join(root, 'assets', '.hidden'), 'secret');
    writeFileSync(join(root, 'outside.txt'), 'not an asset');
    app = await buildApp(h.services, { webRoot: root });
    apps.push(app);
  });
  after(async () => {
    await Promise.all(apps.map((a) => a.close()));
    await h.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('answers GET / and /index.html with the page, revalidated each time, under a strict CSP', async () => {
    for (const url of ['/', '/index.html']) {
      const res = await app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200, url);
      assert.equal(res.body, INDEX);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.equal(res.headers['cache-control'], 'no-cache');
      assert.equal(res.headers['content-security-policy'], CSP);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['referrer-policy'], 'no-referrer');
      assert.ok(res.headers.etag ?? res.headers['last-modified'], 'a validator to revalidate with');
    }
    const head = await app.inject({ method: 'HEAD', url: '/' });
    assert.equal(head.statusCode, 200);
    assert.equal(head.body, '');
  });

  it('serves hashed assets for a year, immutable, and the icon', async () => {
    const res = await app.inject({ method: 'GET', url: '/assets/index-Ab12Cd34.js' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, SCRIPT);
    assert.match(String(res.headers['content-type']), /javascript/);
    assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    const icon = await app.inject({ method: 'GET', url: '/favicon.svg' });
    assert.equal(icon.statusCode, 200);
    assert.match(String(icon.headers['content-type']), /^image\/svg\+xml/);
  });

  it('answers 404 for a missing asset, and never serves outside assets/, dotfiles or the filesystem', async () => {
    assert.equal((await app.inject({ method: 'GET', url: '/assets/index-missing.js' })).statusCode, 404);
    for (const url of [
      '/assets/../outside.txt',
      '/assets/%2e%2e/outside.txt',
      '/assets/..%2foutside.txt',
      '/assets/.hidden',
      '/assets/%2e%2e%2f%2e%2e%2fpackage.json',
      '/outside.txt',
    ]) {
      const res = await app.inject({ method: 'GET', url });
      assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${url}: ${res.statusCode}`);
      assert.ok(!res.body.includes('not an asset') && !res.body.includes('secret'), url);
    }
  });

  it('leaves the other root-level routes alone: Edge Config reads, the API, unknown paths', async () => {
    const config = (await h.request({ method: 'POST', url: '/v1/edge-config', as: h.admin, payload: { slug: 'beside-dashboard', items: { a: 1 } } })).json().id;
    const reader = (await h.request({ method: 'POST', url: `/v1/edge-config/${config}/token`, as: h.admin, payload: { label: 'r' } })).json().token;
    const items = await app.inject({ method: 'GET', url: `/${config}/items?token=${reader}` });
    assert.equal(items.statusCode, 200, items.body);
    assert.deepEqual(items.json(), { a: 1 });
    assert.equal((await app.inject({ method: 'GET', url: `/${config}/item/a?token=${reader}` })).json(), 1);
    assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    const unknown = await app.inject({ method: 'GET', url: '/tokens' });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.headers['content-security-policy'], undefined);
  });

  it('keeps the dashboard’s routes out of the OpenAPI document', async () => {
    const paths = Object.keys((await app.inject({ method: 'GET', url: '/openapi.json' })).json().paths);
    assert.deepEqual(
      paths.filter((p) => p === '/' || p.startsWith('/assets') || p === '/index.html' || p === '/favicon.svg'),
      [],
    );
  });

  it('says to run npm run build when the dashboard is not built', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'tessera-noweb-'));
    try {
      const bare = await buildApp(h.services, { webRoot: empty });
      apps.push(bare);
      const res = await bare.inject({ method: 'GET', url: '/' });
      assert.equal(res.statusCode, 503);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.match(res.body, /npm run build/);
      assert.equal(res.headers['content-security-policy'], CSP);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('looks for the built dashboard in dist/web/ by default', () => {
    assert.equal(DEFAULT_WEB_ROOT, fileURLToPath(new URL('../../web/', import.meta.url)));
  });
});
