import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, startTestKeyward, type TestKeyward } from '../support/harness.js';

let kw: TestKeyward;
beforeAll(async () => {
  // Small budgets and a 2-second window so the test can watch a block end.
  kw = await startTestKeyward({
    config: { login: { maxFailuresPerAccount: 3, maxFailuresPerIp: 6, windowSeconds: 2 } },
  });
});
afterAll(async () => kw?.stop());

const login = (email: string, password: string) =>
  new ApiClient(kw.url).request('POST', '/auth/login', { email, password });

describe('failed sign-ins are limited per account and per IP, never for good', () => {
  it('blocks an account after repeated failures, even for the right password, until the window passes', async () => {
    for (let i = 0; i < 3; i += 1) {
      const res = await login(kw.operator.email, 'wrong-password-123');
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('INVALID_CREDENTIALS');
    }
    const blocked = await login(kw.operator.email, kw.operator.password);
    expect(blocked.status).toBe(429);
    expect(blocked.body.code).toBe('RATE_LIMITED');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);

    // Not locked out for good: once the failures age out, the right password works.
    await new Promise((r) => setTimeout(r, 2_100));
    expect((await login(kw.operator.email, kw.operator.password)).status).toBe(200);
  });

  it('limits one source IP across accounts, known or not', async () => {
    await new Promise((r) => setTimeout(r, 2_100));
    const statuses: number[] = [];
    for (let i = 0; i < 7; i += 1)
      statuses.push((await login(`nobody${i}@example.test`, 'whatever-password')).status);
    expect(statuses.slice(0, 6)).toEqual([401, 401, 401, 401, 401, 401]);
    expect(statuses[6]).toBe(429);
  });

  it('audits each failure without the password', async () => {
    await new Promise((r) => setTimeout(r, 2_100));
    const operator = await ApiClient.login(kw.url, kw.operator.email, kw.operator.password);
    const failures = await kw.running.store.audit.scan(0, 1000);
    const failed = failures.filter((e) => e.action === 'auth.login.failure');
    expect(failed.length).toBeGreaterThanOrEqual(9);
    expect(JSON.stringify(failed)).not.toContain('wrong-password-123');
    expect(failed[0]?.details).toMatchObject({ email: kw.operator.email, reason: 'bad-password' });
    expect((await operator.request('GET', '/audit/verify')).body).toMatchObject({ ok: true });
  });
});
