import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { bucketFullAt, decideRateLimit, decideRateLimits, rateLimitRuleProblem, type GcraState, type RateLimitRule } from './rate-limit.js';

const NOW = 1_700_000_000_000;

const rule = (limit: number, durationMs: number, name = 'r'): RateLimitRule => ({ name, limit, durationMs });

/** Spends `count` requests of `cost` at one instant, returning the decisions and the final state. */
function burst(r: RateLimitRule, count: number, now = NOW, cost = 1, from?: GcraState) {
  let state = from;
  const decisions = [];
  for (let i = 0; i < count; i++) {
    const decision = decideRateLimit(state, r, cost, now);
    decisions.push(decision);
    state = decision.state;
  }
  return { decisions, state };
}

describe('decideRateLimit', () => {
  // 3/1000 ms: 333⅓ ms a request; 7/10 ms: 13/7 ms; 5000/1000 ms: several a millisecond.
  for (const [limit, durationMs] of [
    [3, 1000],
    [7, 10],
    [5000, 1000],
    [60, 60_000],
  ] as const) {
    it(`admits exactly ${limit} in ${durationMs} ms from a fresh key and denies the next with its resetAt`, () => {
      const r = rule(limit, durationMs);
      const { decisions, state } = burst(r, limit);
      assert.deepEqual(
        decisions.map((d) => d.allowed),
        Array(limit).fill(true),
      );
      assert.deepEqual(
        decisions.map((d) => d.remaining),
        Array.from({ length: limit }, (_, i) => limit - 1 - i),
      );
      assert.equal(decisions.at(-1)!.resetAt, NOW + durationMs);
      const denied = decideRateLimit(state, r, 1, NOW);
      assert.equal(denied.allowed, false);
      assert.equal(denied.remaining, 0);
      assert.equal(denied.resetAt, NOW + durationMs);
      assert.equal(denied.retryAfterMs, Math.ceil(durationMs / limit));
      assert.equal(denied.state, state, 'a denial spends nothing');
    });
  }

  it('is a bucket, not a sliding window: a spent burst comes back one request every durationMs/limit', () => {
    const r = rule(3, 1000);
    let { state } = burst(r, 3);
    // Requests come back at 333⅓, 666⅔ and 1000 ms, each at the first whole ms after.
    for (const at of [334, 667, 1000]) {
      assert.equal(decideRateLimit(state, r, 1, NOW + at - 1).allowed, false, `denied at ${at - 1}`);
      const decision = decideRateLimit(state, r, 1, NOW + at);
      assert.equal(decision.allowed, true, `allowed at ${at}`);
      state = decision.state;
    }
  });

  it('reports resetAt as the instant the whole limit is back', () => {
    const r = rule(4, 1000);
    const one = decideRateLimit(undefined, r, 1, NOW);
    assert.equal(one.resetAt, NOW + 250);
    assert.equal(one.remaining, 3);
    const later = decideRateLimit(one.state, r, 0, NOW + 100);
    assert.equal(later.resetAt, NOW + 250);
    assert.equal(decideRateLimit(one.state, r, 0, NOW + 250).remaining, 4);
    assert.equal(bucketFullAt(one.state!), NOW + 250);
    // 1000/3 ms a request: a single one leaves TAT at 333⅓, so the key is full from 334 on.
    const third = decideRateLimit(undefined, rule(3, 1000), 1, NOW);
    assert.equal(third.resetAt, NOW + 334);
    assert.equal(bucketFullAt(third.state!), NOW + 334);
  });

  it('charges a cost above 1 as that many requests', () => {
    const r = rule(5, 1000);
    const { decisions, state } = burst(r, 2, NOW, 2);
    assert.deepEqual(
      decisions.map((d) => [d.allowed, d.remaining]),
      [
        [true, 3],
        [true, 1],
      ],
    );
    const denied = decideRateLimit(state, r, 2, NOW);
    assert.deepEqual([denied.allowed, denied.remaining, denied.retryAfterMs], [false, 1, 200]);
    assert.equal(decideRateLimit(state, r, 2, NOW + 200).allowed, true);
    assert.equal(decideRateLimit(state, r, 1, NOW).allowed, true, 'the one left is still there');
  });

  it('always denies a cost above the limit, with no retry that could succeed', () => {
    const denied = decideRateLimit(undefined, rule(5, 1000), 6, NOW);
    assert.deepEqual({ ...denied }, { allowed: false, limit: 5, remaining: 5, resetAt: NOW, retryAfterMs: Infinity, state: undefined });
  });

  it('peeks with cost 0: allowed, nothing spent', () => {
    const r = rule(2, 1000);
    const { state } = burst(r, 2);
    const peek = decideRateLimit(state, r, 0, NOW);
    assert.deepEqual([peek.allowed, peek.remaining, peek.resetAt, peek.state], [true, 0, NOW + 1000, state]);
    assert.equal(decideRateLimit(undefined, r, 0, NOW).state, undefined);
  });

  it('treats a state long past as a full bucket', () => {
    const r = rule(2, 1000);
    const { state } = burst(r, 2);
    assert.equal(decideRateLimit(state, r, 2, NOW + 10 * 365 * 86_400_000).remaining, 0);
  });

  it('refuses rules and costs it cannot count exactly', () => {
    assert.equal(rateLimitRuleProblem(rule(10, 1000)), undefined);
    assert.match(rateLimitRuleProblem(rule(0, 1000))!, /limit/);
    assert.match(rateLimitRuleProblem(rule(1.5, 1000))!, /limit/);
    assert.match(rateLimitRuleProblem(rule(1, 0))!, /durationMs/);
    assert.match(rateLimitRuleProblem(rule(2 ** 26, 2 ** 25))!, /2\^50/);
    assert.throws(() => decideRateLimit(undefined, rule(0, 1000), 1, NOW), RangeError);
    assert.throws(() => decideRateLimit(undefined, rule(1, 1000), -1, NOW), RangeError);
    assert.throws(() => decideRateLimit(undefined, rule(1, 1000), 0.5, NOW), RangeError);
    assert.throws(() => decideRateLimit(undefined, rule(1, 1000), 1, NOW + 0.5), RangeError);
  });
});

