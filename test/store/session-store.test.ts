import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import { AppError } from '../../src/core/errors.js';
import { newSessionId, sessionDigestOf } from '../../src/core/session.js';
import type { SessionRecord } from '../../src/store/session-store.js';
import { describeEachStore } from '../support/store-factories.js';

function session(at: number, more: Partial<SessionRecord> = {}): SessionRecord {
  return {
    digest: sessionDigestOf(newSessionId(randomBytes)),
    tokenId: `tok_${randomBytes(6).toString('hex')}`,
    userId: `usr_${randomBytes(6).toString('hex')}`,
    createdAt: at,
    expiresAt: at + 43_200_000,
    lastSeenAt: at,
    ...more,
  };
}

await describeEachStore('SessionStore contract', (stores, database) => {
  it('stores a session as given and finds it by digest; an unknown digest finds nothing', async () => {
    const s = session(1_700_000_000_000);
    await stores.sessions.insert(s);
    assert.deepEqual(await stores.sessions.find(s.digest), s);
    assert.equal(await stores.sessions.find(sessionDigestOf(newSessionId(randomBytes))), undefined);
  });

  it('refuses a second session with the same digest and keeps the first', async () => {
    const s = session(2_000);
    await stores.sessions.insert(s);
    await assert.rejects(stores.sessions.insert({ ...s, tokenId: 'tok_other' }), (e) => e instanceof AppError && e.code === 'CONFLICT');
    assert.deepEqual(await stores.sessions.find(s.digest), s);
  });

  it('moves lastSeenAt forward only, and says whether the session exists', async () => {
    const s = session(10_000);
    await stores.sessions.insert(s);
    assert.equal(await stores.sessions.touch(s.digest, 70_000), true);
    assert.equal((await stores.sessions.find(s.digest))?.lastSeenAt, 70_000);
    assert.equal(await stores.sessions.touch(s.digest, 40_000), true);
    assert.equal((await stores.sessions.find(s.digest))?.lastSeenAt, 70_000, 'an older touch does not move it back');
    assert.equal(await stores.sessions.touch(sessionDigestOf(newSessionId(randomBytes)), 80_000), false);
  });

  it('deletes one session, once', async () => {
    const [a, b] = [session(3_000), session(3_000)];
    await stores.sessions.insert(a);
    await stores.sessions.insert(b);
    assert.equal(await stores.sessions.delete(a.digest), true);
    assert.equal(await stores.sessions.delete(a.digest), false);
    assert.equal(await stores.sessions.find(a.digest), undefined);
    assert.deepEqual(await stores.sessions.find(b.digest), b);
  });

  it('sweeps the sessions expired at or before a time and keeps the others', async () => {
    // Earlier tests' sessions expire much later than these.
    const base = 1_000;
    const gone = [session(base, { expiresAt: base + 10 }), session(base, { expiresAt: base + 20 })];
    const kept = session(base, { expiresAt: base + 21 });
    for (const s of [...gone, kept]) await stores.sessions.insert(s);
    assert.equal(await stores.sessions.deleteExpired(base + 20), 2);
    for (const s of gone) assert.equal(await stores.sessions.find(s.digest), undefined);
    assert.deepEqual(await stores.sessions.find(kept.digest), kept);
  });

  it('keeps only the digest: no column holds anything but what it was given', async () => {
    if (!database.query) return;
    const id = newSessionId(randomBytes);
    const s = session(9_000, { digest: sessionDigestOf(id) });
    await stores.sessions.insert(s);
    const rows = await database.query<Record<string, unknown>>('select * from sessions where digest = ?', [s.digest]);
    assert.equal(rows.length, 1);
    assert.deepEqual(Object.keys(rows[0]!).sort(), ['created_at', 'digest', 'expires_at', 'last_seen_at', 'token_id', 'user_id']);
    assert.ok(!JSON.stringify(rows).includes(id), 'the session id is not stored');
  });
});
