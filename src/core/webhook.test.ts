import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { nextAttemptAt, shouldPause, webhookHears, webhookSecretKeyOf, webhookSecretOf, type WebhookRecord } from './webhook.js';
import { isPublicAddress, webhookUrlProblem } from './webhook-url.js';

const key = webhookSecretKeyOf(Buffer.alloc(32, 7));
const base = { events: ['token.created'], status: 'active', ownerUserId: 'usr_a', teamId: null } as unknown as WebhookRecord;

describe('webhook rules', () => {
  it('derives one secret per webhook and version, in the form standardwebhooks takes', () => {
    const secret = webhookSecretOf(key, 'whk_1', 1);
    assert.equal(secret, webhookSecretOf(key, 'whk_1', 1));
    assert.notEqual(secret, webhookSecretOf(key, 'whk_1', 2));
    assert.notEqual(secret, webhookSecretOf(key, 'whk_2', 1));
    assert.notEqual(secret, webhookSecretOf(webhookSecretKeyOf(Buffer.alloc(32, 8)), 'whk_1', 1));
    const signed = new Webhook(secret).sign('msg_1', new Date(), '{"a":1}');
    assert.match(signed, /^v1,/);
  });

  it('hears by scope: a user’s own objects, a team’s, or everything', () => {
    const event = (teamId: string | null, ownerUserId: string) => ({ type: 'token.created' as const, teamId, ownerUserId });
    assert.equal(webhookHears({ ...base, scope: 'user' }, event(null, 'usr_a')), true);
    assert.equal(webhookHears({ ...base, scope: 'user' }, event('team_x', 'usr_a')), false);
    assert.equal(webhookHears({ ...base, scope: 'user' }, event(null, 'usr_b')), false);
    assert.equal(webhookHears({ ...base, scope: 'team', teamId: 'team_x' }, event('team_x', 'usr_b')), true);
    assert.equal(webhookHears({ ...base, scope: 'team', teamId: 'team_x' }, event('team_y', 'usr_b')), false);
    assert.equal(webhookHears({ ...base, scope: 'installation' }, event('team_y', 'usr_b')), true);
    assert.equal(webhookHears({ ...base, scope: 'installation' }, { ...event(null, 'usr_a'), type: 'token.revoked' }), false);
    assert.equal(webhookHears({ ...base, scope: 'installation', status: 'disabled' }, event(null, 'usr_a')), false);
    assert.equal(webhookHears({ ...base, scope: 'installation', status: 'paused' }, event(null, 'usr_a')), true, 'a paused webhook still queues');
  });

  it('backs off exponentially with jitter, capped, and gives up after the window', () => {
    const policy = { baseMs: 1000, maxMs: 8000, giveUpAfterMs: 60_000 };
    assert.equal(nextAttemptAt(policy, 1, 0, 0, 0), 500);
    assert.equal(nextAttemptAt(policy, 1, 0, 0, 0.999_999), 1000);
    assert.equal(nextAttemptAt(policy, 3, 0, 0, 0), 2000);
    assert.equal(nextAttemptAt(policy, 20, 0, 0, 0), 4000, 'capped at maxMs (half of it fixed)');
    assert.equal(nextAttemptAt(policy, 5, 0, 59_000, 0.5), null, 'past the window');
  });

  it('pauses only after enough failures over enough time', () => {
    const policy = { failures: 3, afterMs: 1000 };
    assert.equal(shouldPause(policy, { consecutiveFailures: 3, failingSince: 0 }, 999), false);
    assert.equal(shouldPause(policy, { consecutiveFailures: 2, failingSince: 0 }, 5000), false);
    assert.equal(shouldPause(policy, { consecutiveFailures: 3, failingSince: 0 }, 1000), true);
    assert.equal(shouldPause(policy, { consecutiveFailures: 9, failingSince: null }, 1000), false);
  });

  it('tells public addresses from private, loopback, link-local and mapped ones', () => {
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700::1111']) assert.equal(isPublicAddress(a), true, a);
    for (const a of [
      '127.0.0.1',
      '10.0.0.1',
      '169.254.169.254',
      '::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      'fe80::1',
      'fd00:ec2::254',
      '0.0.0.0',
      'nonsense',
    ]) {
      assert.equal(isPublicAddress(a), false, a);
    }
    assert.equal(webhookUrlProblem('http://127.0.0.1/', true), undefined, 'allowed by the operator');
    assert.match(webhookUrlProblem('gopher://x.example/', true)!, /only http and https/);
  });
});
