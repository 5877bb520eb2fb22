import Type, { type TSchema } from 'typebox';
import { idPattern } from '../core/ids.js';
import {
  ALL_EVENTS,
  MAX_WEBHOOK_DESCRIPTION_LENGTH,
  MAX_WEBHOOK_EVENTS,
  MAX_WEBHOOK_URL_LENGTH,
  WEBHOOK_EVENT_TYPES,
} from '../core/webhook.js';

/**
 * Schemas of the webhook routes (kept apart from schemas.ts, which holds the key API's). Shapes
 * are checked here; meaning (http/https only, known event types) is checked by the service, which
 * answers 422 with a message naming the field.
 */

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const DateTime = Type.String({ format: 'date-time' });

export const WebhookId = Type.String({
  pattern: idPattern('whk'),
  description: 'Webhook id (`whk_…`)',
});

export const WebhookParams = Type.Object({ webhookId: WebhookId }, { additionalProperties: false });

// Spelled out (not mapped from ALERT_SEVERITIES) so TypeBox infers the literal union.
const SEVERITY_LITERALS = [
  Type.Literal('low'),
  Type.Literal('medium'),
  Type.Literal('high'),
  Type.Literal('critical'),
] as const;
const Severity = Type.Union([...SEVERITY_LITERALS]);

const EventType = Type.String({
  minLength: 1,
  maxLength: 64,
  description: `An event type (${[ALL_EVENTS, ...WEBHOOK_EVENT_TYPES].map((t) => `\`${t}\``).join(', ')})`,
});

export const CreateWebhookBody = Type.Object(
  {
    url: Type.String({
      minLength: 1,
      maxLength: MAX_WEBHOOK_URL_LENGTH,
      description: 'Where deliveries are POSTed: an absolute http:// or https:// URL',
    }),
    events: Type.Optional(
      Type.Array(EventType, {
        maxItems: MAX_WEBHOOK_EVENTS,
        description: 'Event types to send; absent or empty means every type (`["*"]`)',
      }),
    ),
    minSeverity: Type.Optional(
      Type.Union([...SEVERITY_LITERALS, Type.Null()], {
        description: 'Alert events below this severity are not sent; null or absent sends all',
      }),
    ),
    description: Type.Optional(
      Nullable(Type.String({ maxLength: MAX_WEBHOOK_DESCRIPTION_LENGTH })),
    ),
  },
  { additionalProperties: false },
);

export const WebhookView = Type.Object({
  id: Type.String(),
  institutionId: Type.String(),
  url: Type.String(),
  description: Nullable(Type.String()),
  events: Type.Array(Type.String()),
  minSeverity: Nullable(Severity),
  createdAt: DateTime,
  createdBy: Type.String(),
});

export const WebhookAttemptView = Type.Object({
  attempt: Type.Integer({ minimum: 1 }),
  at: DateTime,
  status: Nullable(Type.Integer({ description: 'HTTP status answered; null when none arrived' })),
  error: Nullable(Type.String({ description: 'Why the attempt failed, when it did' })),
  durationMs: Type.Integer({ minimum: 0 }),
});

export const WebhookDeliveryView = Type.Object({
  id: Type.String({ description: 'Delivery id (`dlv_…`), sent as `X-Keyward-Delivery`' }),
  webhookId: Type.String(),
  eventId: Type.String({ description: 'The event id (`evt_…`): receivers deduplicate on it' }),
  eventType: Type.String(),
  state: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
  attempts: Type.Integer({ minimum: 0 }),
  nextAttemptAt: Nullable(DateTime),
  lastAttemptAt: Nullable(DateTime),
  lastStatus: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
  createdAt: DateTime,
  deliveredAt: Nullable(DateTime),
  log: Type.Array(WebhookAttemptView, { description: 'Every attempt, oldest first' }),
});

export const DeliveriesQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })) },
  { additionalProperties: false },
);
