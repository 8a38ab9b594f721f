import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { generateSecret } from '../../src/core/secret.js';
import { loadAgent, postJson } from '../support/http-load.js';
import { redisTestServer } from '../support/redis.js';
import { postgresBackend } from '../support/server-backends.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

const pg = await postgresBackend();
const redis = await redisTestServer();
const skip = typeof pg === 'string' ? pg : 'skip' in redis ? redis.skip : false;

describe('Rate limits shared by two tessera processes through Redis', { skip }, () => {
  const admin = generateSecret('tsr', randomBytes);
  const servers: ServerProcess[] = [];
  before(async () => {
    if (typeof pg === 'string' || 'skip' in redis) return;
    for (let i = 0; i < 2; i++) {
      servers.push(await startServerProcess([...pg.args, '--log-level', 'warn'], { ...pg.env, TESSERA_BOOTSTRAP_TOKEN: admin, REDIS_URL: redis.url }));
    }
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    if (typeof pg !== 'string') await pg.cleanup();
    if (!('skip' in redis)) await redis.cleanup();
  });

  it('admits exactly the limit between them, and each answers RATE_LIMITED past it', async () => {
    const agent = loadAgent(20);
    try {
      // A fresh token id keys fresh counters, whatever an earlier run left in Redis.
      const created = await postJson(
        `${servers[0]!.url}/v1/tokens`,
        { name: 'shared', rateLimits: [{ name: 'minute', limit: 10, durationMs: 60_000 }] },
        agent,
        { authorization: `Bearer ${admin}` },
      );
      assert.equal(created.status, 201);
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => postJson(`${servers[i % 2]!.url}/v1/verify`, { token: created.body.secret }, agent)),
      );
      const codes = results.map((r) => r.body.code);
      assert.equal(codes.filter((c) => c === 'VALID').length, 10);
      assert.equal(codes.filter((c) => c === 'RATE_LIMITED').length, 30);
      // Both nodes refused some: the count really is shared, not one node's alone.
      assert.ok(results.some((r, i) => i % 2 === 0 && r.body.code === 'RATE_LIMITED'));
      assert.ok(results.some((r, i) => i % 2 === 1 && r.body.code === 'RATE_LIMITED'));
    } finally {
      agent.destroy();
    }
  });
});
