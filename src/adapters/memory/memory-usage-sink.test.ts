import { describe, expect, it } from 'vitest';
import { AppError } from '../../core/errors.js';
import type { UsageEvent } from '../../ports/usage-sink.js';
import { MemoryUsageSink } from './memory-usage-sink.js';

function event(n: number): UsageEvent {
  return {
    at: new Date(Date.UTC(2030, 0, 1) + n),
    requestId: 'req_test',
    retiredAt: null,
    keyId: `key_${n}`,
    institutionId: 'ins_1',
    slot: 'primary',
    route: '/messages',
    status: 200,
    latencyMs: 0.4,
    clientIp: '203.0.113.7',
    userAgent: 'curl/8',
    outcome: 'OK',
  };
}

describe('MemoryUsageSink', () => {
  it('returns emitted events oldest first', () => {
    const sink = new MemoryUsageSink({ capacity: 5 });
    for (let n = 1; n <= 3; n++) sink.emit(event(n));
    expect(sink.events().map((e) => e.keyId)).toEqual(['key_1', 'key_2', 'key_3']);
    expect(sink.dropped).toBe(0);
  });

  it('keeps the newest `capacity` events and counts the ones it overwrote', () => {
    const sink = new MemoryUsageSink({ capacity: 3 });
    for (let n = 1; n <= 8; n++) sink.emit(event(n));
    expect(sink.events().map((e) => e.keyId)).toEqual(['key_6', 'key_7', 'key_8']);
    expect(sink.dropped).toBe(5);
  });

  it('events() is a copy; clear() empties and resets the drop count', () => {
    const sink = new MemoryUsageSink({ capacity: 2 });
    for (let n = 1; n <= 3; n++) sink.emit(event(n));
    sink.events().length = 0;
    expect(sink.events()).toHaveLength(2);
    sink.clear();
    expect(sink.events()).toEqual([]);
    expect(sink.dropped).toBe(0);
    sink.emit(event(9));
    expect(sink.events().map((e) => e.keyId)).toEqual(['key_9']);
  });

  it('with capacity 1 keeps only the last event', () => {
    const sink = new MemoryUsageSink({ capacity: 1 });
    sink.emit(event(1));
    sink.emit(event(2));
    expect(sink.events().map((e) => e.keyId)).toEqual(['key_2']);
    expect(sink.dropped).toBe(1);
  });

  it('rejects an invalid capacity', () => {
    expect(() => new MemoryUsageSink({ capacity: 0 })).toThrow(AppError);
    expect(() => new MemoryUsageSink({ capacity: 1.5 })).toThrow(AppError);
  });
});
