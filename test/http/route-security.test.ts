import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, startTestKeyward, type TestKeyward, testStores } from '../support/harness.js';
import { buildWorld, type World } from '../support/world.js';
import { ROUTES, securityCases } from './security-cases.js';

describe.each(testStores())('on %s', (store) => {
  let kw: TestKeyward;
  let world: World;

  beforeAll(async () => {
    kw = await startTestKeyward({ store });
    world = await buildWorld(kw);
  });
  afterAll(async () => kw?.stop());

  describe('security cases for every admin route', () => {
    for (const route of ROUTES)
      securityCases(
        route,
        () => world,
        () => new ApiClient(kw.url),
      );
  });

  describe('the route table', () => {
    it('covers every route of the OpenAPI document', async () => {
      const doc = (
        await new ApiClient(kw.url).request<{ paths: Record<string, Record<string, unknown>> }>(
          'GET',
          '/openapi.json',
        )
      ).body;
      const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/^\/api\/v1/, '')}`),
      );
      const tested = ROUTES.map((r) => `${r.method} ${r.path}`);
      expect(documented.sort()).toEqual(tested.sort());
    });

    it('left the data untouched: key A still active with its original secrets', async () => {
      const key = await world.adminA.request<{ state: string }>('GET', `/keys/${world.keyA.id}`);
      expect(key.body.state).toBe('active');
      const secrets = await world.adminA.request<{ primary: string; secondary: string }>(
        'GET',
        `/keys/${world.keyA.id}/secrets`,
      );
      expect(secrets.body).toEqual({
        primary: world.keyA.primary,
        secondary: world.keyA.secondary,
      });
    });

    it('left webhook A alone: no webhook added, none deleted, no test delivery queued', async () => {
      const list = await world.adminA.request<{ webhooks: { id: string }[] }>(
        'GET',
        `/institutions/${world.insA}/webhooks`,
      );
      expect(list.body.webhooks.map((w) => w.id)).toEqual([world.webhookA.id]);
      const log = await world.adminA.request<{ deliveries: unknown[] }>(
        'GET',
        `/webhooks/${world.webhookA.id}/deliveries`,
      );
      expect(log.body.deliveries).toEqual([]);
    });
  });
});
