import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { keyFingerprint } from '../../src/server/key-fingerprint.js';
import { postgresTestUrl } from '../support/postgres.js';
import { bootstrapSecretIn, startServerProcess, type ServerProcess } from '../support/server-process.js';

const newKey = () => randomBytes(32).toString('base64url');
const fingerprintOf = (key: string) => keyFingerprint(Buffer.from(key, 'base64url')).slice(0, 8);
const keyFileIn = (dir: string) => readFileSync(join(dir, 'secret.key'), 'utf8').trim();

const dirs: string[] = [];
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-key-'));
  dirs.push(dir);
  return dir;
}
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A refused start: exit code 1, and stderr that says what to set and names the recorded key's fingerprint and this node's, if it has one. */
async function assertRefused(starting: Promise<ServerProcess>, recordedKey: string, ownKey?: () => string): Promise<void> {
  const error = await starting.then(
    (server) => server.stop().then(() => assert.fail('the node started with another key')),
    (e: unknown) => e as Error,
  );
  assert.match(error.message, /exited with 1 before listening/);
  assert.match(error.message, /TESSERA_SECRET_KEY/);
  assert.ok(error.message.includes(fingerprintOf(recordedKey)), `names the recorded key's fingerprint:\n${error.message}`);
  if (ownKey) assert.ok(error.message.includes(fingerprintOf(ownKey())), `names this node's fingerprint:\n${error.message}`);
}

async function issueUnleashToken(url: string, admin: string): Promise<string> {
  const res = await fetch(`${url}/edge/issue-token`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tokens: [{ environment: 'development', projects: ['default'] }] }),
  });
  assert.equal(res.status, 200);
  return ((await res.json()) as { tokens: Array<{ token: string }> }).tokens[0]!.token;
}

const probe = await postgresTestUrl();
if (!('skip' in probe)) await probe.drop();

describe('nodes on one PostgreSQL database and their secret keys', { skip: 'skip' in probe ? probe.skip : undefined, timeout: 120_000 }, () => {
  const withDatabase = async (body: (env: Record<string, string>) => Promise<void>) => {
    const db = await postgresTestUrl();
    if ('skip' in db) throw new Error(db.skip);
    try {
      await body({ DATABASE_URL: db.url });
    } finally {
      await db.drop();
    }
  };

  it('a node with another TESSERA_SECRET_KEY refuses to start; one with the same key starts and answers the same Unleash token', async () => {
    await withDatabase(async (env) => {
      const key = newKey();
      const first = await startServerProcess(['--data-dir', dataDir()], { ...env, TESSERA_SECRET_KEY: key });
      try {
        const other = newKey();
        await assertRefused(startServerProcess(['--data-dir', dataDir()], { ...env, TESSERA_SECRET_KEY: other }), key, () => other);
        const second = await startServerProcess(['--data-dir', dataDir()], { ...env, TESSERA_SECRET_KEY: key });
        try {
          const admin = bootstrapSecretIn(first.stderr())!;
          assert.equal(await issueUnleashToken(second.url, admin), await issueUnleashToken(first.url, admin));
        } finally {
          assert.equal(await second.stop(), 0);
        }
      } finally {
        assert.equal(await first.stop(), 0);
      }
    });
  });

  it('a node without TESSERA_SECRET_KEY and a data directory of its own refuses, instead of making a key of its own', async () => {
    await withDatabase(async (env) => {
      const firstDir = dataDir();
      const first = await startServerProcess(['--data-dir', firstDir], env);
      await first.stop();
      const secondDir = dataDir();
      await assertRefused(startServerProcess(['--data-dir', secondDir], env), keyFileIn(firstDir));
      // A key file made here would be a wrong one, in the very place the error says to copy the right one.
      assert.equal(existsSync(join(secondDir, 'secret.key')), false, 'no key file of its own');
    });
  });

  it('a cluster whose key is not the database’s fails in its primary, before forking a worker', async () => {
    await withDatabase(async (env) => {
      const key = newKey();
      await (await startServerProcess(['--data-dir', dataDir()], { ...env, TESSERA_SECRET_KEY: key })).stop();
      const other = newKey();
      const starting = startServerProcess(['--data-dir', dataDir(), '--workers', '2'], { ...env, TESSERA_SECRET_KEY: other });
      await assertRefused(starting, key, () => other);
      assert.doesNotMatch(String(await starting.catch((e: unknown) => e)), /worker/);
    });
  });
});

describe('a SQLite data directory that lost its secret.key', () => {
  it('refuses the next start instead of deriving other secrets from a new key', async () => {
    const dir = dataDir();
    await (await startServerProcess(['--data-dir', dir])).stop();
    const lost = keyFileIn(dir);
    unlinkSync(join(dir, 'secret.key'));
    await assertRefused(startServerProcess(['--data-dir', dir]), lost);
    assert.equal(existsSync(join(dir, 'secret.key')), false, 'no new key file beside the restored store');
  });
});
