import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.js';
import type { Webhook, WebhookAttempt, WebhookDelivery } from '../../src/core/webhook.js';
import type { Store } from '../../src/ports/store.js';
import { anInstitution, at } from './fixtures.js';

function aWebhook(institutionId: string, overrides: Partial<Webhook> = {}): Webhook {
  return {
    id: newId('whk'),
    institutionId,
    url: 'https://hooks.example.test/keyward?team=7',
    description: 'SOC pager',
    events: ['alert.raised'],
    minSeverity: 'high',
    sealedSecret: { masterKeyId: '1', ciphertext: randomBytes(80).toString('base64url') },
    createdAt: at(11_011),
    createdBy: newId('usr'),
    deletedAt: null,
    ...overrides,
  };
}

function aDelivery(webhook: Webhook, overrides: Partial<WebhookDelivery> = {}): WebhookDelivery {
  const eventId = newId('evt');
  return {
    id: newId('dlv'),
    webhookId: webhook.id,
    institutionId: webhook.institutionId,
    eventId,
    eventType: 'alert.raised',
    body: JSON.stringify({ id: eventId, type: 'alert.raised', data: { severity: 'high' } }),
    state: 'pending',
    attempts: 0,
    nextAttemptAt: at(12_000),
    lastAttemptAt: null,
    lastStatus: null,
    lastError: null,
    createdAt: at(12_000),
    deliveredAt: null,
    ...overrides,
  };
}

function anAttempt(delivery: WebhookDelivery, overrides: Partial<WebhookAttempt> = {}) {
  return {
    deliveryId: delivery.id,
    attempt: 1,
    at: at(13_013),
    status: 500,
    error: 'HTTP 500',
    durationMs: 42,
    ...overrides,
  };
}

