import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { createClient } from '@vercel/edge-config';
import { Vercel } from '@vercel/sdk';
import { describeEachApp } from '../support/app-harness.js';
import { storeSnapshot } from '../support/store-snapshot.js';

await describeEachApp(
  'Vercel Edge Config',
  (h) => {
    let serverURL: string;
    before(async () => {
      h.clock.time = Date.now();
      serverURL = await h.app.listen({ host: '127.0.0.1', port: 0 });
    });
    const createConfig = async (as: string, slug: string, items: Record<string, unknown> = {}, query = '') => {
      const res = await h.request({ method: 'POST', url: `/v1/edge-config${query}`, as, payload: { slug, items } });
      assert.equal(res.statusCode, 201, res.body);
      return res.json().id as string;
    };

    it('@vercel/sdk creates a config and manages its tokens; @vercel/edge-config reads it until the token is deleted', async () => {
      const user = await h.user('edge user');
      const vercel = new Vercel({ bearerToken: user.secret, serverURL });
      const config = await vercel.globalConfig.createEdgeConfig({ requestBody: { slug: 'flags', items: { greeting: 'hello', limits: { rps: 5 } } } });
      assert.match(config.id, /^ecfg_/);
      assert.equal(config.itemCount, 2);

      const created = await vercel.globalConfig.createEdgeConfigToken({ edgeConfigId: config.id, requestBody: { label: 'reader' } });
      assert.match(created.token, /^tsre_/);
      const read = await vercel.globalConfig.getEdgeConfigToken({ edgeConfigId: config.id, token: created.token });
      assert.deepEqual(read, {
        createdAt: read.createdAt,
        edgeConfigId: config.id,
        id: created.id,
        label: 'reader',
        partialToken: `tsre_…${created.token.slice(-4)}`,
      });

      const client = createClient(`${serverURL}/${config.id}?token=${created.token}`);
      assert.equal(await client.get('greeting'), 'hello');
      assert.deepEqual(await client.get('limits'), { rps: 5 });
      assert.equal(await client.get('missing'), undefined);
      assert.equal(await client.has('greeting'), true);
      assert.equal(await client.has('missing'), false);
      assert.deepEqual(await client.getAll(), { greeting: 'hello', limits: { rps: 5 } });
      assert.deepEqual(await client.getAll(['greeting', 'missing']), { greeting: 'hello' });
      assert.equal(await client.digest(), config.digest);

      const patched = await h.request({
        method: 'PATCH',
        url: `/v1/global-config/${config.id}/items`,
        as: user.secret,
        payload: {
          items: [
            { operation: 'update', key: 'greeting', value: 'hi' },
            { operation: 'delete', key: 'limits' },
          ],
        },
      });
      assert.equal(patched.statusCode, 200, patched.body);
      assert.equal(await client.get('greeting'), 'hi');
      assert.notEqual(await client.digest(), config.digest);

      await vercel.globalConfig.deleteEdgeConfigTokens({ edgeConfigId: config.id, requestBody: { tokens: [created.token] } });
      await assert.rejects(client.get('greeting'), /Unauthorized/i);
    });

    it('answers ETag and 304, and a missing key 404 with the digest header, an unknown config 404 without', async () => {
      const id = await createConfig(h.admin, 'etags', { a: 1 });
      const token = (await h.request({ method: 'POST', url: `/v1/edge-config/${id}/token`, as: h.admin, payload: { label: 't' } })).json().token;
      const auth = { authorization: `Bearer ${token}` };
      const first = await h.request({ method: 'GET', url: `/${id}/items?version=1`, headers: auth });
      assert.equal(first.statusCode, 200);
      const again = await h.request({ method: 'GET', url: `/${id}/items?version=1`, headers: { ...auth, 'if-none-match': String(first.headers.etag) } });
      assert.equal(again.statusCode, 304);
      const missing = await h.request({ method: 'GET', url: `/${id}/item/nope?version=1`, headers: auth });
      assert.equal(missing.statusCode, 404);
      assert.ok(missing.headers['x-edge-config-digest']);
      const head = await h.request({ method: 'HEAD', url: `/${id}/item/a?version=1`, headers: auth });
      assert.equal(head.statusCode, 200);
      const unknown = await h.request({ method: 'GET', url: '/ecfg_unknown/items?version=1', headers: auth });
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.headers['x-edge-config-digest'], undefined);
      const other = await createConfig(h.admin, 'other');
      assert.equal((await h.request({ method: 'GET', url: `/${other}/items`, headers: auth })).statusCode, 401, 'a token reads only its own config');
      assert.equal((await h.request({ method: 'GET', url: `/${id}/items` })).statusCode, 401);
    });

    it('refuses bad labels (400), duplicates (409), the plan limit (402), other teams (403) and unknown configs (404)', async () => {
      const owner = await h.user('ec owner');
      const stranger = await h.user('ec stranger');
      const team = (await h.request({ method: 'POST', url: '/v1/teams', as: owner.secret, payload: { slug: 'ec-team' } })).json().team;
      const id = await createConfig(owner.secret, 'limited', {}, `?teamId=${team.id}`);
      const token = (label: unknown, as = owner.secret, extra: object = {}) =>
        h.request({ method: 'POST', url: `/v1/edge-config/${id}/token`, as, payload: { label, ...extra } });
      assert.equal((await token('x'.repeat(53))).statusCode, 400);
      assert.equal((await token('ok', owner.secret, { extra: 1 })).statusCode, 400);
      assert.equal((await token(5)).statusCode, 400);
      assert.equal((await token('one')).statusCode, 201);
      const dup = await token('one');
      assert.equal(dup.statusCode, 409);
      assert.equal(dup.json().error.code, 'conflict');
      assert.equal((await token('two')).statusCode, 201);
      const limit = await token('three');
      assert.equal(limit.statusCode, 402);
      assert.equal(limit.json().error.code, 'payment_required');
      assert.equal((await token('mine', stranger.secret)).statusCode, 403);
      assert.equal((await h.request({ method: 'GET', url: `/v1/edge-config/${id}`, as: stranger.secret })).statusCode, 403);
      assert.equal((await h.request({ method: 'POST', url: '/v1/edge-config/ecfg_nope/token', as: owner.secret, payload: { label: 'x' } })).statusCode, 404);
      assert.equal((await token('anon', '')).statusCode, 401);
      const listed = await h.request({ method: 'GET', url: `/v1/global-config/${id}/tokens`, as: owner.secret });
      assert.deepEqual(
        listed
          .json()
          .map((t: { label: string }) => t.label)
          .sort(),
        ['one', 'two'],
      );
    });

    it('refuses an item nested deeper than 32 levels with 400, on create and on PATCH, changing nothing', async () => {
      // `depth` levels of objects, written as text: JSON.stringify itself overflows on the deepest.
      const nested = (depth: number) => `${'{"a":'.repeat(depth - 1)}{"leaf":1}${'}'.repeat(depth - 1)}`;
      const json = { 'content-type': 'application/json' };
      const create = (slug: string, depth: number) =>
        h.request({ method: 'POST', url: '/v1/edge-config', as: h.admin, headers: json, payload: `{"slug":"${slug}","items":{"deep":${nested(depth)}}}` });
      const id = await createConfig(h.admin, 'shallow', { kept: 1 });
      const patch = (operation: string, key: string, depth: number) =>
        h.request({
          method: 'PATCH',
          url: `/v1/edge-config/${id}/items`,
          as: h.admin,
          headers: json,
          payload: `{"items":[{"operation":"${operation}","key":"${key}","value":${nested(depth)}}]}`,
        });
      const config = await h.stores.edgeConfigs.find(id);
      const before = await storeSnapshot(h);
      for (const depth of [33, 5000]) {
        for (const res of [
          await create('too-deep', depth),
          await patch('create', 'deep', depth),
          await patch('upsert', 'deep', depth),
          await patch('update', 'kept', depth),
        ]) {
          assert.equal(res.statusCode, 400, `${depth} levels: ${res.body}`);
          assert.equal(res.json().error.code, 'bad_request');
        }
      }
      assert.deepEqual(await h.stores.edgeConfigs.find(id), config);
      assert.equal(await storeSnapshot(h), before);
      // 32 levels are kept, and the refused create took no slug.
      assert.equal((await create('too-deep', 32)).statusCode, 201);
      assert.equal((await patch('upsert', 'deep', 32)).statusCode, 200);
    });

    it('refuses an item keyed __proto__ with 400, whatever the operation, changing nothing', async () => {
      const id = await createConfig(h.admin, 'proto', { kept: 1 });
      const patch = (items: object[]) => h.request({ method: 'PATCH', url: `/v1/edge-config/${id}/items`, as: h.admin, payload: { items } });
      const config = await h.stores.edgeConfigs.find(id);
      const before = await storeSnapshot(h);
      const refused = [
        ...['create', 'upsert', 'update', 'delete'].map((operation) => () => patch([{ operation, key: '__proto__', value: 1 }])),
        // The whole patch is refused, the good item before it too.
        () =>
          patch([
            { operation: 'upsert', key: 'kept', value: 2 },
            { operation: 'create', key: '__proto__', value: { polluted: true } },
          ]),
        () =>
          h.request({
            method: 'POST',
            url: '/v1/edge-config',
            as: h.admin,
            headers: { 'content-type': 'application/json' },
            payload: '{"slug":"proto-2","items":{"__proto__":1}}',
          }),
      ];
      for (const send of refused) {
        const res = await send();
        assert.equal(res.statusCode, 400, res.body);
        assert.equal(res.json().error.code, 'bad_request');
      }
      assert.deepEqual(await h.stores.edgeConfigs.find(id), config);
      assert.equal(await storeSnapshot(h), before);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });

    it('a read is a verification of the reader: its rate limits, credits and IP allowlist apply', async () => {
      const id = await createConfig(h.admin, 'metered-reads', { a: 1 });
      const reader = (await h.request({ method: 'POST', url: `/v1/edge-config/${id}/token`, as: h.admin, payload: { label: 'limited' } })).json();
      await h.request({
        method: 'PATCH',
        url: `/v1/tokens/${reader.id}`,
        as: h.admin,
        payload: { rateLimits: [{ name: 'reads', limit: 2, durationMs: 600_000 }] },
      });
      const read = () => h.request({ method: 'GET', url: `/${id}/items?token=${reader.token}` });
      assert.equal((await read()).statusCode, 200);
      assert.equal((await read()).statusCode, 200);
      const limited = await read();
      assert.equal(limited.statusCode, 429);
      assert.ok(limited.headers['retry-after']);

      const pinned = (await h.request({ method: 'POST', url: `/v1/edge-config/${id}/token`, as: h.admin, payload: { label: 'pinned' } })).json();
      await h.request({ method: 'PATCH', url: `/v1/tokens/${pinned.id}`, as: h.admin, payload: { ipAllowlist: ['10.0.0.0/8'] } });
      const from = (remoteAddress: string) => h.request({ method: 'GET', url: `/${id}/items?token=${pinned.token}`, remoteAddress });
      assert.equal((await from('10.1.1.1')).statusCode, 200);
      assert.equal((await from('192.0.2.1')).statusCode, 401);
    });

    it("reads an item whose key is as long as a key may be, and answers a longer one in Vercel's shape", async () => {
      // 256 characters, 128 of them outside the BMP: 384 UTF-16 code units, and 1 280 characters percent-encoded.
      const key = `${'k'.repeat(128)}${'😀'.repeat(128)}`;
      const id = await createConfig(h.admin, 'long-keys', { [key]: 'long' });
      const token = (await h.request({ method: 'POST', url: `/v1/edge-config/${id}/token`, as: h.admin, payload: { label: 'reader' } })).json().token;
      const auth = { authorization: `Bearer ${token}` };
      const read = await h.request({ method: 'GET', url: `/${id}/item/${encodeURIComponent(key)}`, headers: auth });
      assert.equal(read.statusCode, 200, read.body);
      assert.equal(read.json(), 'long');
      const tooLong = await h.request({ method: 'GET', url: `/${id}/item/${'k'.repeat(257)}`, headers: auth });
      assert.equal(tooLong.statusCode, 400);
      assert.equal(tooLong.json().error.code, 'bad_request');
      const longId = await h.request({ method: 'GET', url: `/v1/edge-config/${'e'.repeat(500)}`, as: h.admin });
      assert.equal(longId.statusCode, 400);
      assert.equal(longId.json().error.code, 'bad_request');
    });

    it('DELETE …/tokens that names one token it cannot find deletes none and answers 404', async () => {
      const id = await createConfig(h.admin, 'all-or-nothing');
      const created = [];
      for (const label of ['a', 'b'])
        created.push((await h.request({ method: 'POST', url: `/v1/edge-config/${id}/token`, as: h.admin, payload: { label } })).json());
      const labels = async () =>
        (await h.request({ method: 'GET', url: `/v1/edge-config/${id}/tokens`, as: h.admin }))
          .json()
          .map((t: { label: string }) => t.label)
          .sort();
      const other = await createConfig(h.admin, 'all-or-nothing-other');
      const elsewhere = (await h.request({ method: 'POST', url: `/v1/edge-config/${other}/token`, as: h.admin, payload: { label: 'c' } })).json();

      // The unknown one comes last, so a route that deletes as it goes has deleted the others by then.
      for (const body of [{ tokens: [created[0].token, 'tsre_unknown'] }, { ids: [created[0].id, created[1].id, elsewhere.id] }]) {
        const res = await h.request({ method: 'DELETE', url: `/v1/edge-config/${id}/tokens`, as: h.admin, payload: body });
        assert.equal(res.statusCode, 404, res.body);
        assert.deepEqual(await labels(), ['a', 'b']);
      }
      const read = await h.request({ method: 'GET', url: `/${id}/items`, headers: { authorization: `Bearer ${created[0].token}` } });
      assert.equal(read.statusCode, 200, 'the token named first still reads');
    });

    it("the config's owner manages every token it lists, an admin's included; naming one twice deletes it once", async () => {
      const owner = await h.user('config owner');
      const id = await createConfig(owner.secret, 'owned');
      const byAdmin = (await h.request({ method: 'POST', url: `/v1/edge-config/${id}/token`, as: h.admin, payload: { label: 'by admin' } })).json();
      const listed = await h.request({ method: 'GET', url: `/v1/edge-config/${id}/tokens`, as: owner.secret });
      assert.deepEqual(
        listed.json().map((t: { id: string }) => t.id),
        [byAdmin.id],
      );
      const read = await h.request({ method: 'GET', url: `/v1/edge-config/${id}/token/${byAdmin.id}`, as: owner.secret });
      assert.equal(read.statusCode, 200, read.body);

      const res = await h.request({
        method: 'DELETE',
        url: `/v1/edge-config/${id}/tokens`,
        as: owner.secret,
        payload: { tokens: [byAdmin.token], ids: [byAdmin.id] },
      });
      assert.equal(res.statusCode, 204, res.body);
      assert.equal(await h.stores.tokens.findById(byAdmin.id), undefined);
      assert.equal((await h.request({ method: 'GET', url: `/${id}/items`, headers: { authorization: `Bearer ${byAdmin.token}` } })).statusCode, 401);
    });
  },
  { edgeConfigTokenLimit: 2 },
);
