import { teamRoleCanWrite, type TeamRole } from '../core/account.js';
import { AppError } from '../core/errors.js';
import type { EventType } from '../core/events.js';
import { newId } from '../core/ids.js';
import { webhookSecretKeyOf, webhookSecretOf, type WebhookRecord, type WebhookScope } from '../core/webhook.js';
import { webhookUrlProblem } from '../core/webhook-url.js';
import type { DeliveryRecord, EventOutboxStore } from '../store/event-outbox-store.js';
import type { Page } from '../store/page.js';
import type { WebhookPatch, WebhookStore } from '../store/webhook-store.js';
import type { AccessPolicy, TeamRef } from './access-policy.js';
import type { AuditService } from './audit-service.js';
import type { CallContext, Principal } from './principal.js';
import type { Runtime } from './runtime.js';
import type { WebhookOutbox } from './webhook-outbox.js';

export interface CreateWebhookInput {
  url: string;
  events: EventType[];
  description?: string;
  team?: TeamRef;
  /** An admin's webhook that hears of everything in the installation. */
  installation?: boolean;
  expiringDays?: number;
  creditsLowThreshold?: bigint | null;
}

/** A webhook and its signing secret: answered at creation and rotation only. */
export interface WebhookWithSecret {
  webhook: WebhookRecord;
  secret: string;
}

/** How long a rotated-out secret still signs deliveries, so receivers can switch without a gap. */
const ROTATION_OVERLAP_MS = 24 * 3_600_000;
export const DEFAULT_EXPIRING_DAYS = 7;

/**
 * Webhooks, for the people who own them (docs/webhooks.md). A team's webhook is the team's: its
 * owners and members manage it, its viewers read it (its deliveries included); a webhook without a
 * team is its creator's and hears of their own objects only; an installation webhook (admins only)
 * hears of everything and is managed by admins. A webhook another caller may not read is answered
 * NOT_FOUND, so ids cannot be probed. Every change is audited; the secret never leaves but in the
 * answer to create and rotate.
 */
export class WebhookService {
  readonly #secretKey: Buffer;

  constructor(
    private readonly deps: {
      webhooks: WebhookStore;
      outbox: EventOutboxStore;
      publisher: WebhookOutbox;
      access: AccessPolicy;
      audit: AuditService;
      runtime: Runtime;
      serverKey: Uint8Array;
    },
    private readonly options: {
      allowPrivate: boolean;
      /** After a webhook is made, changed or deleted on this node (the credit thresholds are read again). */
      onChanged?: () => Promise<void>;
    },
  ) {
    this.#secretKey = webhookSecretKeyOf(deps.serverKey);
  }

