import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachApp, startHarness, type Harness } from '../support/app-harness.js';

const verify = (h: Harness, token: string, remoteAddress: string, ip?: string) =>
  h.request({ method: 'POST', url: '/v1/verify', remoteAddress, payload: { token, ...(ip ? { ip } : {}) } });
const unknown = (i: number) => `tsk_guess${i}`;

await describeEachApp(
  'Guard against guessing',
  (h) => {
    let good: string;
    before(async () => {
      good = (await h.request({ method: 'POST', url: '/v1/tokens', as: h.admin, payload: { name: 'good' } })).json().secret;
    });

    it('locks out the end client an API names after 5 unknown tokens, for every token, until a failure’s worth refills', async () => {
      for (let i = 0; i < 5; i++) assert.equal((await verify(h, unknown(i), '10.0.0.7', '192.0.2.7')).json().code, 'NOT_FOUND');
      const blocked = await verify(h, good, '10.0.0.7', '192.0.2.7');
      assert.equal(blocked.statusCode, 429);
      assert.equal(blocked.json().error.code, 'RATE_LIMITED');
      assert.ok(Number(blocked.headers['retry-after']) >= 1);
      // The API that asks on its customers' behalf is not the guesser: its other customers pass.
      assert.equal((await verify(h, good, '10.0.0.7', '192.0.2.8')).json().code, 'VALID');
      assert.equal((await verify(h, good, '10.0.0.7')).json().code, 'VALID');
      h.clock.advance(12_000);
      assert.equal((await verify(h, good, '10.0.0.7', '192.0.2.7')).json().code, 'VALID');
    });

    it('never locks out the caller that names no end client: only its failures past the budget are held back', async () => {
      h.clock.slept.length = 0;
      for (let i = 0; i < 20; i++) assert.equal((await verify(h, unknown(i), '10.0.0.9')).statusCode, 200);
      // The first five were within the budget; each one after it waited a failure's worth (60 s / 5).
      assert.deepEqual(h.clock.slept, Array(15).fill(12_000));
      h.clock.slept.length = 0;
      const valid = await verify(h, good, '10.0.0.9');
      assert.equal(valid.json().code, 'VALID');
      assert.deepEqual(h.clock.slept, [], 'a good token is answered at once');
      const whoami = await h.request({ method: 'GET', url: '/v1/whoami', remoteAddress: '10.0.0.9', as: h.admin });
      assert.equal(whoami.statusCode, 200, 'unknown tokens at /v1/verify never lock the address out of the management API');
    });

    it('counts an end client per API that names it: nobody locks an address out of every API by guessing in its name', async () => {
      for (let i = 0; i < 6; i++) await verify(h, unknown(i), '10.0.0.66', '203.0.113.50');
      assert.equal((await verify(h, good, '10.0.0.66', '203.0.113.50')).statusCode, 429, 'locked out at the API that asked');
      assert.equal((await verify(h, good, '10.0.0.67', '203.0.113.50')).json().code, 'VALID', 'not at another');
    });

    it('holds a batch back for each of its failures past the budget, as that many verifications', async () => {
      h.clock.slept.length = 0;
      const batch = await h.request({
        method: 'POST',
        url: '/v1/verify/batch',
        remoteAddress: '10.0.0.68',
        payload: { tokens: Array.from({ length: 8 }, (_, i) => unknown(i)) },
      });
      assert.equal(batch.statusCode, 200);
      assert.deepEqual(h.clock.slept, [3 * 12_000]);
    });

    it('counts an IPv6 end client by its /64, so fresh addresses of its own do not step around it', async () => {
      for (let i = 0; i < 5; i++) await verify(h, unknown(i), '10.0.0.10', `2001:db8:7:7::${i + 1}`);
      assert.equal((await verify(h, good, '10.0.0.10', '2001:db8:7:7:ffff::1')).statusCode, 429);
      assert.equal((await verify(h, good, '10.0.0.10', '2001:db8:7:8::1')).json().code, 'VALID');
    });

    it('refuses an end client that is not an IP address with 400, counting nothing', async () => {
      for (const ip of ['not-an-ip', '999.1.1.1', '10.0.0.1/8', `x${Math.random()}`]) {
        const res = await verify(h, good, '10.0.0.11', ip);
        assert.equal(res.statusCode, 400, ip);
        assert.equal(res.json().error.code, 'VALIDATION_ERROR');
      }
    });

    it('guards the batch, /edge/validate and Edge Config reads as well', async () => {
      const batch = await h.request({
        method: 'POST',
        url: '/v1/verify/batch',
        remoteAddress: '10.0.0.12',
        payload: { ip: '192.0.2.12', tokens: [0, 1, 2, 3, 4].map(unknown) },
      });
      assert.equal(batch.statusCode, 200);
      const after = await h.request({ method: 'POST', url: '/v1/verify/batch', remoteAddress: '10.0.0.12', payload: { ip: '192.0.2.12', tokens: [good] } });
      assert.equal(after.statusCode, 429);

      h.clock.slept.length = 0;
      for (let i = 0; i < 6; i++) {
        const res = await h.request({
          method: 'POST',
          url: '/edge/validate',
          remoteAddress: '10.0.0.13',
          payload: { tokens: [`*:development.${unknown(i)}`] },
        });
        assert.equal(res.statusCode, 200);
      }
      assert.deepEqual(h.clock.slept, [12_000], '/edge/validate holds back failures past the budget');

      const config = await h.request({ method: 'POST', url: '/v1/edge-config', as: h.admin, payload: { slug: 'guarded', items: { a: 1 } } });
      const id = config.json().id as string;
      const read = (token: string) => h.request({ method: 'GET', url: `/${id}/items?token=${token}`, remoteAddress: '10.0.0.14' });
      for (let i = 0; i < 5; i++) assert.equal((await read(`tsre_${String(i).repeat(36)}`)).statusCode, 401);
      const reader = (await h.request({ method: 'POST', url: `/v1/edge-config/${id}/token`, as: h.admin, payload: { label: 'r' } })).json().token;
      // A made-up token fails its checksum and never reaches the store; a well-formed unknown one counts.
      const wellFormed = (await h.request({ method: 'POST', url: '/v1/tokens', as: h.admin, payload: { name: 'gone', type: 'resource' } })).json();
      await h.request({ method: 'DELETE', url: `/v1/tokens/${wellFormed.token.id}`, as: h.admin });
      for (let i = 0; i < 5; i++) assert.equal((await read(wellFormed.secret)).statusCode, 401);
      assert.equal((await read(reader)).statusCode, 429, 'the reader from that address is locked out, good token included');
      assert.equal((await h.request({ method: 'GET', url: `/${id}/items?token=${reader}`, remoteAddress: '10.0.0.15' })).statusCode, 200);
    });

    it('guards reservations as verifications: the end client named by ip is locked out', async () => {
      const metered = (await h.request({ method: 'POST', url: '/v1/tokens', as: h.admin, payload: { name: 'metered', credits: '5' } })).json().secret;
      const reserve = (token: string) =>
        h.request({ method: 'POST', url: '/v1/credits/reserve', remoteAddress: '10.0.0.16', payload: { token, amount: '1', ttlMs: 60_000, ip: '192.0.2.16' } });
      for (let i = 0; i < 5; i++) assert.equal((await reserve(unknown(i))).json().code, 'NOT_FOUND');
      assert.equal((await reserve(metered)).statusCode, 429);
      const bad = await h.request({ method: 'POST', url: '/v1/credits/reserve', payload: { token: metered, amount: '1', ttlMs: 60_000, ip: 'nope' } });
      assert.equal(bad.statusCode, 400);
    });

    it('locks out an address after 5 bad management credentials, even with a good one', async () => {
      const call = (token: string) => h.request({ method: 'GET', url: '/v1/whoami', remoteAddress: '10.0.1.1', headers: { authorization: `Bearer ${token}` } });
      for (let i = 0; i < 5; i++) assert.equal((await call(`tsr_wrong${i}`)).statusCode, 401);
      assert.equal((await call(h.admin)).statusCode, 429);
      const elsewhere = await h.request({ method: 'GET', url: '/v1/whoami', remoteAddress: '10.0.1.2', as: h.admin });
      assert.equal(elsewhere.statusCode, 200);
      // Its customers' verifications through that address are another count.
      assert.equal((await verify(h, good, '10.0.1.1')).json().code, 'VALID');
    });
  },
  { failedAttemptsPerMinute: 5 },
);

it('the README quickstart: 101 unknown tokens through one API server lock out neither it nor its admin', async () => {
  const h = await startHarness(undefined, { failedAttemptsPerMinute: 100 });
  try {
    const good = (await h.request({ method: 'POST', url: '/v1/tokens', as: h.admin, payload: { name: 'good' } })).json().secret;
    for (let i = 0; i < 101; i++) assert.equal((await verify(h, unknown(i), '10.9.9.9')).json().code, 'NOT_FOUND');
    assert.equal((await verify(h, good, '10.9.9.9')).json().code, 'VALID');
    assert.equal((await h.request({ method: 'GET', url: '/v1/whoami', remoteAddress: '10.9.9.9', as: h.admin })).statusCode, 200);
    // The 101st failure was past the default budget of 100 a minute: held back 600 ms.
    assert.deepEqual(h.clock.slept, [600]);
    // Naming the end client, that client is locked out past 100.
    for (let i = 0; i < 100; i++) await verify(h, unknown(i), '10.9.9.9', '198.51.100.1');
    assert.equal((await verify(h, good, '10.9.9.9', '198.51.100.1')).statusCode, 429);
  } finally {
    await h.close();
  }
});
