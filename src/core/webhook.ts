import { AppError } from './errors.js';
import type { SealedSecret } from './model.js';

/**
 * Webhooks: per-institution HTTPS (or HTTP) endpoints that receive signed events. Plain data and
 * pure rules here; storage, delivery and the admin use cases live in the outer layers.
 */

/** Event types a webhook may subscribe to (`*` = all of them, including ones added later). */
export const WEBHOOK_EVENT_TYPES = ['alert.raised'] as const;
/** Sent by `POST /webhooks/{id}/test` to that webhook only; never matched by a filter. */
export const WEBHOOK_TEST_EVENT = 'webhook.test';
export const ALL_EVENTS = '*';

export const ALERT_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export const DELIVERY_STATES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

export interface Webhook {
  readonly id: string;
  readonly institutionId: string;
  readonly url: string;
  readonly description: string | null;
  /** Subscribed event types, or `['*']`. */
  readonly events: readonly string[];
  /** Alert events below this severity are not sent; null sends every severity. */
  readonly minSeverity: AlertSeverity | null;
  /** The signing secret, sealed (AAD `webhook|institutionId|webhookId`); null once deleted. */
  readonly sealedSecret: SealedSecret | null;
  readonly createdAt: Date;
  readonly createdBy: string;
  readonly deletedAt: Date | null;
}

/** One event to one webhook, with its retry state. */
export interface WebhookDelivery {
  readonly id: string;
  readonly webhookId: string;
  readonly institutionId: string;
  readonly eventId: string;
  readonly eventType: string;
  /** The exact JSON bytes that are signed and sent, every attempt alike. */
  readonly body: string;
  readonly state: DeliveryState;
  /** Attempts started so far (a claimed attempt counts even if its process died). */
  readonly attempts: number;
  /** When the next attempt is due (or the current claim expires); null once finished. */
  readonly nextAttemptAt: Date | null;
  readonly lastAttemptAt: Date | null;
  /** HTTP status of the last attempt; null when it got no response. */
  readonly lastStatus: number | null;
  /** Short reason of the last failed attempt (no secret, no response body). */
  readonly lastError: string | null;
  readonly createdAt: Date;
  readonly deliveredAt: Date | null;
}

/** One attempt of a delivery: the delivery log. */
export interface WebhookAttempt {
  readonly deliveryId: string;
  /** 1, 2, … */
  readonly attempt: number;
  readonly at: Date;
  readonly status: number | null;
  readonly error: string | null;
  readonly durationMs: number;
}

export const WEBHOOK_SECRET_PREFIX = 'whsec_';
export const MAX_WEBHOOK_URL_LENGTH = 2048;
export const MAX_WEBHOOK_DESCRIPTION_LENGTH = 200;
export const MAX_WEBHOOK_EVENTS = 16;

/**
 * The AAD parts of a webhook's sealed secret (`webhook|institutionId|webhookId`): it opens only on
 * its own row of its own institution, and never as a key slot's secret.
 */
export function webhookSecretAad(webhook: {
  readonly institutionId: string;
  readonly id: string;
}): readonly string[] {
  return ['webhook', webhook.institutionId, webhook.id];
}

function invalid(detail: string): AppError {
  return new AppError('VALIDATION_FAILED', detail);
}

/**
 * A receiver URL: absolute `http:` or `https:` with a host, no user:password (it would be stored
 * and shown in clear; put credentials in the receiver's check of the signature instead), no
 * fragment. Returned in WHATWG-normalised form.
 */
export function webhookUrl(input: string): string {
  if (input.length > MAX_WEBHOOK_URL_LENGTH) {
    throw invalid(`url must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`);
  }
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw invalid('url must be an absolute http:// or https:// URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw invalid('url must use http or https');
  }
  if (url.hostname === '') throw invalid('url must name a host');
  if (url.username !== '' || url.password !== '') {
    throw invalid('url must not contain a user name or password');
  }
  if (url.hash !== '') throw invalid('url must not contain a fragment (#…)');
  return url.toString();
}