/** Webhooks, deliveries (claims, outcomes) and the attempt log. */
export function describeWebhookContract(store: () => Store): void {
  async function seedWebhook(overrides: Partial<Webhook> = {}): Promise<Webhook> {
    const institution = anInstitution();
    await store().institutions.insert(institution);
    const webhook = aWebhook(institution.id, overrides);
    await store().webhooks.insert(webhook);
    return webhook;
  }

  describe('webhooks', () => {
    it('round-trips a webhook exactly; lists the live ones of an institution in order', async () => {
      const first = await seedWebhook({ events: ['*'], minSeverity: null, description: null });
      const second = aWebhook(first.institutionId, { createdAt: at(20_000) });
      const early = aWebhook(first.institutionId, { createdAt: at(1) });
      for (const w of [second, early]) await store().webhooks.insert(w);
      const elsewhere = await seedWebhook();
      expect(await store().webhooks.get(first.id)).toEqual(first);
      expect(await store().webhooks.get(newId('whk'))).toBeNull();
      expect(await store().webhooks.listByInstitution(first.institutionId)).toEqual([
        early,
        first,
        second,
      ]);
      expect(await store().webhooks.listByInstitution(elsewhere.institutionId)).toEqual([
        elsewhere,
      ]);
    });

    it('deletes: secret erased, out of the list, pending deliveries failed, finished ones kept', async () => {
      const webhook = await seedWebhook();
      const pending = aDelivery(webhook);
      const delivered = aDelivery(webhook, {
        state: 'delivered',
        attempts: 1,
        nextAttemptAt: null,
        deliveredAt: at(12_500),
        lastStatus: 204,
      });
      for (const d of [pending, delivered]) await store().webhooks.insertDelivery(d);

      expect(await store().webhooks.markDeleted(webhook.id, at(30_000))).toBe(true);
      expect(await store().webhooks.get(webhook.id)).toEqual({
        ...webhook,
        sealedSecret: null,
        deletedAt: at(30_000),
      });
      expect(await store().webhooks.listByInstitution(webhook.institutionId)).toEqual([]);
      expect(await store().webhooks.getDelivery(pending.id)).toEqual({
        ...pending,
        state: 'failed',
        nextAttemptAt: null,
        lastError: 'webhook deleted',
      });
      expect(await store().webhooks.getDelivery(delivered.id)).toEqual(delivered);
      expect(await store().webhooks.listDue(at(99_999_999), 1000)).not.toContainEqual(
        expect.objectContaining({ id: pending.id }),
      );
      expect(await store().webhooks.markDeleted(webhook.id, at(31_000))).toBe(false);
      expect(await store().webhooks.markDeleted(newId('whk'), at(31_000))).toBe(false);
    });

    it('refuses a webhook of an unknown institution and a delivery of an unknown webhook', async () => {
      await expect(store().webhooks.insert(aWebhook(newId('ins')))).rejects.toThrow();
      const ghost = aWebhook(newId('ins'));
      await expect(store().webhooks.insertDelivery(aDelivery(ghost))).rejects.toThrow();
    });
  });

  describe('webhook deliveries', () => {
    it('round-trips; the same event to the same webhook is queued once', async () => {
      const webhook = await seedWebhook();
      const delivery = aDelivery(webhook);
      expect(await store().webhooks.insertDelivery(delivery)).toBe(true);
      expect(await store().webhooks.getDelivery(delivery.id)).toEqual(delivery);
      expect(
        await store().webhooks.insertDelivery({ ...delivery, id: newId('dlv'), body: '{}' }),
      ).toBe(false);
      expect(await store().webhooks.listDeliveries(webhook.id, 10)).toEqual([delivery]);
      expect(await store().webhooks.getDelivery(newId('dlv'))).toBeNull();
    });

    it('lists a webhook’s deliveries newest first, at most `limit`', async () => {
      const webhook = await seedWebhook();
      const [a, b, c] = [1, 3, 2].map((n) => aDelivery(webhook, { createdAt: at(n * 1000) }));
      for (const d of [a, b, c]) if (d) await store().webhooks.insertDelivery(d);
      const listed = await store().webhooks.listDeliveries(webhook.id, 10);
      expect(listed.map((d) => d.id)).toEqual([b?.id, c?.id, a?.id]);
      expect(await store().webhooks.listDeliveries(webhook.id, 2)).toHaveLength(2);
      expect(await store().webhooks.listDeliveries(webhook.id, 0)).toEqual([]);
    });

    it('queues inside a transaction; a rollback queues nothing', async () => {
      const webhook = await seedWebhook();
      const delivery = aDelivery(webhook);
      await store()
        .transaction(async (tx) => {
          await tx.webhooks.insertDelivery(delivery);
          throw new Error('roll back');
        })
        .catch(() => {});
      expect(await store().webhooks.getDelivery(delivery.id)).toBeNull();
    });

    it('lists due pending deliveries, earliest first', async () => {
      const webhook = await seedWebhook();
      const now = at(50_000_000);
      const late = aDelivery(webhook, { nextAttemptAt: new Date(now.getTime() - 10) });
      const early = aDelivery(webhook, { nextAttemptAt: new Date(now.getTime() - 20) });
      const future = aDelivery(webhook, { nextAttemptAt: new Date(now.getTime() + 1) });
      const done = aDelivery(webhook, { state: 'delivered', nextAttemptAt: null });
      for (const d of [late, early, future, done]) await store().webhooks.insertDelivery(d);
      const due = (await store().webhooks.listDue(now, 1000)).filter((d) =>
        [late.id, early.id, future.id, done.id].includes(d.id),
      );
      expect(due).toEqual([
        { id: early.id, attempts: 0 },
        { id: late.id, attempts: 0 },
      ]);
      expect(await store().webhooks.listDue(now, 0)).toEqual([]);
    });

    it('claims an attempt exactly once among concurrent claimants, as a lease', async () => {
      const webhook = await seedWebhook();
      const delivery = aDelivery(webhook);
      await store().webhooks.insertDelivery(delivery);
      const now = at(60_000);
      const lease = at(120_000);
      const claims = await Promise.all(
        Array.from({ length: 5 }, () => store().webhooks.claim(delivery.id, 0, now, lease)),
      );
      const won = claims.filter((c) => c !== null);
      expect(won).toEqual([{ ...delivery, attempts: 1, nextAttemptAt: lease }]);
      // Held until the lease ends; then claimable again, at the next attempt number.
      expect(await store().webhooks.claim(delivery.id, 1, now, lease)).toBeNull();
      expect(await store().webhooks.claim(delivery.id, 0, lease, at(180_000))).toBeNull();
      const again = await store().webhooks.claim(delivery.id, 1, lease, at(180_000));
      expect(again?.attempts).toBe(2);
    });

    it('records an attempt and its outcome; a lost claim is logged but changes nothing', async () => {
      const webhook = await seedWebhook();
      const delivery = aDelivery(webhook);
      await store().webhooks.insertDelivery(delivery);
      await store().webhooks.claim(delivery.id, 0, at(60_000), at(120_000));
      const first = anAttempt(delivery);
      expect(
        await store().webhooks.finishAttempt(first, {
          state: 'pending',
          nextAttemptAt: at(70_000),
          deliveredAt: null,
        }),
      ).toBe(true);
      expect(await store().webhooks.getDelivery(delivery.id)).toEqual({
        ...delivery,
        attempts: 1,
        nextAttemptAt: at(70_000),
        lastAttemptAt: first.at,
        lastStatus: 500,
        lastError: 'HTTP 500',
      });

      await store().webhooks.claim(delivery.id, 1, at(70_000), at(130_000));
      const second = anAttempt(delivery, { attempt: 2, at: at(71_000), status: 204, error: null });
      // A claimant whose claim was lost (not the current attempt) cannot overwrite the outcome.
      const stale = anAttempt(delivery, { attempt: 3, at: at(71_500), status: null, error: 'x' });
      expect(
        await store().webhooks.finishAttempt(stale, {
          state: 'failed',
          nextAttemptAt: null,
          deliveredAt: null,
        }),
      ).toBe(false);
      expect(
        await store().webhooks.finishAttempt(second, {
          state: 'delivered',
          nextAttemptAt: null,
          deliveredAt: second.at,
        }),
      ).toBe(true);
      expect(await store().webhooks.getDelivery(delivery.id)).toMatchObject({
        state: 'delivered',
        attempts: 2,
        nextAttemptAt: null,
        deliveredAt: second.at,
        lastStatus: 204,
        lastError: null,
      });
      expect(await store().webhooks.listAttempts([delivery.id, newId('dlv')])).toEqual([
        first,
        second,
        stale,
      ]);
      expect(await store().webhooks.listAttempts([])).toEqual([]);
    });

    it('prunes finished deliveries (and their attempts) created before a time', async () => {
      const webhook = await seedWebhook();
      const old = aDelivery(webhook, { state: 'failed', createdAt: at(1), nextAttemptAt: null });
      const oldPending = aDelivery(webhook, { createdAt: at(1) });
      const recent = aDelivery(webhook, {
        state: 'delivered',
        createdAt: at(90_000),
        nextAttemptAt: null,
      });
      for (const d of [old, oldPending, recent]) await store().webhooks.insertDelivery(d);
      await store().webhooks.finishAttempt(anAttempt(old), {
        state: 'failed',
        nextAttemptAt: null,
        deliveredAt: null,
      });
      expect(await store().webhooks.pruneFinished(at(50_000))).toBeGreaterThanOrEqual(1);
      expect(await store().webhooks.getDelivery(old.id)).toBeNull();
      expect(await store().webhooks.listAttempts([old.id])).toEqual([]);
      expect(await store().webhooks.getDelivery(oldPending.id)).not.toBeNull();
      expect(await store().webhooks.getDelivery(recent.id)).not.toBeNull();
    });
  });
}
