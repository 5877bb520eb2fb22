import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestKeyward, type TestKeyward } from '../support/harness.js';
import { startUpstream, type TestUpstream } from '../support/upstream.js';
import { buildWorld, type World } from '../support/world.js';

/** Done-means 5 on the real server: the APIM-compatible profile. */

let upstream: TestUpstream;
let kw: TestKeyward;
let w: World;

beforeAll(async () => {
  upstream = await startUpstream();
  kw = await startTestKeyward({
    config: {
      gateway: {
        profile: 'apim',
        routes: [
          { path: '/legacy', upstream: upstream.url, allowQueryKey: true },
          { path: '/strict', upstream: upstream.url },
        ],
      },
    },
  });
  w = await buildWorld(kw);
});
afterAll(async () => {
  await kw?.stop();
  await upstream?.close();
});

describe('APIM profile', () => {
  it('reads Ocp-Apim-Subscription-Key and sets x-user-id / x-subscription-id', async () => {
    const res = await fetch(`${kw.gatewayUrl}/strict/a`, {
      headers: { 'ocp-apim-subscription-key': w.keyA.primary, 'x-user-id': 'forged' },
    });
    expect(res.status).toBe(200);
    const seen = upstream.requests.at(-1);
    expect(seen?.headers['x-user-id']).toBe(w.insA);
    expect(seen?.headers['x-subscription-id']).toBe(w.keyA.id);
    expect(seen?.headers['ocp-apim-subscription-key']).toBeUndefined();
    expect(
      (await fetch(`${kw.gatewayUrl}/strict/a`, { headers: { 'x-api-key': w.keyA.primary } }))
        .status,
    ).toBe(401);
  });

  it('accepts the subscription-key query parameter only where the route allows it, and strips it', async () => {
    const ok = await fetch(`${kw.gatewayUrl}/legacy/b?subscription-key=${w.keyA.secondary}&q=1`);
    expect(ok.status).toBe(200);
    expect(upstream.requests.at(-1)?.url).toBe('/legacy/b?q=1');
    const before = upstream.requests.length;
    const refused = await fetch(`${kw.gatewayUrl}/strict/b?subscription-key=${w.keyA.secondary}`);
    expect(refused.status).toBe(401);
    expect(upstream.requests.length).toBe(before);
  });

  it('never rescues a wrong header secret with a right query secret', async () => {
    const res = await fetch(`${kw.gatewayUrl}/legacy/c?subscription-key=${w.keyA.primary}`, {
      headers: { 'ocp-apim-subscription-key': 'kw_live_0000000000000000000000000000002C8GjS' },
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe('DUPLICATE');
  });
});
