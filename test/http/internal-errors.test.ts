import assert from 'node:assert/strict';
import { before, after, it } from 'node:test';
import { startHarness, type Harness } from '../support/app-harness.js';
import { describeEachStore } from '../support/store-factories.js';
import { overrideMethod } from '../support/store-override.js';

/** Failures inside tessera are 500 INTERNAL_ERROR, whatever they look like: never blamed on the caller's request. */
await describeEachStore('Errors that are not the caller’s', (stores) => {
  const h = {} as Harness;
  const failures = new Map<string, () => never>();
  before(async () => {
    const tokens = overrideMethod(stores.tokens, 'findById', (findById) => async (id) => {
      failures.get(id)?.();
      return findById(id);
    });
    Object.assign(h, await startHarness({ ...stores, tokens }));
  });
  after(() => h.close?.());

  const tokenThat = async (fail: () => never) => {
    const { token } = (await h.request({ method: 'POST', url: '/v1/tokens', as: h.admin, payload: { name: 'unreadable' } })).json();
    failures.set(token.id, fail);
    return token.id as string;
  };

  it('answers 500 INTERNAL_ERROR for a SyntaxError from a stored value that does not parse', async () => {
    // What reading a balance SQLite had turned into a REAL threw.
    const id = await tokenThat(() => {
      throw new SyntaxError('Cannot convert 2.0e+18 to a BigInt');
    });
    const res = await h.request({ method: 'GET', url: `/v1/tokens/${id}`, as: h.admin });
    assert.equal(res.statusCode, 500, res.body);
    assert.equal(res.json().error.code, 'INTERNAL_ERROR');
  });

  it('answers 500 INTERNAL_ERROR for an error of ours that carries statusCode 400', async () => {
    const id = await tokenThat(() => {
      throw Object.assign(new Error('not a request error'), { statusCode: 400 });
    });
    const res = await h.request({ method: 'GET', url: `/v1/tokens/${id}`, as: h.admin });
    assert.equal(res.statusCode, 500, res.body);
    assert.equal(res.json().error.code, 'INTERNAL_ERROR');
  });

  it('still answers a body Fastify cannot read with 400', async () => {
    const res = await h.request({
      method: 'POST',
      url: '/v1/tokens',
      as: h.admin,
      headers: { 'content-type': 'application/json', 'content-length': '50' },
      payload: '{"name":"x"}',
    });
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.json().error.code, 'VALIDATION_ERROR');
  });
});
