import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isCleartextRemote, resolveBaseUrl } from './http-client.js';
import { problem, runKeyward, testIo, useFakeAdminApi } from './test-admin-api.js';

// The fake admin API is a stand-in for the real server until the end-to-end test exists.

describe('resolveBaseUrl', () => {
  it('prefers --url, then KEYWARD_URL, then the default, without a trailing slash', () => {
    expect(resolveBaseUrl('https://kw.example.org/admin/', { KEYWARD_URL: 'http://x' })).toBe(
      'https://kw.example.org/admin',
    );
    expect(resolveBaseUrl(undefined, { KEYWARD_URL: 'http://x:1/' })).toBe('http://x:1');
    expect(resolveBaseUrl(undefined, {})).toBe('http://127.0.0.1:4000');
  });
});

describe('failures', () => {
  const fake = useFakeAdminApi();

  it('a problem+json answer exits 1 with detail, code and request id on stderr', async () => {
    fake.api.on('GET', '/api/v1/keys/key_9', problem(404, 'NOT_FOUND', 'Key not found', 'req_abc'));
    const result = await runKeyward(['keys', 'show', 'key_9', '--json'], testIo({ env: fake.env }));
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: Key not found (NOT_FOUND, request req_abc)\n',
    });
  });

  it('a non-JSON error page exits 1 naming the status', async () => {
    fake.api.on('GET', '/api/v1/keys/key_9', {
      status: 502,
      text: '<html>bad gateway</html>',
      headers: { 'content-type': 'text/html' },
    });
    const result = await runKeyward(['keys', 'show', 'key_9'], testIo({ env: fake.env }));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `error: HTTP 502 Bad Gateway from GET ${fake.api.url}/api/v1/keys/key_9`,
    );
  });

  it('does not follow redirects (credentials stay with the named URL)', async () => {
    fake.api.on('GET', '/api/v1/keys/key_9', {
      status: 302,
      headers: { location: 'http://127.0.0.1:1/elsewhere' },
    });
    const result = await runKeyward(['keys', 'show', 'key_9'], testIo({ env: fake.env }));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('unexpected redirect');
    expect(fake.api.requests).toHaveLength(1);
  });

  it('an unreachable server exits 1 naming the URL', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await runKeyward(
      ['keys', 'list', 'ins_1', '--url', `http://127.0.0.1:${port}`],
      testIo({ env: fake.env }),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `error: cannot reach the admin API at http://127.0.0.1:${port} (ECONNREFUSED); check --url or KEYWARD_URL\n`,
    );
  });

  it('warns before sending credentials over plain HTTP to another host', async () => {
    // `keys update` with no change stops with a usage error after choosing credentials, so the
    // warning is checked without contacting the unroutable documentation address.
    const result = await runKeyward(
      ['keys', 'update', 'key_1', '--url', 'http://192.0.2.1:4000'],
      testIo({ env: fake.env }),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'warning: sending credentials to http://192.0.2.1:4000 over unencrypted HTTP',
    );
    expect(isCleartextRemote('https://192.0.2.1')).toBe(false);
    expect(isCleartextRemote('http://localhost:4000')).toBe(false);
    expect(isCleartextRemote('http://127.0.0.1:4000')).toBe(false);
  });
});
