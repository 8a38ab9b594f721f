import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachApp } from '../support/app-harness.js';

await describeEachApp('environments and projects', (h) => {
  it('lists the defaults, lets admins create more, and refuses duplicates and bad names', async () => {
    const envs = await h.request({ method: 'GET', url: '/v1/environments', as: h.admin });
    assert.deepEqual(
      envs.json().items.map((e: { name: string }) => e.name),
      ['development', 'production'],
    );
    const created = await h.request({ method: 'POST', url: '/v1/environments', as: h.admin, payload: { name: 'staging' } });
    assert.equal(created.statusCode, 201);
    assert.equal(created.json().environment.name, 'staging');
    assert.equal((await h.request({ method: 'POST', url: '/v1/environments', as: h.admin, payload: { name: 'staging' } })).statusCode, 409);
    for (const name of ['', 'has space', 'a:b', '*']) {
      const bad = await h.request({ method: 'POST', url: '/v1/environments', as: h.admin, payload: { name } });
      assert.equal(bad.statusCode, 400, name);
    }

    const project = await h.request({ method: 'POST', url: '/v1/projects', as: h.admin, payload: { id: 'web', name: 'Web' } });
    assert.equal(project.statusCode, 201);
    const projects = await h.request({ method: 'GET', url: '/v1/projects', as: h.admin });
    assert.deepEqual(
      projects.json().items.map((p: { id: string }) => p.id),
      ['default', 'web'],
    );
    assert.equal((await h.request({ method: 'POST', url: '/v1/projects', as: h.admin, payload: { id: 'web' } })).statusCode, 409);
  });

  it('lets members read but not create', async () => {
    const member = await h.user('cat member');
    assert.equal((await h.request({ method: 'GET', url: '/v1/projects', as: member.secret })).statusCode, 200);
    assert.equal((await h.request({ method: 'POST', url: '/v1/projects', as: member.secret, payload: { id: 'mine' } })).statusCode, 403);
    assert.equal((await h.request({ method: 'POST', url: '/v1/environments', as: member.secret, payload: { name: 'mine' } })).statusCode, 403);
    assert.equal((await h.request({ method: 'GET', url: '/v1/environments' })).statusCode, 401);
  });
});
