import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestKeyward, type TestKeyward } from '../support/harness.js';
import { buildConsole } from './console-support.js';

let built: Awaited<ReturnType<typeof buildConsole>>;
let kw: TestKeyward;

beforeAll(async () => {
  built = await buildConsole();
  kw = await startTestKeyward({ consoleDir: built.dir });
});
afterAll(async () => {
  await kw?.stop();
  await built?.remove();
});

describe('the admin app serves the built console', () => {
  it('answers / with the app shell and strict security headers', async () => {
    const res = await fetch(`${kw.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const html = await res.text();
    expect(html).toContain('<div id="root"></div>');
    // No inline script: the CSP would block it.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  it('serves hashed assets as long-lived, and deep links as the app shell', async () => {
    const assets = await readdir(join(built.dir, 'assets'));
    const js = assets.find((f) => f.endsWith('.js'));
    expect(js).toBeDefined();
    const asset = await fetch(`${kw.url}/assets/${js}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toContain('immutable');

    for (const path of ['/institutions/ins_abc123/audit', '/keys/key_abc123']) {
      const res = await fetch(`${kw.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(await res.text(), path).toContain('<div id="root"></div>');
    }
  });

  it('keeps problem+json 404s for unknown API paths and missing files', async () => {
    for (const path of ['/api/v1/nope', '/api/v1/keys/key_abc/nothing', '/api', '/assets/x.js']) {
      const res = await fetch(`${kw.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toMatch(/^application\/problem\+json/);
      expect(((await res.json()) as { code: string }).code, path).toBe('NOT_FOUND');
    }
  });

  it('leaves the console out of the OpenAPI document', async () => {
    const doc = (await (await fetch(`${kw.url}/api/v1/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    const paths = Object.keys(doc.paths);
    expect(paths.length).toBeGreaterThan(5);
    expect(paths.filter((p) => !p.startsWith('/api/v1/'))).toEqual([]);
  });
});

describe('without a built console', () => {
  it('answers / with a short note and the API keeps working', async () => {
    const bare = await startTestKeyward({ consoleDir: join(built.dir, 'missing') });
    try {
      const res = await fetch(`${bare.url}/`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('npm run build');
      expect((await fetch(`${bare.url}/keys/key_abc123`)).status).toBe(404);
      const me = await fetch(`${bare.url}/api/v1/auth/me`);
      expect(me.status).toBe(401);
    } finally {
      await bare.stop();
    }
  });
});
