import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';
import { generateSecret } from '../../src/core/secret.js';
import { startListeningProcess } from '../support/server-process.js';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));
const COUNTER = fileURLToPath(new URL('../support/diagnostics-counter.js', import.meta.url));

it('every verification passes through Node’s HTTP server: a preloaded diagnostics_channel subscriber counts each one', async () => {
  const admin = generateSecret('tsr', randomBytes);
  const dir = mkdtempSync(join(tmpdir(), 'tessera-diagnostics-'));
  const server = await startListeningProcess(['--import', COUNTER, MAIN, 'serve', '--port', '0', '--data-dir', dir], {
    DATABASE_URL: '',
    TESSERA_BOOTSTRAP_TOKEN: admin,
  });
  try {
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const { secret } = (await (await post('/v1/tokens', { name: 'counted' }, { authorization: `Bearer ${admin}` })).json()) as { secret: string };
    // Plain ones (the fast path in front of Fastify), ones Fastify's route answers, and refused ones.
    const sent = [
      ...Array.from({ length: 40 }, () => post('/v1/verify', { token: secret })),
      ...Array.from({ length: 10 }, (_, i) => post('/v1/verify', { token: secret }, { 'idempotency-key': `k${i}` })),
      ...Array.from({ length: 5 }, () => post('/v1/verify', { token: 'tsk_made_up' })),
      ...Array.from({ length: 5 }, () => post('/v1/verify', { nope: true })),
    ];
    const answers = await Promise.all(sent);
    assert.deepEqual(answers.map((a) => a.status).sort(), [...Array(55).fill(200), ...Array(5).fill(400)]);
    const seen = server
      .stderr()
      .split('\n')
      .filter((line) => line === 'diagnostics: POST /v1/verify').length;
    assert.equal(seen, 60);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
