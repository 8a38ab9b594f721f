/**
 * The load scenarios of `npm run bench` (issues 6 and 18). Each prepares its requests against a
 * running tessera, through the API as a client would, and checks a sample of the answers
 * before any round: a round of wrong answers would be measured as happily as one of right ones.
 * tessera runs in its default configuration, as `npm start` runs it, unless a scenario sets
 * something (`env`): then it says why.
 */
import { randomBytes } from 'node:crypto';
import { BASE62_ALPHABET } from '../src/core/base62.js';
import { generateSecret } from '../src/core/secret.js';
import type { LoadPlan } from './load.js';
import type { BaselineKind, Targets } from './report.js';

/** Where a scenario runs: a SQLite store of the large size, one of the small size, or PostgreSQL. */
export type StoreKind = 'sqlite-large' | 'sqlite-small' | 'postgres';

export interface ScenarioContext {
  url: string;
  /** The admin token (TESSERA_BOOTSTRAP_TOKEN). */
  admin: string;
  /** Secrets of seeded tokens, spread over the store. */
  secrets: readonly string[];
}

export interface Scenario {
  name: string;
  /** Its number in issue 6's list, the order of the tables; the list below is the order of running. */
  item: number;
  /** `{n}` stands for the number of distinct request bodies. */
  title: string;
  stores: readonly StoreKind[];
  /** Against the first of `baselines`. */
  targets(store: StoreKind): Targets;
  /**
   * What it is measured against, the first being what its targets are against; a row each, from
   * the same tessera rounds. The bare node:http server when not given.
   */
  baselines?(store: StoreKind): readonly BaselineKind[];
  note?: string;
  /** Settings it runs with, on a tessera process of its own (fresh, so its RSS compares across stores); the defaults when not given. */
  env?: Record<string, string>;
  prepare(ctx: ScenarioContext): Promise<LoadPlan>;
}

interface Answer {
  status: number;
  text: string;
  body: any;
}

async function call(url: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, text, body: parsed };
}

/** A setup call that must succeed. */
async function setup(url: string, method: string, path: string, body: unknown, admin: string): Promise<any> {
  const answer = await call(url, method, path, body, { authorization: `Bearer ${admin}` });
  if (answer.status >= 300) throw new Error(`setup ${method} ${path}: ${answer.status} ${answer.text}`);
  return answer.body;
}

/** Sends some of the plan's requests once and throws unless `ok` holds for each answer. */
export async function probe(url: string, plan: LoadPlan, ok: (answer: Answer, body: string | undefined) => boolean, samples = 10): Promise<void> {
  const bodies = plan.bodies ?? [plan.body];
  const step = Math.max(1, Math.floor(bodies.length / samples));
  for (let i = 0; i < bodies.length; i += step) {
    const body = bodies[i];
    const answer = await call(url, plan.method, plan.path, body, plan.headers);
    if (!ok(answer, body))
      throw new Error(`probe of ${plan.method} ${plan.path} with ${body ?? 'no body'}: unexpected ${answer.status} ${answer.text.slice(0, 300)}`);
  }
}

const verifyBody = (token: string, extra: Record<string, unknown> = {}) => JSON.stringify({ token, ...extra });
export const valid = (a: Answer) => a.status === 200 && a.body?.valid === true && a.body?.code === 'VALID';
const notFound = (a: Answer) => a.status === 200 && a.body?.valid === false && a.body?.code === 'NOT_FOUND';

function otherBase62(c: string, shift: number): string {
  const at = BASE62_ALPHABET.indexOf(c);
  return BASE62_ALPHABET[(at + 1 + (shift % 61)) % 62]!;
}

/**
 * The flood, in five equal parts: tessera-shaped secrets with a wrong checksum; real secrets
 * with one character mistyped; real secrets cut short; garbage (random text of random length);
 * and well-formed secrets with a right checksum that no one issued. The first four fail the
 * checksum without I/O; the last reach the store once each and are then cached as unknown.
 */
export function floodTokens(real: readonly string[], count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const secret = real[i % real.length]!;
    switch (i % 5) {
      case 0: {
        const made = generateSecret('tsk', randomBytes);
        out.push(made.slice(0, -1) + otherBase62(made.at(-1)!, i));
        break;
      }
      case 1: {
        const at = 4 + (i % 36);
        out.push(secret.slice(0, at) + otherBase62(secret[at]!, i) + secret.slice(at + 1));
        break;
      }
      case 2:
        out.push(secret.slice(0, secret.length - 1 - (i % 8)));
        break;
      case 3:
        out.push(randomBytes(6 + (i % 60)).toString('base64'));
        break;
      default:
        out.push(generateSecret(['tsk', 'tsr', 'tsre'][i % 3]!, randomBytes));
    }
  }
  return out;
}

