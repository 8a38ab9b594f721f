import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { it } from 'node:test';
import { buildApp } from '../../src/http/app.js';
import { loggerOptions } from '../../src/http/logger.js';
import { withHarness } from '../support/app-harness.js';

it('logs route patterns, never a URL that carries a secret: paths, queries, any spelling', () =>
  withHarness(async (h) => {
    const lines: Array<Record<string, any>> = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const app = await buildApp(h.services, { logger: { ...(loggerOptions('info') as object), stream } as never });
    try {
      const as = { authorization: `Bearer ${h.admin}` };
      const issue = async (payload: object) =>
        (await app.inject({ method: 'POST', url: '/v1/tokens', headers: as, payload })).json() as { token: { id: string }; secret: string };
      const vida = await issue({ name: 'vida', type: 'personal' });
      const metered = await issue({ name: 'metered', credits: '10' });
      const config = (await app.inject({ method: 'POST', url: '/v1/edge-config', headers: as, payload: { slug: 'logged' } })).json();
      const reader = (await app.inject({ method: 'POST', url: `/v1/edge-config/${config.id}/token`, headers: as, payload: { label: 'r' } })).json();
      const reservation = (await app.inject({ method: 'POST', url: '/v1/credits/reserve', payload: { token: metered.secret, amount: '1', ttlMs: 60_000 } })).json();
      assert.equal(reservation.valid, true);
      lines.length = 0;

      await app.inject({ method: 'GET', url: `/v1/edge-config/${config.id}/token/${reader.token}`, headers: as });
      await app.inject({ method: 'GET', url: `/v1/credits/${reservation.reservationId}` });
      await app.inject({ method: 'POST', url: `/v1/credits/${reservation.reservationId}/commit`, payload: { amount: '1' } });
      await app.inject({ method: 'GET', url: `/v1/whoami?%74oken=${h.admin}` });
      await app.inject({ method: 'GET', url: `/${config.id}/items?token=${reader.token}` });
      await app.inject({ method: 'GET', url: `/no/such/route/${metered.secret}?token=${metered.secret}` });
      await app.inject({ method: 'DELETE', url: `/api/v2/tokens/${vida.secret}?token=${h.admin}` });

      const text = JSON.stringify(lines);
      for (const secret of [h.admin, vida.secret, metered.secret, reader.token, reservation.reservationId]) {
        assert.equal(text.includes(secret), false, `a secret reached the log: ${secret.slice(0, 8)}…`);
      }
      const routes = lines.filter((l) => l.req).map((l) => l.req.route);
      assert.deepEqual(routes, [
        '/v1/edge-config/:edgeConfigId/token/:token',
        '/v1/credits/:reservationId',
        '/v1/credits/:reservationId/commit',
        '/v1/whoami',
        '/:edgeConfigId/items',
        '(unmatched)',
        '/api/v2/tokens/:token',
      ]);
    } finally {
      await app.close();
    }
  }));
