import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { generateSecret } from '../../src/core/secret.js';
import { loadAgent, postJson } from '../support/http-load.js';
import { postgresBackend, sqliteBackend, type ServerBackend } from '../support/server-backends.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

const CALLS = 1000;
const BALANCE = 100;

/**
 * 1,000 concurrent verifications of cost 1 against a balance of 100, over real HTTP,
 * spread round-robin over the given servers: exactly 100 pass, none overspends.
 */
async function chargeRace(urls: string[], admin: string): Promise<void> {
  const agent = loadAgent(100);
  try {
    const created = await postJson(`${urls[0]}/v1/tokens`, { name: 'race', credits: String(BALANCE) }, agent, { authorization: `Bearer ${admin}` });
    assert.equal(created.status, 201);
    const { secret, token } = created.body;
    const results = await Promise.all(
      Array.from({ length: CALLS }, (_, i) => postJson(`${urls[i % urls.length]}/v1/verify`, { token: secret, cost: '1' }, agent)),
    );
    assert.ok(results.every((r) => r.status === 200));
    const codes = results.map((r) => r.body.code as string);
    assert.equal(codes.filter((c) => c === 'VALID').length, BALANCE);
    assert.equal(codes.filter((c) => c === 'USAGE_EXCEEDED').length, CALLS - BALANCE);
    // Every successful charge answered a distinct remaining balance: 99 down to 0.
    const remaining = results
      .filter((r) => r.body.code === 'VALID')
      .map((r) => Number(r.body.remaining))
      .sort((a, b) => a - b);
    assert.deepEqual(
      remaining,
      Array.from({ length: BALANCE }, (_, i) => i),
    );
    const read = await fetch(`${urls[urls.length - 1]}/v1/tokens/${token.id}`, { headers: { authorization: `Bearer ${admin}` } });
    assert.equal(((await read.json()) as { token: { credits: string } }).token.credits, '0');
  } finally {
    agent.destroy();
  }
}

/**
 * One `tessera serve` on a fresh SQLite store. With `--workers`, each worker groups the charges
 * of an event-loop turn into one transaction (group-commit.ts): the groups of the processes
 * interleave on one file, and the sum must still be exact.
 */
function onSqlite(processes: string, workers: number): void {
  describe(`1,000 concurrent charges over HTTP: SQLite, ${processes}`, () => {
    const admin = generateSecret('tsr', randomBytes);
    let backend: ServerBackend;
    let server: ServerProcess;
    before(async () => {
      backend = await sqliteBackend();
      const args = [...backend.args, ...(workers > 1 ? ['--workers', String(workers)] : []), '--log-level', 'warn'];
      server = await startServerProcess(args, { ...backend.env, TESSERA_BOOTSTRAP_TOKEN: admin });
    });
    after(async () => {
      await server?.stop();
      await backend?.cleanup();
    });
    it('charges exactly the balance and refuses the rest', () => chargeRace([server.url], admin));
  });
}

onSqlite('one process', 1);
onSqlite('three worker processes', 3);

const pg = await postgresBackend();
describe('1,000 concurrent charges over HTTP: PostgreSQL, three processes', { skip: typeof pg === 'string' ? pg : false }, () => {
  const admin = generateSecret('tsr', randomBytes);
  const servers: ServerProcess[] = [];
  before(async () => {
    if (typeof pg === 'string') return;
    // One after another: the first runs the migrations and the bootstrap, the others find them done.
    for (let i = 0; i < 3; i++) {
      servers.push(await startServerProcess([...pg.args, '--log-level', 'warn'], { ...pg.env, TESSERA_BOOTSTRAP_TOKEN: admin }));
    }
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    if (typeof pg !== 'string') await pg.cleanup();
  });
  it('charges exactly the balance across all three and refuses the rest', () =>
    chargeRace(
      servers.map((s) => s.url),
      admin,
    ));
});
