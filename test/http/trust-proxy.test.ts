import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { serverConfig } from '../../src/server/server-config.js';
import { buildApp } from '../../src/http/app.js';
import { startHarness, type Harness } from '../support/app-harness.js';

/**
 * The client address the app believes, as the audit log records it for a token creation, when
 * a request from `peer` carries `forwardedFor`, under TESSERA_TRUST_PROXY=`setting`.
 */
describe('TESSERA_TRUST_PROXY: whose X-Forwarded-For names the client', () => {
  let h: Harness;
  const apps: FastifyInstance[] = [];
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await h.close();
  });

  async function clientAddress(setting: string, peer: string, forwardedFor: string): Promise<string | null> {
    const app = await buildApp(h.services, { trustProxy: serverConfig({}, { TESSERA_TRUST_PROXY: setting }).trustProxy });
    apps.push(app);
    const res = await app.inject({
      method: 'POST',
      url: '/v1/tokens',
      remoteAddress: peer,
      headers: { authorization: `Bearer ${h.admin}`, 'x-forwarded-for': forwardedFor },
      payload: { name: `behind ${setting}` },
    });
    assert.equal(res.statusCode, 201, res.body);
    const events = await h.stores.audit.list({ limit: 1, targetId: res.json().token.id });
    return events.items[0]!.ip;
  }

  it('behind one proxy (1), takes the address that proxy saw, never one the client wrote before it', async () => {
    assert.equal(await clientAddress('1', '127.0.0.1', '6.6.6.6, 10.0.0.5'), '10.0.0.5');
  });

  it('behind two proxies (2), takes the address the outer one saw', async () => {
    assert.equal(await clientAddress('2', '127.0.0.1', '6.6.6.6, 10.0.0.5, 10.0.0.9'), '10.0.0.5');
  });

  it('with a list of proxies that does not hold the peer, ignores the header', async () => {
    assert.equal(await clientAddress('10.0.0.0/8', '127.0.0.1', '6.6.6.6, 10.0.0.5'), '127.0.0.1');
  });

  it('with a list that holds the peer, walks back to the first address not on it', async () => {
    assert.equal(await clientAddress('127.0.0.1,10.0.0.0/8', '127.0.0.1', '6.6.6.6, 10.0.0.5'), '6.6.6.6');
  });

  it('trusting no proxy (unset, 0), takes the peer', async () => {
    assert.equal(await clientAddress('', '127.0.0.1', '6.6.6.6'), '127.0.0.1');
    assert.equal(await clientAddress('0', '127.0.0.1', '6.6.6.6'), '127.0.0.1');
  });
});
