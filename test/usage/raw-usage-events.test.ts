import { describe, expect, it } from 'vitest';
import type { StoreRepos } from '../../src/ports/store.js';
import type { UsageEvent } from '../../src/ports/usage-sink.js';
import { RawUsageEvents } from '../../src/services/raw-usage-events.js';

/** The raw-event buffer: modes, bounds, chunked writes, and a failed batch kept in order. */

function event(n: number, outcome = 'NOT_FOUND'): UsageEvent {
  return {
    at: new Date(Date.UTC(2030, 0, 1) + n),
    requestId: `req_${n}`,
    keyId: null,
    institutionId: null,
    slot: null,
    retiredAt: null,
    route: '/api',
    status: outcome === 'OK' ? 200 : 401,
    latencyMs: 0.5,
    clientIp: '192.0.2.1',
    userAgent: null,
    outcome,
  };
}

/** A store that records what it is given (or fails). */
function recorder(fail = false) {
  const chunks: UsageEvent[][] = [];
  const tx = {
    usage: {
      recordEvents: async (events: readonly UsageEvent[]) => {
        if (fail) throw new Error('database is locked');
        chunks.push([...events]);
      },
    },
  } as unknown as StoreRepos;
  return { tx, chunks };
}

describe('raw usage events', () => {
  it('keeps refusals naming a key by default, every request with "all", none with "off"', () => {
    const refused = new RawUsageEvents();
    const all = new RawUsageEvents({ mode: 'all' });
    const off = new RawUsageEvents({ mode: 'off' });
    for (const part of [refused, all, off]) {
      part.emit({ ...event(1, 'OK'), keyId: 'key_a' });
      part.emit({ ...event(2, 'RETIRED'), keyId: 'key_a' });
      part.emit(event(3, 'NOT_FOUND')); // a guess: names no key
    }
    expect(refused.take()?.size).toBe(1);
    expect(all.take()?.size).toBe(3);
    expect(off.take()).toBeNull();
    expect(off.dropped).toBe(0);
  });

  it('writes in chunks of 2,000 and reports every row', async () => {
    const part = new RawUsageEvents({ mode: 'all', capacity: 10_000 });
    for (let i = 0; i < 4_500; i++) part.emit(event(i));
    const { tx, chunks } = recorder();
    const batch = part.take();
    expect(await part.write(tx, batch as NonNullable<typeof batch>)).toBe(4_500);
    expect(chunks.map((c) => c.length)).toEqual([2_000, 2_000, 500]);
    expect(chunks[2]?.at(-1)).toEqual(event(4_499));
    expect(part.take()).toBeNull();
  });

  it('bounds the buffer and counts drops; a failed batch comes back before newer rows', async () => {
    const part = new RawUsageEvents({ mode: 'all', capacity: 3 });
    for (let i = 0; i < 5; i++) part.emit(event(i));
    expect(part.dropped).toBe(2);
    const batch = part.take();
    if (batch === null) throw new Error('nothing taken');
    await expect(part.write(recorder(true).tx, batch)).rejects.toThrow('locked');
    part.emit(event(10)); // arrived while the write failed
    part.restore(batch);
    expect(part.dropped).toBe(3); // 3 kept + 1 new > capacity 3
    const { tx, chunks } = recorder();
    const again = part.take();
    await part.write(tx, again as NonNullable<typeof again>);
    expect(chunks.flat().map((e) => e.requestId)).toEqual(['req_0', 'req_1', 'req_2']);
  });
});
