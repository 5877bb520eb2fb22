import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CredentialsStore, credentialsPath } from './credentials-store.js';
import { tempConfigHome } from './test-admin-api.js';

describe('credentialsPath', () => {
  it('prefers KEYWARD_CONFIG_HOME, then XDG_CONFIG_HOME, then ~/.config', () => {
    expect(credentialsPath({ KEYWARD_CONFIG_HOME: '/k', XDG_CONFIG_HOME: '/x', HOME: '/h' })).toBe(
      '/k/credentials.json',
    );
    expect(credentialsPath({ XDG_CONFIG_HOME: '/x', HOME: '/h' })).toBe(
      '/x/keyward/credentials.json',
    );
    expect(credentialsPath({ HOME: '/h' })).toBe('/h/.config/keyward/credentials.json');
  });
});

describe('CredentialsStore', () => {
  let home: Awaited<ReturnType<typeof tempConfigHome>>;
  beforeEach(async () => {
    home = await tempConfigHome();
  });
  afterEach(async () => {
    await home.cleanup();
  });

  const session = (url: string) => ({
    url,
    cookie: 'keyward_session=abc',
    csrfToken: 'csrf',
    email: 'a@example.org',
    savedAt: '2030-01-01T00:00:00.000Z',
  });

  it('creates a 0700 directory and a 0600 file, keyed by URL', async () => {
    const path = join(home.dir, 'nested', 'keyward', 'credentials.json');
    const store = new CredentialsStore(path);
    await store.save(session('http://a:4000'));
    await store.save(session('https://b'));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(home.dir, 'nested', 'keyward'))).mode & 0o777).toBe(0o700);
    const file = JSON.parse(await readFile(path, 'utf8')) as { sessions: Record<string, unknown> };
    expect(Object.keys(file.sessions).sort()).toEqual(['http://a:4000', 'https://b']);
    expect(await store.get('https://b')).toMatchObject({ cookie: 'keyward_session=abc' });
  });

  it('removes one entry and keeps the others', async () => {
    const store = new CredentialsStore(join(home.dir, 'credentials.json'));
    await store.save(session('http://a:4000'));
    await store.save(session('https://b'));
    expect(await store.remove('http://a:4000')).toBe(true);
    expect(await store.remove('http://a:4000')).toBe(false);
    expect(await store.get('http://a:4000')).toBeUndefined();
    expect(await store.get('https://b')).toBeDefined();
  });
});
