import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { generateSecret } from '../../src/core/secret.js';
import { listenerApplicationName } from '../../src/adapters/postgres/postgres-change-signal.js';
import { loadAgent } from '../support/http-load.js';
import { describeLatencies, measureRevocations } from '../support/propagation.js';
import { redisTestServer } from '../support/redis.js';
import { postgresBackend, sqliteBackend, type ServerBackend } from '../support/server-backends.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

const REVOCATIONS = 60;
const DEADLINE_MS = 1000;

const backend = await postgresBackend();
describe('revocation reaches every node within a second: three processes on PostgreSQL', { skip: typeof backend === 'string' ? backend : false }, () => {
  const admin = generateSecret('tsr', randomBytes);
  const servers: ServerProcess[] = [];
  const agent = loadAgent(20);
  before(async () => {
    if (typeof backend === 'string') return;
    for (let i = 0; i < 3; i++) {
      // A poll slower than the deadline: a revocation that arrives in time arrived by NOTIFY.
      servers.push(
        await startServerProcess([...backend.args, '--log-level', 'warn'], {
          ...backend.env,
          TESSERA_BOOTSTRAP_TOKEN: admin,
          TESSERA_CHANGE_POLL_MS: '5000',
        }),
      );
    }
  });
  after(async () => {
    agent.destroy();
    await Promise.all(servers.map((s) => s.stop()));
    if (typeof backend !== 'string') await backend.cleanup();
  });

  it(`refuses each of ${REVOCATIONS} revoked tokens on nodes 2 and 3 within ${DEADLINE_MS} ms`, async (t) => {
    const result = await measureRevocations(
      servers.map((s) => s.url),
      admin,
      agent,
      { count: REVOCATIONS, deadlineMs: DEADLINE_MS },
    );
    t.diagnostic(`propagation: ${describeLatencies(result.latencies)}`);
    assert.equal(result.late, 0, `${result.late} revocations were still accepted after ${DEADLINE_MS} ms`);
    assert.equal(result.latencies.length, REVOCATIONS * 2);
  });

  it("still refuses revoked tokens in time when one node's notification connection is killed mid-run", async (t) => {
    if (typeof backend === 'string') return;
    const victim = servers[1]!;
    const db = new pg.Client({ connectionString: backend.env.DATABASE_URL });
    await db.connect();
    let killed = 0;
    try {
      const result = await measureRevocations(
        servers.map((s) => s.url),
        admin,
        agent,
        {
          count: REVOCATIONS,
          deadlineMs: DEADLINE_MS,
          beforeRevocation: async (i) => {
            if (i !== REVOCATIONS / 2) return;
            const answer = await db.query(
              'select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1 and datname = current_database()',
              [listenerApplicationName(victim.child.pid)],
            );
            killed = answer.rowCount ?? 0;
          },
        },
      );
      t.diagnostic(`propagation with a killed listener: ${describeLatencies(result.latencies)}`);
      assert.equal(killed, 1, "node 2's listening connection was found and killed");
      assert.equal(result.late, 0, `${result.late} revocations were still accepted after ${DEADLINE_MS} ms`);
      assert.match(victim.stderr(), /change notifications lost/);
      assert.match(victim.stderr(), /change notifications: listening; cached tokens served again/);
    } finally {
      await db.end();
    }
  });
});

describe('revocation reaches every process within a second: two processes on one SQLite file', () => {
  const admin = generateSecret('tsr', randomBytes);
  const servers: ServerProcess[] = [];
  const agent = loadAgent(20);
  let sqlite: ServerBackend;
  before(async () => {
    sqlite = await sqliteBackend();
    // No NOTIFY on SQLite: each process reads the change log (every 100 ms by default).
    for (let i = 0; i < 2; i++) {
      servers.push(await startServerProcess([...sqlite.args, '--log-level', 'warn'], { ...sqlite.env, TESSERA_BOOTSTRAP_TOKEN: admin }));
    }
  });
  after(async () => {
    agent.destroy();
    await Promise.all(servers.map((s) => s.stop()));
    await sqlite?.cleanup();
  });

  it('refuses each revoked token on the other process within the deadline', async (t) => {
    const result = await measureRevocations(
      servers.map((s) => s.url),
      admin,
      agent,
      { count: 20, deadlineMs: DEADLINE_MS },
    );
    t.diagnostic(`propagation: ${describeLatencies(result.latencies)}`);
    assert.equal(result.late, 0);
    assert.equal(result.latencies.length, 20);
  });
});

const redis = await redisTestServer();
const pgForRedis = await postgresBackend();
const redisSkip = 'skip' in redis ? redis.skip : typeof pgForRedis === 'string' ? pgForRedis : false;
describe('revocation reaches every node within a second: announced on Redis pub/sub (REDIS_URL)', { skip: redisSkip }, () => {
  const admin = generateSecret('tsr', randomBytes);
  const servers: ServerProcess[] = [];
  const agent = loadAgent(20);
  before(async () => {
    if ('skip' in redis || typeof pgForRedis === 'string') return;
    for (let i = 0; i < 2; i++) {
      servers.push(
        await startServerProcess([...pgForRedis.args, '--log-level', 'warn'], {
          ...pgForRedis.env,
          REDIS_URL: redis.url,
          TESSERA_BOOTSTRAP_TOKEN: admin,
          TESSERA_CHANGE_POLL_MS: '5000',
        }),
      );
    }
  });
  after(async () => {
    agent.destroy();
    await Promise.all(servers.map((s) => s.stop()));
    if (typeof pgForRedis !== 'string') await pgForRedis.cleanup();
    if (!('skip' in redis)) await redis.cleanup();
  });

  it('refuses each revoked token on the other node within the deadline', async (t) => {
    const result = await measureRevocations(
      servers.map((s) => s.url),
      admin,
      agent,
      { count: 20, deadlineMs: DEADLINE_MS },
    );
    t.diagnostic(`propagation over Redis: ${describeLatencies(result.latencies)}`);
    assert.equal(result.late, 0);
    assert.equal(result.latencies.length, 20);
  });
});
