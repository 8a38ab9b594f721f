import type { Agent } from 'node:http';
import { postJson } from './http-load.js';

export interface Propagation {
  /** Per revocation and per other node: ms from the revocation's answer to that node's first refusal. */
  latencies: number[];
  /** Revocations a node still accepted after the deadline (the deadline was not met). */
  late: number;
}

/**
 * Creates `count` tokens on the first node, has every other node verify (and so cache) each,
 * then revokes them one by one on the first node and polls the others until each refuses the
 * token. `beforeRevocation(i)` runs before the i-th revocation (e.g. to cut a connection).
 */
export async function measureRevocations(
  urls: string[],
  admin: string,
  agent: Agent,
  options: { count: number; deadlineMs: number; beforeRevocation?: (i: number) => Promise<void> },
): Promise<Propagation> {
  const [first, ...others] = urls as [string, ...string[]];
  const auth = { authorization: `Bearer ${admin}` };
  const tokens: Array<{ id: string; secret: string }> = [];
  for (let i = 0; i < options.count; i++) {
    const created = await postJson(`${first}/v1/tokens`, { name: `propagation ${i}` }, agent, auth);
    if (created.status !== 201) throw new Error(`creating a token answered ${created.status}`);
    tokens.push({ id: created.body.token.id, secret: created.body.secret });
  }
  for (const token of tokens) {
    for (const url of others) {
      const warm = await postJson(`${url}/v1/verify`, { token: token.secret }, agent);
      if (warm.body?.code !== 'VALID') throw new Error(`a fresh token did not verify on ${url}: ${JSON.stringify(warm.body)}`);
    }
  }
  const latencies: number[] = [];
  let late = 0;
  for (const [i, token] of tokens.entries()) {
    await options.beforeRevocation?.(i);
    const revoked = await postJson(`${first}/v1/tokens/${token.id}/revoke`, {}, agent, auth);
    if (revoked.status !== 200) throw new Error(`revoking answered ${revoked.status}`);
    const acknowledged = performance.now();
    await Promise.all(
      others.map(async (url) => {
        for (;;) {
          const answer = await postJson(`${url}/v1/verify`, { token: token.secret }, agent);
          const elapsed = performance.now() - acknowledged;
          if (answer.body?.code === 'REVOKED') return latencies.push(elapsed);
          if (elapsed > options.deadlineMs) {
            late++;
            return;
          }
        }
      }),
    );
  }
  return { latencies, late };
}

/** The q-quantile (0…1) of some numbers, nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

export function describeLatencies(values: readonly number[]): string {
  const f = (q: number) => quantile(values, q).toFixed(1);
  return `n=${values.length} p50=${f(0.5)} ms p90=${f(0.9)} ms p99=${f(0.99)} ms max=${f(1)} ms`;
}
