import { Type } from 'typebox';
import { EVENT_TYPES } from '../../core/events.js';
import { MAX_WEBHOOK_URL_LENGTH } from '../../core/webhook-url.js';
import { NullableInteger, NullableString, orNull, pageOf, PageQuery, TeamQuery } from './common.js';
import { Credits } from './token-schemas.js';

const Events = Type.Array(Type.Enum(EVENT_TYPES), {
  minItems: 1,
  maxItems: EVENT_TYPES.length,
  description: 'The event types to deliver (docs/webhooks.md lists them and their payloads).',
});
const Url = Type.String({
  minLength: 1,
  maxLength: MAX_WEBHOOK_URL_LENGTH,
  description: 'An http(s) URL; private addresses are refused unless the operator allows them.',
});
const Description = Type.String({ maxLength: 500 });
const ExpiringDays = Type.Integer({
  minimum: 1,
  maximum: 365,
  description: 'token.expiring is sent this many days before a token expires (7 when not given).',
});
const LowThreshold = orNull(Credits, { description: "credits.low is sent when a token's balance falls to this or below; null: never." });

export const CreateWebhookBody = Type.Object(
  {
    url: Url,
    events: Events,
    description: Type.Optional(Description),
    teamId: Type.Optional(Type.String({ maxLength: 64, description: "The team's webhook: hears of the team's objects. Without it, of the caller's own." })),
    installation: Type.Optional(Type.Boolean({ description: 'Admins only: a webhook that hears of everything in the installation.' })),
    expiringDays: Type.Optional(ExpiringDays),
    creditsLowThreshold: Type.Optional(LowThreshold),
  },
  { additionalProperties: false },
);

export const UpdateWebhookBody = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(Events),
    description: Type.Optional(Description),
    enabled: Type.Optional(Type.Boolean({ description: 'false turns it off; true turns it on, resuming a paused webhook and sending its backlog.' })),
    expiringDays: Type.Optional(ExpiringDays),
    creditsLowThreshold: Type.Optional(LowThreshold),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const WebhookView = Type.Object({
  id: Type.String(),
  url: Type.String(),
  description: Type.String(),
  events: Type.Array(Type.String()),
  scope: Type.Enum(['user', 'team', 'installation'], { description: "Whose objects it hears of: its owner's, its team's, or everyone's." }),
  teamId: NullableString,
  ownerUserId: Type.String(),
  status: Type.Enum(['active', 'paused', 'disabled'], { description: '`paused`: stopped by tessera after repeated failures; PATCH enabled: true resumes it.' }),
  expiringDays: Type.Integer(),
  creditsLowThreshold: NullableString,
  consecutiveFailures: Type.Integer(),
  failingSince: NullableInteger,
  secretVersion: Type.Integer(),
  createdAt: Type.Integer(),
  updatedAt: Type.Integer(),
});

export const WebhookWithSecretResponse = Type.Object({
  webhook: WebhookView,
  secret: Type.String({ description: 'The signing secret (`whsec_…`, Standard Webhooks): shown here and never again.' }),
});

export const WebhookPage = pageOf(WebhookView);

export const WebhookListQuery = Type.Object({
  ...TeamQuery,
  ...PageQuery,
  installation: Type.Optional(Type.Boolean({ description: "Admins: the installation's webhooks." })),
});

export const WebhookIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
export const DeliveryParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), deliveryId: Type.String({ minLength: 1, maxLength: 64 }) });

export const DeliveryView = Type.Object({
  id: Type.String(),
  eventId: Type.String({ description: 'The `webhook-id` header: the same on every attempt and redelivery.' }),
  eventType: Type.String(),
  subject: Type.String(),
  status: Type.Enum(['pending', 'succeeded', 'failed']),
  attempts: Type.Integer(),
  nextAttemptAt: NullableInteger,
  lastAttemptAt: NullableInteger,
  lastStatusCode: NullableInteger,
  lastError: NullableString,
  createdAt: Type.Integer(),
  deliveredAt: NullableInteger,
});

export const DeliveryPage = pageOf(DeliveryView);
export const DeliveryQuery = Type.Object({ ...PageQuery });
export const TestEventResponse = Type.Object({ eventId: Type.String() });
