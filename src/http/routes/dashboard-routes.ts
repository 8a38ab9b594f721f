import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';

/** Where `npm run build` (vite build) puts the dashboard: dist/web/, three levels up from dist/src/http/routes/. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../../web/', import.meta.url));

/**
 * The dashboard's page may load and reach nothing but this server: no inline script or style, no
 * frame around it, no form posting elsewhere, no <base> rewriting its URLs.
 */
export const DASHBOARD_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)+$/;

const NOT_BUILT = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>tessera: dashboard not built</title></head>
<body>
<main>
<h1>The dashboard has not been built</h1>
<p>This tessera has no <code>dist/web/index.html</code>. Run <code>npm run build</code> (or <code>npm ci</code>, which runs it) in its directory, then reload this page.</p>
<p>The API works meanwhile: see <a href="/docs">/docs</a>.</p>
</main>
</body>
</html>
`;

/**
 * The dashboard (web/, built into dist/web/) at `/`. Its routes are hash routes (`/#/tokens`), so
 * only `/`, `/index.html`, `/favicon.svg` and `/assets/*` are served: nothing else at the root,
 * where Vercel Edge Config reads live (`/{edgeConfigId}/items`), is taken. The routes are hidden
 * from the OpenAPI document, and so from the authorization matrix: they serve the same public
 * files to everyone, and the page signs in through the API.
 */
export function dashboardRoutes(options: { root?: string } = {}): FastifyPluginAsync {
  const root = options.root ?? DEFAULT_WEB_ROOT;
  return async (app) => {
    // Only reply.sendFile: no wildcard route of its own, which would take every path at the root.
    await app.register(fastifyStatic, { root, serve: false });

    const page = async (_request: unknown, reply: FastifyReply) => {
      htmlHeaders(reply);
      if (!(await exists(join(root, 'index.html')))) {
        return reply.code(503).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT);
      }
      // Revalidated on every load (ETag, Last-Modified): a new build's hashed assets are picked up at once.
      return reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });
    };
    const hidden = { schema: { hide: true } };
    app.get('/', hidden, page);
    app.get('/index.html', hidden, page);
    app.get('/favicon.svg', hidden, async (_request, reply) => {
      reply.header('x-content-type-options', 'nosniff');
      return reply.sendFile('favicon.svg', { maxAge: 86_400_000, immutable: false });
    });
    app.get<{ Params: { '*': string } }>('/assets/*', hidden, async (request, reply) => {
      // Vite writes flat, hashed names (index-ABCnUqmG.js): anything else, a `..` or a dotfile above all, is not an asset.
      if (!ASSET_NAME.test(request.params['*'])) return reply.callNotFound();
      reply.header('x-content-type-options', 'nosniff');
      // Vite names every asset by its content's hash: a name never changes content, so it is cached for a year.
      return reply.sendFile(`assets/${request.params['*']}`, { maxAge: 365 * 86_400_000, immutable: true, dotfiles: 'deny' });
    });
  };
}

function htmlHeaders(reply: FastifyReply): void {
  reply.header('content-security-policy', DASHBOARD_CSP);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
