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
    // At level debug, the most a log says: every request, verifications too, and their starts.
    const app = await buildApp(h.services, { logger: { ...(loggerOptions('debug') as object), stream } as never });
    try {
      const as = { authorization: `Bearer ${h.admin}` };
      const issue = async (payload: object) =>
        (await app.inject({ method: 'POST', url: '/v1/tokens', headers: as, payload })).json() as { token: { id: string }; secret: string };
      const vida = await issue({ name: 'vida', type: 'personal' });
      const metered = await issue({ name: 'metered', credits: '10' });
      const config = (await app.inject({ method: 'POST', url: '/v1/edge-config', headers: as, payload: { slug: 'logged' } })).json();
      const reader = (await app.inject({ method: 'POST', url: `/v1/edge-config/${config.id}/token`, headers: as, payload: { label: 'r' } })).json();
      const reservation = (
        await app.inject({ method: 'POST', url: '/v1/credits/reserve', payload: { token: metered.secret, amount: '1', ttlMs: 60_000 } })
      ).json();
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
      const routes = lines.filter((l) => l.msg === 'request completed').map((l) => l.req.route);
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

it('writes one line a management request at level info (what was asked, by whom, the outcome); verifications and request starts only at debug', () =>
  withHarness(async (h) => {
    const collect = (into: Array<Record<string, any>>) =>
      new Writable({
        write(chunk, _encoding, done) {
          for (const line of String(chunk).split('\n').filter(Boolean)) into.push(JSON.parse(line));
          done();
        },
      });
    const info: Array<Record<string, any>> = [];
    const debug: Array<Record<string, any>> = [];
    const apps = [
      await buildApp(h.services, { logger: { ...(loggerOptions('info') as object), stream: collect(info) } as never }),
      await buildApp(h.services, { logger: { ...(loggerOptions('debug') as object), stream: collect(debug) } as never }),
    ];
    try {
      const admin = (await apps[0]!.inject({ method: 'GET', url: '/v1/whoami', headers: { authorization: `Bearer ${h.admin}` } })).json() as {
        token: { id: string };
      };
      for (const app of apps) {
        await app.inject({ method: 'GET', url: '/v1/tokens', headers: { authorization: `Bearer ${h.admin}` } });
        await app.inject({ method: 'POST', url: '/v1/verify', payload: { token: 'tsr_not_a_token' } });
      }
      const requests = (lines: Array<Record<string, any>>) => lines.filter((line) => line.reqId !== undefined && line.req?.route !== '/v1/whoami');
      assert.deepEqual(
        requests(info).map((line) => [line.msg, line.req.method, line.req.route, line.res?.statusCode, line.tokenId]),
        [['request completed', 'GET', '/v1/tokens', 200, admin.token.id]],
      );
      for (const line of requests(info)) assert.equal(typeof line.responseTime, 'number');
      assert.deepEqual(
        requests(debug).map((line) => [line.msg, line.req.route]),
        [
          ['incoming request', '/v1/tokens'],
          ['request completed', '/v1/tokens'],
          ['incoming request', '/v1/verify'],
          ['request completed', '/v1/verify'],
        ],
      );
    } finally {
      for (const app of apps) await app.close();
    }
  }));
