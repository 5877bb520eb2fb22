import { expect } from 'vitest';
import { newId } from '../../src/core/ids.js';
import { ApiClient, type TestKeyward } from './harness.js';

export const MEMBER_PASSWORD = 'member-password-1234';

export interface World {
  readonly platform: ApiClient;
  readonly insA: string;
  readonly insB: string;
  readonly adminA: ApiClient;
  readonly operatorA: ApiClient;
  readonly adminB: ApiClient;
  readonly adminAUserId: string;
  readonly operatorAUserId: string;
  readonly keyA: { readonly id: string; readonly primary: string; readonly secondary: string };
  /** A manage key of institution A (automation) and one of B. */
  readonly manageA: ApiClient;
  readonly manageB: ApiClient;
  /** A webhook of institution A (its URL is never reached: nothing is sent to it). */
  readonly webhookA: { readonly id: string };
  /** An open alert of institution A about keyA (stored directly: no traffic needed). */
  readonly alertA: { readonly id: string };
}

async function ok<T>(
  res: Promise<{ status: number; body: T; text: string }>,
  status: number,
): Promise<T> {
  const r = await res;
  expect(r.status, r.text).toBe(status);
  return r.body;
}

/** Two institutions with an admin each, an operator in A, a use key and manage keys. */
export async function buildWorld(kw: TestKeyward, suffix = ''): Promise<World> {
  const platform = await ApiClient.login(kw.url, kw.operator.email, kw.operator.password);
  const insA = (
    await ok(
      platform.request<{ id: string }>('POST', '/institutions', { name: `Comune A${suffix}` }),
      201,
    )
  ).id;
  const insB = (
    await ok(
      platform.request<{ id: string }>('POST', '/institutions', { name: `Comune B${suffix}` }),
      201,
    )
  ).id;
  const member = async (ins: string, email: string, role: string) =>
    (
      await ok(
        platform.request<{ member: { userId: string } }>('POST', `/institutions/${ins}/members`, {
          email,
          name: email,
          role,
          password: MEMBER_PASSWORD,
        }),
        201,
      )
    ).member.userId;
  const adminAUserId = await member(insA, `admin-a${suffix}@example.test`, 'admin');
  const operatorAUserId = await member(insA, `operator-a${suffix}@example.test`, 'operator');
  await member(insB, `admin-b${suffix}@example.test`, 'admin');
  const adminA = await ApiClient.login(kw.url, `admin-a${suffix}@example.test`, MEMBER_PASSWORD);
  const operatorA = await ApiClient.login(
    kw.url,
    `operator-a${suffix}@example.test`,
    MEMBER_PASSWORD,
  );
  const adminB = await ApiClient.login(kw.url, `admin-b${suffix}@example.test`, MEMBER_PASSWORD);
  type Created = { key: { id: string }; secrets: { primary: string; secondary: string } };
  const created = await ok(
    adminA.request<Created>('POST', `/institutions/${insA}/keys`, { name: 'app' }),
    201,
  );
  const manageKeyA = await ok(
    adminA.request<Created>('POST', `/institutions/${insA}/keys`, {
      name: 'automation',
      kind: 'manage',
    }),
    201,
  );
  const manageKeyB = await ok(
    adminB.request<Created>('POST', `/institutions/${insB}/keys`, {
      name: 'automation',
      kind: 'manage',
    }),
    201,
  );
  const webhookA = await ok(
    adminA.request<{ webhook: { id: string } }>('POST', `/institutions/${insA}/webhooks`, {
      url: 'http://127.0.0.1:9/world-webhook',
      events: ['alert.raised'],
    }),
    201,
  );
  const { alert: alertA } = await kw.running.store.alerts.raise({
    id: newId('alr'),
    firstSeenAt: new Date(),
    count: 1,
    finding: {
      type: 'RETIRED_SECRET_USED',
      severity: 'high',
      institutionId: insA,
      keyId: created.key.id,
      slot: 'secondary',
      subject: null,
      at: new Date(),
      evidence: { clientIp: '203.0.113.1' },
    },
  });
  return {
    platform,
    insA,
    insB,
    adminA,
    operatorA,
    adminB,
    adminAUserId,
    operatorAUserId,
    keyA: { id: created.key.id, ...created.secrets },
    manageA: ApiClient.withBearer(kw.url, manageKeyA.secrets.primary),
    manageB: ApiClient.withBearer(kw.url, manageKeyB.secrets.primary),
    webhookA: { id: webhookA.webhook.id },
    alertA: { id: alertA.id },
  };
}
