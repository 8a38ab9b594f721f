import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { digestSecret } from '../core/digest.js';
import { issueToken, tokenFields } from '../core/issue-token.js';
import { generateSecret } from '../core/secret.js';
import { createMemoryStores } from '../store/memory/memory-stores.js';
import { bootstrap } from './bootstrap.js';
import { systemRuntime } from './runtime.js';

describe('bootstrap', () => {
  it('creates one admin with a personal token on an empty store, and nothing on a second call', async () => {
    const stores = createMemoryStores();
    const secret = await bootstrap(stores, systemRuntime);
    assert.ok(secret);
    const token = await stores.tokens.findByDigest(digestSecret(secret));
    assert.equal(token!.type, 'personal');
    assert.equal((await stores.accounts.findUser(token!.ownerUserId))!.role, 'admin');
    assert.equal(await bootstrap(stores, systemRuntime), undefined);
    assert.equal(await stores.accounts.countUsers(), 1);
  });

  it('refuses a given token that is not in tessera format, storing nothing', async () => {
    const stores = createMemoryStores();
    await assert.rejects(bootstrap(stores, systemRuntime, 'hunter2'), /TESSERA_BOOTSTRAP_TOKEN/);
    assert.equal(await stores.accounts.countUsers(), 0);
  });

  it('refuses a given api token, storing nothing: only a personal token may manage tessera', async () => {
    const stores = createMemoryStores();
    await assert.rejects(bootstrap(stores, systemRuntime, generateSecret('tsk', randomBytes)), /TESSERA_BOOTSTRAP_TOKEN is not a personal token/);
    assert.equal(await stores.accounts.countUsers(), 0);
  });

  it('stores nothing when the user cannot be created, and bootstraps again on the next start', async () => {
    const stores = createMemoryStores();
    const given = generateSecret('tsr', randomBytes);
    const accounts = stores.accounts;
    const failing = {
      ...stores,
      accounts: { ...accounts, countUsers: () => accounts.countUsers(), createUser: () => Promise.reject(new Error('crash')) },
    };
    await assert.rejects(bootstrap(failing, systemRuntime, given), /crash/);
    assert.equal(await stores.accounts.countUsers(), 0);
    assert.equal(await stores.tokens.findByDigest(digestSecret(given)), undefined);

    assert.equal(await bootstrap(stores, systemRuntime, given), given);
    const token = await stores.tokens.findByDigest(digestSecret(given));
    assert.equal((await stores.accounts.findUser(token!.ownerUserId))!.role, 'admin');
  });

  it('adopts a given token left by an older start that stopped before creating the user', async () => {
    const stores = createMemoryStores();
    const given = generateSecret('tsr', randomBytes);
    // Such a start stored the token first; only a bulk write stores one without its owner now.
    const left = issueToken(
      tokenFields({ name: 'bootstrap admin', type: 'personal', origin: 'bootstrap', scopes: ['*'], ownerUserId: 'usr_left' }),
      1,
      randomBytes,
      given,
    );
    await stores.tokens.insertMany([left.token]);

    assert.equal(await bootstrap(stores, systemRuntime, given), given);
    const token = await stores.tokens.findByDigest(digestSecret(given));
    assert.equal(token!.id, left.token.id);
    assert.equal((await stores.accounts.findUser('usr_left'))!.role, 'admin');
  });
});
