/**
 * The SDK's in-process verifier: `npm run bench -- verifier`. Three figures, each against what
 * this run measures beside it:
 * - the rate of `verifier.verify` for a key it knows, against `crypto.hash('sha256')` of the
 *   same secret in the same process (hashing is the one step a verification cannot skip), in
 *   alternating rounds; target ≥ 0.8×;
 * - propagation: from a revocation's answer on one server node to the verifier (following
 *   another node) refusing the key, over REVOCATIONS revocations: p50 and p99;
 * - memory: the heap a known token takes, learned one by one and from a snapshot.
 */
import { hash, randomBytes } from 'node:crypto';
import { generateSecret } from '../src/core/secret.js';
import { createVerifier, type Verifier } from '../sdk/src/verifier.js';
import { quantile } from '../test/support/propagation.js';
import { sqliteBackend } from '../test/support/server-backends.js';
import { startServerProcess, type ServerProcess } from '../test/support/server-process.js';
import { median } from './report.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 1000);
const REVOCATIONS = Number(process.env.BENCH_REVOCATIONS ?? 100);
const SNAPSHOT_TOKENS = Number(process.env.BENCH_SNAPSHOT_TOKENS ?? 100_000);

async function call(url: string, admin: string, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (response.status >= 300) throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
  return response.json();
}

/** Calls of `op` a second over one round; `op` is awaited only when it returns a promise that has not settled. */
async function rate(op: () => unknown): Promise<number> {
  let done = 0;
  const start = performance.now();
  const end = start + ROUND_MS;
  while (performance.now() < end) {
    for (let i = 0; i < 1000; i++) await op();
    done += 1000;
  }
  return (done * 1000) / (performance.now() - start);
}

function heapAfterGc(): number {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed;
}

async function verifyRate(verifier: Verifier, secret: string): Promise<void> {
  await verifier.verify(secret);
  const verifies: number[] = [];
  const hashes: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    hashes.push(await rate(() => hash('sha256', secret)));
    verifies.push(await rate(() => verifier.verify(secret)));
  }
  const ratios = verifies.map((v, i) => v / hashes[i]!);
  console.log(
    `verify a known key in process: ${Math.round(median(verifies)).toLocaleString('en-US')}/s; sha256 of it ${Math.round(median(hashes)).toLocaleString('en-US')}/s; ratio ${median(ratios).toFixed(2)}× (target ≥ 0.8×)`,
  );
}

async function propagation(nodes: ServerProcess[], admin: string, verifierToken: string): Promise<void> {
  const [a, b] = nodes as [ServerProcess, ServerProcess];
  const verifier = createVerifier({ url: a.url, token: verifierToken });
  try {
    await verifier.live();
    const keys: Array<{ id: string; secret: string }> = [];
    for (let i = 0; i < REVOCATIONS; i++) {
      const created = await call(a.url, admin, 'POST', '/v1/tokens', { name: `revoked ${i}` });
      keys.push({ id: created.token.id, secret: created.secret });
      await verifier.verify(created.secret);
    }
    const latencies: number[] = [];
    for (const key of keys) {
      await call(b.url, admin, 'POST', `/v1/tokens/${key.id}/revoke`, {});
      const revoked = performance.now();
      while ((await verifier.verify(key.secret)).code !== 'REVOKED') await new Promise((resolve) => setTimeout(resolve, 2));
      latencies.push(performance.now() - revoked);
    }
    console.log(
      `revocation on node B → refused by a verifier following node A (SQLite, two processes): n=${latencies.length} p50 ${quantile(latencies, 0.5).toFixed(0)} ms, p99 ${quantile(latencies, 0.99).toFixed(0)} ms (target p99 ≤ 1,000 ms)`,
    );
  } finally {
    await verifier.close();
  }
}

async function memory(url: string, admin: string, verifierToken: string): Promise<void> {
  // Learned one by one: each key verified once through the server.
  const learned = createVerifier({ url, token: verifierToken });
  const secrets: string[] = [];
  try {
    await learned.live();
    for (let i = 0; i < 2000; i++) secrets.push((await call(url, admin, 'POST', '/v1/tokens', { name: `kept ${i}` })).secret);
    const before = heapAfterGc();
    for (const secret of secrets) await learned.verify(secret);
    const perToken = (heapAfterGc() - before) / learned.state().tokens;
    console.log(`memory: ${Math.round(perToken)} bytes of heap a token learned by verifying it (${learned.state().tokens} tokens)`);
  } finally {
    await learned.close();
  }
  // A snapshot of the scope: every live token at once.
  for (let i = secrets.length; i < SNAPSHOT_TOKENS; i += 500) {
    await Promise.all(Array.from({ length: Math.min(500, SNAPSHOT_TOKENS - i) }, (_, j) => call(url, admin, 'POST', '/v1/tokens', { name: `snap ${i + j}` })));
  }
  const before = heapAfterGc();
  const snapshot = createVerifier({ url, token: verifierToken, snapshot: true });
  try {
    const started = performance.now();
    await snapshot.live();
    const seconds = (performance.now() - started) / 1000;
    const used = heapAfterGc() - before;
    console.log(
      `memory: a snapshot of ${snapshot.state().tokens.toLocaleString('en-US')} tokens took ${seconds.toFixed(1)} s and ${Math.round(used / 1e6)} MB of heap (${Math.round(used / snapshot.state().tokens)} bytes a token)`,
    );
  } finally {
    await snapshot.close();
  }
}

export async function benchVerifier(): Promise<void> {
  if (!globalThis.gc) console.log('(run with node --expose-gc for steadier memory figures: npm run bench passes it)');
  const admin = generateSecret('tsr', randomBytes);
  const backend = await sqliteBackend();
  const nodes: ServerProcess[] = [];
  try {
    for (let i = 0; i < 2; i++) nodes.push(await startServerProcess([...backend.args, '--log-level', 'warn'], { TESSERA_BOOTSTRAP_TOKEN: admin }));
    const url = nodes[0]!.url;
    const verifierToken = (await call(url, admin, 'POST', '/v1/tokens', { name: 'verifier', type: 'personal', scopes: ['verifier:read'] })).secret as string;
    const verifier = createVerifier({ url, token: verifierToken });
    try {
      await verifier.live();
      await verifyRate(verifier, (await call(url, admin, 'POST', '/v1/tokens', { name: 'known' })).secret);
    } finally {
      await verifier.close();
    }
    await propagation(nodes, admin, verifierToken);
    await memory(url, admin, verifierToken);
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    await backend.cleanup();
  }
}