/**
 * In the order they run: those with settings of their own each on a tessera process of its own,
 * the others one after the other on one process in the default configuration, creation last, as
 * it grows the store.
 */
export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'verify-misses',
    item: 2,
    title: 'verify {n} distinct tokens (cache misses)',
    stores: ['sqlite-large', 'sqlite-small', 'postgres'],
    targets: (store) => (store === 'sqlite-large' ? { minRatio: 0.8, maxRssMb: 250 } : {}),
    // The miss floor reads SQLite: on PostgreSQL there is only the bare server to compare with.
    baselines: (store) => (store === 'postgres' ? ['bare'] : ['miss-floor', 'bare']),
    // At more than 10k verifications a second, 100k tokens come round again within the default
    // TTL (10 s) and would be served from the cache: a short one keeps every lookup a miss up to
    // 100k verifications a second (at 4 s, a run at 30k/s was two thirds cache hits).
    env: { TESSERA_CACHE_TTL_MS: '1000' },
    note:
      'TESSERA_CACHE_TTL_MS=1000 (default 10 s): at the default, the tokens would come round again within the TTL and be served from the cache. ' +
      'Everything else default, logging too.',
    async prepare({ url, secrets }) {
      const plan: LoadPlan = { method: 'POST', path: '/v1/verify', bodies: secrets.map((s) => verifyBody(s)) };
      await probe(url, plan, valid);
      return plan;
    },
  },
  {
    name: 'verify-warm',
    item: 1,
    title: 'verify one token, warm',
    stores: ['sqlite-large', 'postgres'],
    targets: () => ({ minRatio: 0.7, maxP99Ratio: 1.5 }),
    note:
      'tessera as `npm start` runs it (`--heap-growing-percent=50`, default settings: LOG_LEVEL unset, so info; the JSON log goes to stdout, here /dev/null); ' +
      'given only what the benchmark needs (TESSERA_BOOTSTRAP_TOKEN for its setup calls, --data-dir, --port 0). ' +
      "Every request goes through Node's HTTP server.",
    async prepare({ url, secrets }) {
      const plan: LoadPlan = { method: 'POST', path: '/v1/verify', body: verifyBody(secrets[0]!) };
      await probe(url, plan, valid);
      return plan;
    },
  },
  {
    name: 'forward-auth',
    item: 1,
    title: 'forward-auth, one key, warm',
    stores: ['sqlite-large', 'postgres'],
    targets: () => ({}),
    note: "GET /v1/forward-auth with the key as bearer, as a gateway asks: verify-warm's work (the same token, no requirements), answered in headers. tessera as `npm start` runs it.",
    async prepare({ url, secrets }) {
      const plan: LoadPlan = { method: 'GET', path: '/v1/forward-auth', headers: { authorization: `Bearer ${secrets[0]!}` } };
      await probe(url, plan, (a) => a.status === 200 && a.text === '');
      return plan;
    },
  },
  {
    name: 'verify-warm-log-warn',
    item: 1,
    title: 'verify one token, warm',
    stores: ['sqlite-large'],
    targets: () => ({}),
    env: { LOG_LEVEL: 'warn' },
    note: "The default row's load with LOG_LEVEL=warn (no line for a request that goes well), on a process of its own: the difference from the default row is what logging at info costs.",
    async prepare({ url, secrets }) {
      const plan: LoadPlan = { method: 'POST', path: '/v1/verify', body: verifyBody(secrets[0]!) };
      await probe(url, plan, valid);
      return plan;
    },
  },
  {
    name: 'verify-warm-analytics-off',
    item: 1,
    title: 'verify one token, warm',
    stores: ['sqlite-large'],
    targets: () => ({}),
    env: { TESSERA_ANALYTICS: 'off' },
    note: "The default row's load with TESSERA_ANALYTICS=off (no verification counted per token and minute), on a process of its own: the difference from the default row, where analytics is on, is what counting costs.",
    async prepare({ url, secrets }) {
      const plan: LoadPlan = { method: 'POST', path: '/v1/verify', body: verifyBody(secrets[0]!) };
      await probe(url, plan, valid);
      return plan;
    },
  },
  {
    name: 'verify-warm-tags',
    item: 1,
    title: 'verify one token, warm, with two tags',
    stores: ['sqlite-large'],
    targets: () => ({ minRatio: 0.7, maxP99Ratio: 1.5 }),
    note: "verify-warm's load with `tags: ['plan:pro', 'route:/v1/orders']` in every body: each verification also counted under each tag. tessera as `npm start` runs it.",
    async prepare({ url, secrets }) {
      const plan: LoadPlan = { method: 'POST', path: '/v1/verify', body: verifyBody(secrets[0]!, { tags: ['plan:pro', 'route:/v1/orders'] }) };
      await probe(url, plan, valid);
      return plan;
    },
  },
  {
    name: 'flood',
    item: 3,
    title: 'flood of made-up and mistyped tokens',
    stores: ['sqlite-small'],
    targets: () => ({ minRatio: 0.8 }),
    env: { TESSERA_FAILED_ATTEMPTS_PER_MINUTE: '0' },
    note: 'TESSERA_FAILED_ATTEMPTS_PER_MINUTE=0: with the guard at its default (100 a minute), one address flooding gets 429 after its 100th miss. Everything else default, logging too.',
    async prepare({ url, secrets }) {
      const plan: LoadPlan = { method: 'POST', path: '/v1/verify', bodies: floodTokens(secrets, 50_000).map((t) => verifyBody(t)) };
      await probe(url, plan, notFound, 50);
      return plan;
    },
  },
  {
    name: 'batch',
    item: 4,
    title: 'batch verify of 100 tokens',
    stores: ['sqlite-small'],
    targets: () => ({}),
    note: 'One request carries 100 tokens: 100 verifications per request; the baseline parses the same 4.3 kB body.',
    async prepare({ url, secrets }) {
      const plan: LoadPlan = { method: 'POST', path: '/v1/verify/batch', body: JSON.stringify({ tokens: secrets.slice(0, 100) }) };
      await probe(url, plan, (a) => a.status === 200 && a.body?.results?.length === 100 && a.body.results.every((r: any) => r.valid));
      return plan;
    },
  },
  {
    name: 'charge',
    item: 6,
    title: 'verify with a credit charge',
    stores: ['sqlite-small', 'postgres'],
    targets: (store) => (store === 'postgres' ? {} : { minRatio: 0.5 }),
    note: 'Every request charges the same token: a guarded charge of one row (the charges of one event-loop turn are one UPDATE).',
    async prepare({ url, admin }) {
      const created = await setup(url, 'POST', '/v1/tokens', { name: 'bench charge', type: 'api', credits: '1000000000' }, admin);
      const plan: LoadPlan = { method: 'POST', path: '/v1/verify', body: verifyBody(created.secret, { cost: '1' }) };
      await probe(url, plan, (a) => valid(a) && typeof a.body.remaining === 'string');
      return plan;
    },
  },
  {
    name: 'unleash-validate',
    item: 7,
    title: 'Unleash /edge/validate, one token',
    stores: ['sqlite-small'],
    targets: () => ({}),
    async prepare({ url, admin }) {
      const issued = await setup(url, 'POST', '/edge/issue-token', { tokens: [{ environment: 'development', projects: ['default'] }] }, admin);
      const text = issued.tokens[0].token as string;
      const plan: LoadPlan = { method: 'POST', path: '/edge/validate', body: JSON.stringify({ tokens: [text] }) };
      await probe(url, plan, (a) => a.status === 200 && a.body?.tokens?.[0]?.token === text);
      return plan;
    },
  },
  {
    name: 'edge-config-read',
    item: 7,
    title: 'Edge Config item read',
    stores: ['sqlite-small'],
    targets: () => ({}),
    note: 'GET /<edgeConfigId>/item/<key> with the Edge Config token as bearer, as @vercel/edge-config reads.',
    async prepare({ url, admin }) {
      const items = { greeting: 'hello', limits: { rps: 5, burst: 20 } };
      const config = await setup(url, 'POST', '/v1/edge-config', { slug: 'bench', items }, admin);
      const token = await setup(url, 'POST', `/v1/edge-config/${config.id}/token`, { label: 'bench' }, admin);
      const plan: LoadPlan = { method: 'GET', path: `/${config.id}/item/greeting`, headers: { authorization: `Bearer ${token.token}` } };
      await probe(url, plan, (a) => a.status === 200 && a.body === 'hello');
      return plan;
    },
  },
  {
    name: 'create',
    item: 5,
    title: 'token creation',
    stores: ['sqlite-small'],
    targets: () => ({}),
    note: 'POST /v1/tokens with the admin token: one token row and one audit event written per request; the store grows during the rounds.',
    async prepare({ url, admin }) {
      const plan: LoadPlan = { method: 'POST', path: '/v1/tokens', headers: { authorization: `Bearer ${admin}` }, body: JSON.stringify({ name: 'bench' }) };
      await probe(url, plan, (a) => a.status === 201 && typeof a.body?.secret === 'string', 1);
      return plan;
    },
  },
];