describe('decideRateLimits', () => {
  const perSecond = rule(10, 1000, 'second');
  const perMinute = rule(2, 60_000, 'minute');
  const both = (cost = 1) => [
    { key: 's', rule: perSecond, cost },
    { key: 'm', rule: perMinute, cost },
  ];

  function run(checks: Parameters<typeof decideRateLimits>[0], store: Map<string, GcraState>, now = NOW) {
    const decision = decideRateLimits(checks, (key) => store.get(key), now);
    for (const { key, state } of decision.writes) store.set(key, state);
    return decision;
  }

  it('spends on every rule when all admit, and reports the one with the fewest remaining', () => {
    const store = new Map<string, GcraState>();
    const first = run(both(), store);
    assert.deepEqual(
      { ...first, writes: first.writes.map((w) => w.key) },
      { allowed: true, name: 'minute', limit: 2, remaining: 1, resetAt: NOW + 30_000, retryAfterMs: 0, writes: ['s', 'm'] },
    );
  });

  it('spends nothing when one rule denies, and names it', () => {
    const store = new Map<string, GcraState>();
    run(both(), store);
    run(both(), store);
    const secondBefore = store.get('s');
    const denied = run(both(), store);
    assert.equal(denied.allowed, false);
    assert.equal(denied.name, 'minute');
    assert.equal(denied.retryAfterMs, 30_000);
    assert.deepEqual(denied.writes, []);
    assert.equal(store.get('s'), secondBefore);
    assert.equal(decideRateLimit(store.get('s'), perSecond, 0, NOW).remaining, 8, 'only the two admitted were spent');
  });

  it('names the denying rule that admits the request last', () => {
    const store = new Map<string, GcraState>();
    run(
      [
        { key: 'a', rule: rule(1, 1000, 'a'), cost: 1 },
        { key: 'b', rule: rule(1, 5000, 'b'), cost: 1 },
      ],
      store,
    );
    const denied = run(
      [
        { key: 'a', rule: rule(1, 1000, 'a'), cost: 1 },
        { key: 'b', rule: rule(1, 5000, 'b'), cost: 1 },
      ],
      store,
    );
    assert.deepEqual([denied.name, denied.retryAfterMs], ['b', 5000]);
    const never = run(
      [
        { key: 'b', rule: rule(1, 5000, 'b'), cost: 1 },
        { key: 'a', rule: rule(1, 1000, 'a'), cost: 2 },
      ],
      store,
    );
    assert.deepEqual([never.name, never.retryAfterMs], ['a', Infinity]);
  });

  it('lets checks on one key see each other', () => {
    const store = new Map<string, GcraState>();
    const twice = [
      { key: 'k', rule: rule(3, 1000), cost: 2 },
      { key: 'k', rule: rule(3, 1000), cost: 2 },
    ];
    assert.equal(run(twice, store).allowed, false);
    assert.equal(store.size, 0);
    const fits = [
      { key: 'k', rule: rule(3, 1000), cost: 1 },
      { key: 'k', rule: rule(3, 1000), cost: 2 },
    ];
    const decision = run(fits, store);
    assert.deepEqual([decision.allowed, decision.remaining, decision.writes.length], [true, 0, 1]);
  });

  it('writes nothing for peeks and answers nameless when there is nothing to check', () => {
    const peek = decideRateLimits(both(0), () => undefined, NOW);
    assert.deepEqual([peek.allowed, peek.name, peek.remaining, peek.writes], [true, 'minute', 2, []]);
    assert.deepEqual(
      decideRateLimits([], () => undefined, NOW),
      {
        allowed: true,
        name: null,
        limit: 0,
        remaining: 0,
        resetAt: NOW,
        retryAfterMs: 0,
        writes: [],
      },
    );
  });
});