  async create(ctx: CallContext, input: CreateWebhookInput): Promise<WebhookWithSecret> {
    const { principal } = ctx;
    this.#assertUrl(input.url);
    const events = unique(input.events);
    let scope: WebhookScope = 'user';
    let teamId: string | null = null;
    if (input.installation) {
      if (input.team) throw new AppError('VALIDATION_ERROR', 'an installation webhook belongs to no team: leave out teamId');
      this.deps.access.requireAdmin(principal);
      scope = 'installation';
    } else {
      const team = await this.deps.access.actingTeam(principal, input.team, 'write');
      if (team) {
        scope = 'team';
        teamId = team.team.id;
      }
    }
    const now = this.deps.runtime.now();
    const webhook: WebhookRecord = {
      id: newId('whk', now, this.deps.runtime.randomBytes),
      url: input.url,
      description: input.description ?? '',
      events,
      scope,
      ownerUserId: principal.user.id,
      teamId,
      status: 'active',
      secretVersion: 1,
      previousSecretUntil: null,
      expiringDays: input.expiringDays ?? DEFAULT_EXPIRING_DAYS,
      creditsLowThreshold: input.creditsLowThreshold ?? null,
      consecutiveFailures: 0,
      failingSince: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.deps.webhooks.insert(webhook);
    await this.#audit(ctx, webhook, 'webhook.create', { url: webhook.url, events, scope });
    await this.options.onChanged?.();
    return { webhook, secret: this.#secretOf(webhook) };
  }

  async list(ctx: CallContext, query: { team?: TeamRef; installation?: boolean; limit: number; cursor?: string }): Promise<Page<WebhookRecord>> {
    const { principal } = ctx;
    const page = { limit: query.limit, ...(query.cursor === undefined ? {} : { cursor: query.cursor }) };
    if (query.installation) {
      this.deps.access.requireAdmin(principal);
      return this.deps.webhooks.list({ scope: 'installation' }, page);
    }
    const team = await this.deps.access.actingTeam(principal, query.team, 'read');
    return this.deps.webhooks.list(team ? { teamId: team.team.id } : { ownerUserId: principal.user.id }, page);
  }

  async get(ctx: CallContext, id: string): Promise<WebhookRecord> {
    return (await this.#readable(ctx.principal, id)).webhook;
  }

  async update(ctx: CallContext, id: string, patch: WebhookPatch): Promise<WebhookRecord> {
    const webhook = await this.#writable(ctx.principal, id);
    if (patch.url !== undefined) this.#assertUrl(patch.url);
    const now = this.deps.runtime.now();
    const updated = await this.deps.webhooks.update(webhook.id, { ...patch, ...(patch.events ? { events: unique(patch.events) } : {}) }, now);
    if (!updated) throw notFound();
    // Resuming a paused webhook sends its backlog now rather than at each delivery's next retry.
    if (patch.status === 'active' && webhook.status !== 'active') {
      await this.deps.outbox.resume(webhook.id, now);
      this.deps.publisher.onAppended();
    }
    const changed = Object.keys(patch).filter((k) => patch[k as keyof WebhookPatch] !== undefined);
    await this.#audit(ctx, updated, 'webhook.update', { changed, status: updated.status });
    await this.options.onChanged?.();
    return updated;
  }

  async delete(ctx: CallContext, id: string): Promise<void> {
    const webhook = await this.#writable(ctx.principal, id);
    if (!(await this.deps.webhooks.delete(webhook.id))) throw notFound();
    await this.#audit(ctx, webhook, 'webhook.delete', { url: webhook.url });
  }

  /** A new secret; the previous one keeps signing (beside it) for 24 hours. */
  async rotateSecret(ctx: CallContext, id: string): Promise<WebhookWithSecret> {
    const webhook = await this.#writable(ctx.principal, id);
    const now = this.deps.runtime.now();
    const rotated = await this.deps.webhooks.rotateSecret(webhook.id, now + ROTATION_OVERLAP_MS, now);
    if (!rotated) throw notFound();
    await this.#audit(ctx, rotated, 'webhook.rotate', { secretVersion: rotated.secretVersion });
    return { webhook: rotated, secret: this.#secretOf(rotated) };
  }

  /** Sends a `webhook.test` event to this webhook alone, through the outbox like any other. */
  async test(ctx: CallContext, id: string): Promise<{ eventId: string }> {
    const webhook = await this.#writable(ctx.principal, id);
    const event = await this.deps.publisher.publishTo(webhook.id, {
      type: 'webhook.test',
      subject: webhook.id,
      teamId: webhook.teamId,
      ownerUserId: webhook.ownerUserId,
      data: { webhook: { id: webhook.id, url: webhook.url, description: webhook.description }, requestedBy: ctx.principal.user.id },
    });
    await this.#audit(ctx, webhook, 'webhook.test', { eventId: event.id });
    return { eventId: event.id };
  }

  async deliveries(ctx: CallContext, id: string, page: { limit: number; cursor?: string }): Promise<Page<DeliveryRecord>> {
    const { webhook } = await this.#readable(ctx.principal, id);
    return this.deps.outbox.listDeliveries(webhook.id, page);
  }

  /** Queues the delivery's event again, as a new delivery with the same `webhook-id`. */
  async redeliver(ctx: CallContext, id: string, deliveryId: string): Promise<DeliveryRecord> {
    const webhook = await this.#writable(ctx.principal, id);
    const now = this.deps.runtime.now();
    const delivery = await this.deps.outbox.redeliver(webhook.id, deliveryId, newId('dlv', now, this.deps.runtime.randomBytes), now);
    if (!delivery) throw new AppError('NOT_FOUND', 'no such delivery of this webhook');
    this.deps.publisher.onAppended();
    await this.#audit(ctx, webhook, 'webhook.redeliver', { deliveryId, redeliveryId: delivery.id, eventId: delivery.eventId });
    return delivery;
  }

  #secretOf(webhook: WebhookRecord): string {
    return webhookSecretOf(this.#secretKey, webhook.id, webhook.secretVersion);
  }

  #assertUrl(url: string): void {
    const problem = webhookUrlProblem(url, this.options.allowPrivate);
    if (problem) throw new AppError('VALIDATION_ERROR', problem);
  }

  async #readable(principal: Principal, id: string): Promise<{ webhook: WebhookRecord; role: TeamRole }> {
    const webhook = await this.deps.webhooks.find(id);
    const role = webhook && (await this.#roleOn(principal, webhook));
    if (!webhook || !role) throw notFound();
    return { webhook, role };
  }

  async #writable(principal: Principal, id: string): Promise<WebhookRecord> {
    const { webhook, role } = await this.#readable(principal, id);
    if (!teamRoleCanWrite(role)) throw new AppError('FORBIDDEN', `a team ${role} cannot change webhooks`);
    return webhook;
  }

  async #roleOn(principal: Principal, webhook: WebhookRecord): Promise<TeamRole | undefined> {
    if (webhook.scope === 'installation') return this.deps.access.isAdmin(principal) ? 'owner' : undefined;
    return this.deps.access.roleOn(principal, webhook);
  }

  async #audit(
    ctx: CallContext,
    webhook: WebhookRecord,
    action: 'webhook.create' | 'webhook.update' | 'webhook.delete' | 'webhook.rotate' | 'webhook.test' | 'webhook.redeliver',
    details: Record<string, unknown>,
  ): Promise<void> {
    await this.deps.audit.record(ctx, {
      action,
      targetType: 'webhook',
      targetId: webhook.id,
      teamId: webhook.teamId,
      subjectUserId: webhook.ownerUserId,
      details,
    });
  }
}

function notFound(): AppError {
  return new AppError('NOT_FOUND', 'no such webhook');
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
