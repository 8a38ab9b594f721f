import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient } from '@vercel/edge-config';
import { Vercel } from '@vercel/sdk';
import { Vercel as Vercel12 } from 'vercel-sdk-1-28-12';
import { postgresBackend, sqliteBackend, type ServerBackend } from '../support/server-backends.js';
import { bootstrapSecretIn, startServerProcess, type ServerProcess } from '../support/server-process.js';

/** A rejection check for both SDKs' errors, which carry the HTTP status. */
const status = (code: number) => (error: unknown) => {
  assert.equal((error as { statusCode?: number }).statusCode, code, String(error));
  return true;
};

for (const make of [sqliteBackend, postgresBackend]) {
  const backend = await make();
  const skip = typeof backend === 'string' ? backend : undefined;
  const name = typeof backend === 'string' ? 'postgres' : backend.name;

  describe(`the vendors' own clients against tessera serve on ${name}, over loopback`, { skip }, () => {
    const b = backend as ServerBackend;
    let server: ServerProcess | undefined;
    let url: string;
    let admin: string;
    before(async () => {
      server = await startServerProcess(b.args, b.env);
      url = server.url;
      const secret = bootstrapSecretIn(server.stderr());
      assert.ok(secret, `a first start prints the admin token:\n${server.stderr()}`);
      admin = secret;
    });
    after(async () => {
      await server?.stop();
      await b.cleanup();
    });
    const reader = (id: string, token: string) => createClient(`${url}/${id}?token=${token}`);

    it('@vercel/sdk creates, lists, reads (by id and as current) and deletes user tokens; a deleted one stops working', async () => {
      const vercel = new Vercel({ bearerToken: admin, serverURL: url });
      const expiresAt = Date.now() + 3_600_000;
      const created = await vercel.authentication.createAuthToken({ requestBody: { name: 'e2e deploy', expiresAt } });
      assert.equal(created.token.name, 'e2e deploy');
      assert.equal(created.token.expiresAt, expiresAt);
      assert.equal(created.token.suffix, created.bearerToken.slice(-4));

      const listed = await vercel.authentication.listAuthTokens();
      assert.ok(listed.tokens.some((t) => t.id === created.token.id));
      assert.equal(listed.pagination.count, listed.tokens.length);
      const byId = await vercel.authentication.getAuthToken({ tokenId: created.token.id });
      assert.deepEqual([byId.token.id, byId.token.name, byId.token.expiresAt], [created.token.id, 'e2e deploy', expiresAt]);

      const itself = new Vercel({ bearerToken: created.bearerToken, serverURL: url });
      const current = await itself.authentication.getAuthToken({ tokenId: 'current' });
      assert.equal(current.token.id, created.token.id);
      assert.deepEqual(await itself.authentication.deleteAuthToken({ tokenId: 'current' }), { tokenId: created.token.id });

      await assert.rejects(itself.authentication.getAuthToken({ tokenId: 'current' }), status(401));
      await assert.rejects(vercel.authentication.getAuthToken({ tokenId: created.token.id }), status(404));
      const remaining = await vercel.authentication.listAuthTokens();
      assert.equal(
        remaining.tokens.some((t) => t.id === created.token.id),
        false,
      );
    });

    it('@vercel/sdk (latest, /v1/global-config) manages an Edge Config token; @vercel/edge-config reads with it until it is deleted', async () => {
      const { globalConfig } = new Vercel({ bearerToken: admin, serverURL: url });
      const items = { greeting: 'hello', limits: { rps: 5 } };
      const config = await globalConfig.createEdgeConfig({ requestBody: { slug: `e2e-latest-${name}`, items } });
      const edgeConfigId = config.id;
      const created = await globalConfig.createEdgeConfigToken({ edgeConfigId, requestBody: { label: 'e2e reader' } });
      const read = await globalConfig.getEdgeConfigToken({ edgeConfigId, token: created.token });
      assert.deepEqual([read.id, read.label, read.edgeConfigId], [created.id, 'e2e reader', edgeConfigId]);

      const client = reader(edgeConfigId, created.token);
      assert.equal(await client.get('greeting'), 'hello');
      assert.deepEqual(await client.get('limits'), items.limits);
      assert.equal(await client.get('missing'), undefined);
      assert.equal(await client.has('greeting'), true);
      assert.equal(await client.has('missing'), false);
      assert.deepEqual(await client.getAll(), items);
      assert.deepEqual(await client.getAll(['limits', 'missing']), { limits: items.limits });
      assert.equal(await client.digest(), config.digest);

      await globalConfig.deleteEdgeConfigTokens({ edgeConfigId, requestBody: { tokens: [created.token] } });
      await assert.rejects(client.get('greeting'), /Unauthorized/);
      await assert.rejects(globalConfig.getEdgeConfigToken({ edgeConfigId, token: created.id }), status(404));
    });

    it('@vercel/sdk 1.28.12 (/v1/edge-config) creates, reads and patches a config and manages its tokens', async () => {
      const { edgeConfig } = new Vercel12({ bearerToken: admin, serverURL: url });
      const config = await edgeConfig.createEdgeConfig({ requestBody: { slug: `e2e-old-${name}`, items: { mode: 'a' } } });
      const edgeConfigId = config.id;
      const created = await edgeConfig.createEdgeConfigToken({ edgeConfigId, requestBody: { label: 'e2e old reader' } });
      const client = reader(edgeConfigId, created.token);
      assert.equal(await client.get('mode'), 'a');

      await edgeConfig.patchEdgeConfigItems({ edgeConfigId, requestBody: { items: [{ operation: 'upsert', key: 'mode', value: 'b' }] } });
      assert.equal(await client.get('mode'), 'b');
      const patched = await edgeConfig.getEdgeConfig({ edgeConfigId });
      assert.notEqual(patched.digest, config.digest);
      assert.equal(await client.digest(), patched.digest);
      // Both paths lead to the same store: the latest SDK sees what the old one wrote.
      const seen = await new Vercel({ bearerToken: admin, serverURL: url }).globalConfig.getEdgeConfig({ edgeConfigId });
      assert.equal(seen.digest, patched.digest);

      const read = await edgeConfig.getEdgeConfigToken({ edgeConfigId, token: created.id });
      assert.deepEqual([read.id, read.label], [created.id, 'e2e old reader']);
      await edgeConfig.deleteEdgeConfigTokens({ edgeConfigId, requestBody: { ids: [created.id] } });
      await assert.rejects(client.get('mode'), /Unauthorized/);
      await assert.rejects(edgeConfig.getEdgeConfigToken({ edgeConfigId, token: created.token }), status(404));
    });
  });
}