/**
 * The event filter: known types or `*`, deduplicated, order kept; empty or absent means `['*']`.
 * `webhook.test` is not subscribable: a test goes to the tested webhook whatever its filter.
 */
export function webhookEvents(input: readonly string[] | undefined): string[] {
  if (input === undefined || input.length === 0) return [ALL_EVENTS];
  if (input.length > MAX_WEBHOOK_EVENTS) {
    throw invalid(`events must list at most ${MAX_WEBHOOK_EVENTS} types`);
  }
  const known: readonly string[] = WEBHOOK_EVENT_TYPES;
  const out: string[] = [];
  for (const [i, type] of input.entries()) {
    if (type !== ALL_EVENTS && !known.includes(type)) {
      throw invalid(
        `events[${i}] is not a known event type; use one of: ${[ALL_EVENTS, ...known].join(', ')}`,
      );
    }
    if (!out.includes(type)) out.push(type);
  }
  return out.includes(ALL_EVENTS) ? [ALL_EVENTS] : out;
}

/** Trimmed; empty means none. */
export function webhookDescription(input: string | null | undefined): string | null {
  const text = input?.trim() ?? '';
  if (text.length > MAX_WEBHOOK_DESCRIPTION_LENGTH) {
    throw invalid(`description must be at most ${MAX_WEBHOOK_DESCRIPTION_LENGTH} characters`);
  }
  return text === '' ? null : text;
}

/** A known severity, or null for "every severity". */
export function webhookMinSeverity(input: string | null | undefined): AlertSeverity | null {
  if (input === undefined || input === null) return null;
  if (!(ALERT_SEVERITIES as readonly string[]).includes(input)) {
    throw invalid(`minSeverity must be one of: ${ALERT_SEVERITIES.join(', ')}`);
  }
  return input as AlertSeverity;
}

function severityRank(value: unknown): number {
  return typeof value === 'string' ? (ALERT_SEVERITIES as readonly string[]).indexOf(value) : -1;
}

/**
 * Whether `webhook` wants `event`: its type is subscribed (or `*`), and an event whose data has a
 * `severity` is at least `minSeverity`. An unknown severity is sent rather than silently dropped.
 */
export function webhookWants(
  webhook: Pick<Webhook, 'events' | 'minSeverity' | 'deletedAt'>,
  event: { readonly type: string; readonly data: Readonly<Record<string, unknown>> },
): boolean {
  if (webhook.deletedAt !== null || event.type === WEBHOOK_TEST_EVENT) return false;
  if (!webhook.events.includes(ALL_EVENTS) && !webhook.events.includes(event.type)) return false;
  if (webhook.minSeverity === null || !('severity' in event.data)) return true;
  const rank = severityRank(event.data.severity);
  return rank === -1 || rank >= severityRank(webhook.minSeverity);
}

/** The JSON a receiver gets: `{id, type, institutionId, at, data}`, serialised once per event. */
export function webhookPayload(event: {
  readonly id: string;
  readonly type: string;
  readonly institutionId: string;
  readonly at: Date;
  readonly data: Readonly<Record<string, unknown>>;
}): string {
  return JSON.stringify({
    id: event.id,
    type: event.type,
    institutionId: event.institutionId,
    at: event.at.toISOString(),
    data: event.data,
  });
}

/** A new pending delivery of `body` to `webhook`, due at `now`. */
export function newDelivery(
  id: string,
  webhook: Pick<Webhook, 'id' | 'institutionId'>,
  event: { readonly id: string; readonly type: string },
  body: string,
  now: Date,
): WebhookDelivery {
  return {
    id,
    webhookId: webhook.id,
    institutionId: webhook.institutionId,
    eventId: event.id,
    eventType: event.type,
    body,
    state: 'pending',
    attempts: 0,
    nextAttemptAt: now,
    lastAttemptAt: null,
    lastStatus: null,
    lastError: null,
    createdAt: now,
    deliveredAt: null,
  };
}
