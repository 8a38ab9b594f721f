import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { tessera as expressTessera } from '../src/express.js';
import { tessera as fastifyTessera } from '../src/fastify.js';
import type { GuardOptions, Verified } from '../src/guard.js';
import { tessera as honoTessera, type TesseraEnv } from '../src/hono.js';

/** A route of the apps under test: its path and the middleware's options, the same in every framework. */
export interface RouteSpec {
  path: string;
  options: Omit<GuardOptions<never>, 'ip' | 'requirementsFor' | 'onError'> & { onError?: () => 'allow' };
  /** The client's address is the one a proxy on loopback forwards (X-Forwarded-For). */
  behindProxy?: boolean;
}

export interface RunningApp {
  url: string;
  close(): Promise<void>;
}

export interface Framework {
  name: string;
  start(routes: RouteSpec[]): Promise<RunningApp>;
}

/** What every route answers: what it saw of the key. */
export function seen(verified: Verified | undefined) {
  return { tokenId: verified?.token.id ?? null, remaining: verified?.remaining ?? null, rateLimit: verified?.rateLimit ?? null };
}

const express5: Framework = {
  name: 'Express',
  async start(routes) {
    const app = express();
    // Express's own trust-proxy setting decides req.ip; the middleware follows it.
    app.set('trust proxy', 'loopback');
    for (const route of routes) app.get(route.path, expressTessera(route.options), (req, res) => void res.json(seen(req.tessera)));
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise((resolve) => server.close(() => resolve())),
    };
  },
};

const fastify5: Framework = {
  name: 'Fastify',
  async start(routes) {
    const app = Fastify({ trustProxy: '127.0.0.1' });
    app.decorateRequest('tessera', undefined);
    for (const route of routes) app.get(route.path, { preHandler: fastifyTessera(route.options) }, async (request) => seen(request.tessera));
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return { url, close: () => app.close() };
  },
};

const hono4: Framework = {
  name: 'Hono',
  async start(routes) {
    const app = new Hono<TesseraEnv>();
    // Hono has no trust-proxy setting: a route behind a proxy says where the address comes from.
    const forwarded = (c: Parameters<typeof getConnInfo>[0]) => c.req.header('x-forwarded-for') ?? getConnInfo(c).remote.address;
    for (const route of routes) {
      app.get(route.path, honoTessera(route.behindProxy ? { ...route.options, ip: forwarded } : route.options), (c) => c.json(seen(c.get('tessera'))));
    }
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await once(server, 'listening');
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise((resolve) => server.close(() => resolve())),
    };
  },
};

export const FRAMEWORKS: Framework[] = [express5, fastify5, hono4];
