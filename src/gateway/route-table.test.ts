import { describe, expect, it } from 'vitest';
import { AppError } from '../core/errors.js';
import { compileRoutes, normalizePath, upstreamPath } from './route-table.js';

const table = compileRoutes([
  { path: '/', upstream: 'http://127.0.0.1:9000' },
  { path: '/messages', upstream: 'http://127.0.0.1:9001', scope: 'messages' },
  { path: '/messages/admin/', upstream: 'http://127.0.0.1:9002/internal/', stripPrefix: true },
  { path: '/legacy', upstream: 'https://legacy.example:8443/v1', allowQueryKey: true },
]);

function matched(path: string): string | null {
  return table.match(path)?.path ?? null;
}

describe('compileRoutes / match', () => {
  it.each([
    ['/messages', '/messages'],
    ['/messages/', '/messages'],
    ['/messages/1', '/messages'],
    ['/messages/1/2', '/messages'],
    ['/messagesX', '/'],
    ['/messages/admin', '/messages/admin'],
    ['/messages/admin/x', '/messages/admin'],
    ['/messages/adminx', '/messages'],
    ['/legacy/a', '/legacy'],
    ['/', '/'],
    ['/other', '/'],
  ])('%s → %s (longest whole-segment prefix)', (path, route) => {
    expect(matched(path)).toBe(route);
  });

  it('matches nothing without a root route', () => {
    const only = compileRoutes([{ path: '/messages', upstream: 'http://127.0.0.1:9001' }]);
    expect(only.match('/messagesX')).toBeNull();
    expect(only.match('/')).toBeNull();
    expect(only.match('/messages/1')?.path).toBe('/messages');
  });

  it('compiles the upstream into origin and base path', () => {
    const legacy = table.match('/legacy');
    expect(legacy).toMatchObject({
      origin: 'https://legacy.example:8443',
      basePath: '/v1',
      allowQueryKey: true,
      stripPrefix: false,
      scope: undefined,
    });
    expect(table.match('/messages')?.scope).toBe('messages');
  });

  it.each([
    [[{ path: '/a/../b', upstream: 'http://h' }], 'dot segment'],
    [[{ path: '/a?x', upstream: 'http://h' }], 'query'],
    [[{ path: '/a', upstream: 'ftp://h' }], 'scheme'],
    [[{ path: '/a', upstream: 'http://u:p@h' }], 'credentials'],
    [[{ path: '/a', upstream: 'http://h/?q=1' }], 'upstream query'],
    [[{ path: '/a', upstream: 'http://' }], 'bad URL'],
    [
      [
        { path: '/a', upstream: 'http://h' },
        { path: '/a/', upstream: 'http://i' },
      ],
      'repeated path',
    ],
  ])('refuses %j (%s)', (routes) => {
    expect(() => compileRoutes(routes)).toThrow(AppError);
    try {
      compileRoutes(routes);
    } catch (err) {
      expect((err as AppError).code).toBe('CONFIG_INVALID');
    }
  });
});

describe('upstreamPath', () => {
  it.each([
    ['/messages/1', '/messages/1'],
    ['/messages', '/messages'],
    ['/messages/admin', '/internal'],
    ['/messages/admin/', '/internal/'],
    ['/messages/admin/x/y', '/internal/x/y'],
    ['/legacy/a', '/v1/legacy/a'],
    ['/z', '/z'],
  ])('%s → %s', (path, expected) => {
    const route = table.match(path);
    expect(route).not.toBeNull();
    expect(upstreamPath(route as NonNullable<typeof route>, path)).toBe(expected);
  });

  it('gives "/" when stripping leaves nothing and there is no base path', () => {
    const t = compileRoutes([{ path: '/api', upstream: 'http://h', stripPrefix: true }]);
    const route = t.match('/api');
    expect(upstreamPath(route as NonNullable<typeof route>, '/api')).toBe('/');
    expect(upstreamPath(route as NonNullable<typeof route>, '/api/v')).toBe('/v');
  });
});

describe('normalizePath', () => {
  it.each([
    ['/a/b', '/a/b'],
    ['/', '/'],
    ['/a//b///c', '/a/b/c'],
    ['/%61dmin', '/admin'],
    ['/a%2fb', '/a%2Fb'],
    ['/a%20b', '/a%20b'],
    ['/a/.b/..c/b..', '/a/.b/..c/b..'],
    ['/a/%7euser', '/a/~user'],
  ])('%s → %s', (input, expected) => {
    expect(normalizePath(input)).toBe(expected);
  });

  it.each([
    'a/b',
    '*',
    'http://h/a',
    '/a/../b',
    '/a/./b',
    '/a/..',
    '/a/.',
    '/a/%2e%2e/b',
    '/a/%2E/b',
    '/a/.%2e',
    '/a\\b',
    '/a%5cb',
    '/a%5Cb',
    '/a%zz',
    '/a%2',
  ])('refuses %s', (input) => {
    expect(normalizePath(input)).toBeNull();
  });
});
