import { after, before } from 'node:test';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { PrometheusMetrics } from '../../src/adapters/metrics/prometheus-metrics.js';
import { buildApp } from '../../src/http/app.js';
import { bootstrap } from '../../src/service/bootstrap.js';
import type { Background } from '../../src/service/background.js';
import type { Runtime } from '../../src/service/runtime.js';
import { createServices, type ServiceOptions, type Services } from '../../src/service/services.js';
import { createMemoryStores } from '../../src/store/memory/memory-stores.js';
import type { Stores } from '../../src/store/stores.js';
import { describeEachStore, type StoreDatabase } from './store-factories.js';

/** A clock tests move by hand, with real randomness; a sleep is noted and returns at once. */
export class ManualClock implements Runtime {
  constructor(public time = Date.UTC(2026, 10, 22, 12, 0, 0)) {}
  /** Every sleep asked for, in ms, in order. */
  readonly slept: number[] = [];
  now = (): number => this.time;
  randomBytes = (n: number): Uint8Array => randomBytes(n);
  sleep = async (ms: number): Promise<void> => {
    this.slept.push(ms);
  };
  advance(ms: number): void {
    this.time += ms;
  }
}

export interface Harness {
  app: FastifyInstance;
  services: Services;
  /** The change feed, usage recorder, rate limiter and token cache behind the services; not started. */
  background: Background;
  stores: Stores;
  clock: ManualClock;
  /** The bootstrap admin's secret. */
  admin: string;
  request(options: InjectOptions & { as?: string }): Promise<LightMyRequestResponse>;
  /** Creates a member user with a personal token; returns the user id and the secret. */
  user(name: string): Promise<{ id: string; secret: string }>;
  /** Stops the app and flushes; the stores belong to the caller. */
  close(): Promise<void>;
}

export async function startHarness(stores: Stores = createMemoryStores(), options: ServiceOptions = {}): Promise<Harness> {
  const clock = new ManualClock();
  // The guard against guessing is tested on its own; elsewhere many refusals from one address are the point.
  const { services, background } = createServices(stores, { failedAttemptsPerMinute: 0, metrics: new PrometheusMetrics(), ...options, runtime: clock });
  const admin = (await bootstrap(stores, clock))!;
  const app = await buildApp(services);
  const request: Harness['request'] = ({ as, headers, ...options }) =>
    app.inject({ ...options, headers: { ...(as ? { authorization: `Bearer ${as}` } : {}), ...headers } });
  return {
    app,
    services,
    background,
    stores,
    clock,
    admin,
    request,
    async user(name) {
      const created = await request({ method: 'POST', url: '/v1/users', as: admin, payload: { name } });
      const id = created.json().user.id as string;
      const token = await request({
        method: 'POST',
        url: '/v1/tokens',
        as: admin,
        payload: { name: `${name} personal`, type: 'personal', ownerUserId: id },
      });
      return { id, secret: token.json().secret as string };
    },
    async close() {
      await app.close();
      await background.usage.stop();
      await background.analytics?.stop();
    },
  };
}

/** One describe block per backend with a harness over its stores (and their database, for SQL), ready before the first test. */
export async function describeEachApp(title: string, body: (h: Harness, database: StoreDatabase) => void, options: ServiceOptions = {}): Promise<void> {
  await describeEachStore(title, (stores, database) => {
    const h = {} as Harness;
    before(async () => {
      Object.assign(h, await startHarness(stores, options));
    });
    after(() => h.close?.());
    body(h, database);
  });
}

/** Runs `body` against a harness of its own, closed afterwards. */
export async function withHarness(body: (h: Harness) => Promise<void>, stores?: Stores, options: ServiceOptions = {}): Promise<void> {
  const h = await startHarness(stores, options);
  try {
    await body(h);
  } finally {
    await h.close();
  }
}
