import type { Clock } from '../../src/ports/clock.js';
import { startTestKeyward, type TestKeyward } from './harness.js';
import { startUpstream, type TestUpstream } from './upstream.js';
import { buildWorld, type World } from './world.js';

export interface GatewayWorld {
  readonly upstream: TestUpstream;
  readonly kw: TestKeyward;
  readonly w: World;
  stop(): Promise<void>;
}

/**
 * An upstream on loopback, Keyward with one gateway route to it (X-Forwarded-For believed from
 * 127.0.0.1, so tests choose client addresses) and the standard world. Usage is flushed only when
 * a test asks (`kw.running.flushUsage()`), unless `usage` says otherwise.
 */
export async function startGatewayWorld(options: {
  store: 'sqlite' | 'postgres';
  clock?: Clock;
  route?: { path: string; scope?: string };
  usage?: Record<string, unknown>;
}): Promise<GatewayWorld> {
  const upstream = await startUpstream();
  const kw = await startTestKeyward({
    store: options.store,
    ...(options.clock !== undefined && { clock: options.clock }),
    config: {
      gateway: {
        trustedProxies: ['127.0.0.1/32'],
        routes: [{ path: '/api', ...options.route, upstream: upstream.url }],
      },
      usage: { flushIntervalMs: 60_000, ...options.usage },
    },
  });
  const w = await buildWorld(kw);
  return {
    upstream,
    kw,
    w,
    async stop() {
      await kw.stop();
      await upstream.close();
    },
  };
}
