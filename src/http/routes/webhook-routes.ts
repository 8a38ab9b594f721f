import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { formatCredits } from '../../core/credits.js';
import type { WebhookRecord } from '../../core/webhook.js';
import type { Services } from '../../service/services.js';
import type { DeliveryRecord } from '../../store/event-outbox-store.js';
import { callContext, requires, teamRefOf } from '../call-context.js';
import { creditsInput } from '../credit-input.js';
import { authErrors, ErrorResponse, TeamQuery } from '../schemas/common.js';
import {
  CreateWebhookBody,
  DeliveryPage,
  DeliveryParams,
  DeliveryQuery,
  DeliveryView,
  TestEventResponse,
  UpdateWebhookBody,
  WebhookIdParams,
  WebhookListQuery,
  WebhookPage,
  WebhookView,
  WebhookWithSecretResponse,
} from '../schemas/webhook-schemas.js';

const tags = ['webhooks'];
const notFound = { 404: ErrorResponse };

/** A webhook as the API shows it: never its secret. */
export function webhookView(w: WebhookRecord) {
  return {
    id: w.id,
    url: w.url,
    description: w.description,
    events: [...w.events],
    scope: w.scope,
    teamId: w.teamId,
    ownerUserId: w.ownerUserId,
    status: w.status,
    expiringDays: w.expiringDays,
    creditsLowThreshold: w.creditsLowThreshold === null ? null : formatCredits(w.creditsLowThreshold),
    consecutiveFailures: w.consecutiveFailures,
    failingSince: w.failingSince,
    secretVersion: w.secretVersion,
    createdAt: w.createdAt,
    updatedAt: w.updatedAt,
  };
}

function deliveryView(d: DeliveryRecord) {
  const { webhookId: _w, eventSeq: _s, leaseUntil: _l, firstAttemptAt: _f, ...view } = d;
  return view;
}

const threshold = (text: string | null | undefined) =>
  text === undefined ? {} : { creditsLowThreshold: text === null ? null : creditsInput(text, 'creditsLowThreshold') };

/** Webhooks and their deliveries (docs/webhooks.md). */
export function webhookRoutes(services: Pick<Services, 'webhooks'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/webhooks',
      {
        schema: {
          tags,
          security: requires('webhooks:write'),
          summary: 'Create a webhook; its signing secret is in this response and never again',
          querystring: Type.Object(TeamQuery),
          body: CreateWebhookBody,
          response: { 201: WebhookWithSecretResponse, ...authErrors },
        },
      },
      async (request, reply) => {
        const { teamId, creditsLowThreshold, ...input } = request.body;
        const created = await services.webhooks.create(callContext(request), {
          ...input,
          team: teamRefOf(teamId ? { teamId } : request.query),
          ...threshold(creditsLowThreshold),
        });
        reply.header('cache-control', 'no-store');
        return reply.code(201).send({ webhook: webhookView(created.webhook), secret: created.secret });
      },
    );

    app.get(
      '/v1/webhooks',
      {
        schema: {
          tags,
          security: requires('webhooks:read'),
          summary: "Your webhooks, a team's (?teamId=), or the installation's (?installation=true, admins)",
          querystring: WebhookListQuery,
          response: { 200: WebhookPage, ...authErrors },
        },
      },
      async (request) => {
        const { teamId, slug, installation, limit = 50, cursor } = request.query;
        const page = await services.webhooks.list(callContext(request), {
          team: teamRefOf({ teamId, slug }),
          limit,
          ...(installation ? { installation } : {}),
          ...(cursor === undefined ? {} : { cursor }),
        });
        return { items: page.items.map(webhookView), nextCursor: page.nextCursor };
      },
    );

    app.get(
      '/v1/webhooks/:id',
      {
        schema: {
          tags,
          security: requires('webhooks:read'),
          summary: 'A webhook and its state',
          params: WebhookIdParams,
          response: { 200: WebhookView, ...authErrors, ...notFound },
        },
      },
      async (request) => webhookView(await services.webhooks.get(callContext(request), request.params.id)),
    );

    app.patch(
      '/v1/webhooks/:id',
      {
        schema: {
          tags,
          security: requires('webhooks:write'),
          summary: 'Change a webhook: url, events, description, on or off (true resumes a paused one)',
          params: WebhookIdParams,
          body: UpdateWebhookBody,
          response: { 200: WebhookView, ...authErrors, ...notFound },
        },
      },
      async (request) => {
        const { enabled, creditsLowThreshold, ...patch } = request.body;
        const updated = await services.webhooks.update(callContext(request), request.params.id, {
          ...patch,
          ...threshold(creditsLowThreshold),
          ...(enabled === undefined ? {} : { status: enabled ? 'active' : 'disabled' }),
        });
        return webhookView(updated);
      },
    );

    app.delete(
      '/v1/webhooks/:id',
      {
        schema: {
          tags,
          security: requires('webhooks:write'),
          summary: 'Delete a webhook and its deliveries',
          params: WebhookIdParams,
          response: { 204: Type.Null({ description: 'Deleted.' }), ...authErrors, ...notFound },
        },
      },
      async (request, reply) => {
        await services.webhooks.delete(callContext(request), request.params.id);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/v1/webhooks/:id/rotate-secret',
      {
        schema: {
          tags,
          security: requires('webhooks:write'),
          summary: 'A new signing secret; the old one also signs for 24 hours',
          params: WebhookIdParams,
          response: { 200: WebhookWithSecretResponse, ...authErrors, ...notFound },
        },
      },
      async (request, reply) => {
        const rotated = await services.webhooks.rotateSecret(callContext(request), request.params.id);
        reply.header('cache-control', 'no-store');
        return { webhook: webhookView(rotated.webhook), secret: rotated.secret };
      },
    );

    app.post(
      '/v1/webhooks/:id/test',
      {
        schema: {
          tags,
          security: requires('webhooks:write'),
          summary: 'Send a webhook.test event to this webhook',
          params: WebhookIdParams,
          response: { 202: TestEventResponse, ...authErrors, ...notFound },
        },
      },
      async (request, reply) => reply.code(202).send(await services.webhooks.test(callContext(request), request.params.id)),
    );

    app.get(
      '/v1/webhooks/:id/deliveries',
      {
        schema: {
          tags,
          security: requires('webhooks:read'),
          summary: "A webhook's deliveries, newest first: status, attempts, last answer, next attempt",
          params: WebhookIdParams,
          querystring: DeliveryQuery,
          response: { 200: DeliveryPage, ...authErrors, ...notFound },
        },
      },
      async (request) => {
        const { limit = 50, cursor } = request.query;
        const page = await services.webhooks.deliveries(callContext(request), request.params.id, { limit, ...(cursor === undefined ? {} : { cursor }) });
        return { items: page.items.map(deliveryView), nextCursor: page.nextCursor };
      },
    );

    app.post(
      '/v1/webhooks/:id/deliveries/:deliveryId/redeliver',
      {
        schema: {
          tags,
          security: requires('webhooks:write'),
          summary: "Send a delivery's event again (a new delivery, the same webhook-id)",
          params: DeliveryParams,
          response: { 202: DeliveryView, ...authErrors, ...notFound },
        },
      },
      async (request, reply) =>
        reply.code(202).send(deliveryView(await services.webhooks.redeliver(callContext(request), request.params.id, request.params.deliveryId))),
    );
  };
}
