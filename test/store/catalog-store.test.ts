import assert from 'node:assert/strict';
import { it } from 'node:test';
import { AppError } from '../../src/core/errors.js';
import { T0 } from '../support/fixtures.js';
import { describeEachStore } from '../support/store-factories.js';

const isConflict = (error: unknown) => error instanceof AppError && error.code === 'CONFLICT';

await describeEachStore('CatalogStore contract', (stores) => {
  it('starts with development, production and the default project', async () => {
    assert.deepEqual(
      (await stores.catalog.listEnvironments()).map((e) => e.name),
      ['development', 'production'],
    );
    assert.deepEqual(
      (await stores.catalog.listProjects()).map((p) => p.id),
      ['default'],
    );
  });

  it('creates environments once', async () => {
    await stores.catalog.createEnvironment({ name: 'staging', createdAt: T0 });
    await assert.rejects(stores.catalog.createEnvironment({ name: 'staging', createdAt: T0 + 1 }), isConflict);
    assert.deepEqual(await stores.catalog.findEnvironment('staging'), { name: 'staging', createdAt: T0 });
    assert.equal(await stores.catalog.findEnvironment('nope'), undefined);
    assert.deepEqual(
      (await stores.catalog.listEnvironments()).map((e) => e.name),
      ['development', 'production', 'staging'],
    );
  });

  it('creates projects once and tells which of a list exist', async () => {
    await stores.catalog.createProject({ id: 'web', name: 'Web', createdAt: T0 });
    await assert.rejects(stores.catalog.createProject({ id: 'web', name: 'Again', createdAt: T0 }), isConflict);
    assert.deepEqual(
      (await stores.catalog.listProjects()).find((p) => p.id === 'web'),
      { id: 'web', name: 'Web', createdAt: T0 },
    );
    assert.deepEqual((await stores.catalog.existingProjects(['web', 'nope', 'default', 'web'])).sort(), ['default', 'web']);
    assert.deepEqual(await stores.catalog.existingProjects([]), []);
  });
});