/** An independent model: a token bucket counted in BigInt, tokens in units of 1/durationMs of a request. */
function referenceBucket(r: RateLimitRule, start: number) {
  const L = BigInt(r.limit);
  const D = BigInt(r.durationMs);
  let tokens = L * D;
  let last = BigInt(start);
  const ceil = (a: bigint, b: bigint) => (a + b - 1n) / b;
  return (cost: number, at: number) => {
    const t = BigInt(at);
    tokens = tokens + (t - last) * L;
    if (tokens > L * D) tokens = L * D;
    last = t;
    const c = BigInt(cost);
    const allowed = cost === 0 || (c <= L && c * D <= tokens);
    if (allowed) tokens -= c * D;
    return {
      allowed,
      remaining: Number(tokens / D),
      resetAt: Number(t + ceil(L * D - tokens, L)),
      retryAfterMs: allowed ? 0 : c > L ? Infinity : Number(ceil(c * D - tokens, L)),
    };
  };
}

const ruleArb = fc.record({
  name: fc.constant('p'),
  limit: fc.integer({ min: 1, max: 40 }),
  durationMs: fc.integer({ min: 1, max: 5000 }),
});
const requestsArb = (maxGap: number) => fc.array(fc.record({ gap: fc.nat({ max: maxGap }), cost: fc.nat({ max: 4 }) }), { maxLength: 120 });

describe('rate limit properties', () => {
  it('agrees with an exact token bucket on every answer, and its retryAfterMs is the first instant that works', () => {
    fc.assert(
      fc.property(
        ruleArb,
        fc.integer({ min: 1, max: 3 }).chain((k) => requestsArb(k * 400)),
        (r, requests) => {
          const reference = referenceBucket(r, NOW);
          let state: GcraState | undefined;
          let now = NOW;
          for (const { gap, cost } of requests) {
            now += gap;
            const decision = decideRateLimit(state, r, cost, now);
            const { state: next, ...answer } = decision;
            assert.deepEqual({ ...answer, limit: undefined }, { ...reference(cost, now), limit: undefined });
            if (!decision.allowed && Number.isFinite(decision.retryAfterMs)) {
              assert.equal(decideRateLimit(state, r, cost, now + decision.retryAfterMs - 1).allowed, false);
              assert.equal(decideRateLimit(state, r, cost, now + decision.retryAfterMs).allowed, true);
            }
            state = next;
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never admits more than limit + w·limit/durationMs over any span of w ms', () => {
    fc.assert(
      fc.property(ruleArb, requestsArb(300), (r, requests) => {
        let state: GcraState | undefined;
        let now = NOW;
        const admitted: Array<{ at: number; cost: number }> = [];
        for (const { gap, cost } of requests) {
          now += gap;
          const decision = decideRateLimit(state, r, cost, now);
          if (decision.allowed) admitted.push({ at: now, cost });
          state = decision.state;
        }
        for (let i = 0; i < admitted.length; i++) {
          let total = 0;
          for (let j = i; j < admitted.length; j++) {
            total += admitted[j]!.cost;
            const span = admitted[j]!.at - admitted[i]!.at;
            // In integers: total ≤ limit + span·limit/durationMs.
            assert.ok(total * r.durationMs <= r.limit * r.durationMs + span * r.limit, `${total} in ${span} ms`);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('spends on several rules only when every one admits', () => {
    const checkArb = fc.record({ key: fc.constantFrom('a', 'b', 'c'), rule: ruleArb, cost: fc.nat({ max: 4 }) });
    const stateArb = fc.option(fc.record({ tatMs: fc.integer({ min: NOW - 2000, max: NOW + 5000 }), tatFraction: fc.constant(0) }), { nil: undefined });
    fc.assert(
      fc.property(fc.array(checkArb, { minLength: 1, maxLength: 4 }), fc.dictionary(fc.constantFrom('a', 'b', 'c'), stateArb), (checks, stored) => {
        const decision = decideRateLimits(checks, (key) => stored[key], NOW);
        const distinctKeys = new Set(checks.map((c) => c.key)).size === checks.length;
        if (distinctKeys) {
          const alone = checks.map((c) => decideRateLimit(stored[c.key], c.rule, c.cost, NOW));
          assert.equal(
            decision.allowed,
            alone.every((d) => d.allowed),
          );
          if (decision.allowed) {
            assert.equal(decision.remaining, Math.min(...alone.map((d) => d.remaining)));
            assert.deepEqual(new Set(decision.writes.map((w) => w.key)), new Set(checks.filter((c) => c.cost > 0).map((c) => c.key)));
          } else {
            assert.equal(decision.retryAfterMs, Math.max(...alone.map((d) => d.retryAfterMs)));
          }
        }
        if (!decision.allowed) assert.deepEqual(decision.writes, []);
      }),
      { numRuns: 500 },
    );
  });
});
