import { describe, expect, it } from 'vitest';
import type { UsageEvent } from '../../ports/usage-sink.js';
import { KeywardMetrics } from './prom-metrics.js';

function event(overrides: Partial<UsageEvent>): UsageEvent {
  return {
    at: new Date(0),
    requestId: 'req_test',
    keyId: 'key_notalabel',
    institutionId: 'ins_notalabel',
    slot: 'primary',
    retiredAt: null,
    route: '/messages',
    status: 200,
    latencyMs: 1.5,
    clientIp: '10.9.8.7',
    userAgent: 'agent-not-a-label/1.0',
    outcome: 'OK',
    ...overrides,
  };
}

/** The value of one sample line (`name{labels} value`), or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('KeywardMetrics', () => {
  it('counts gateway requests by route and outcome, with their durations', async () => {
    const metrics = new KeywardMetrics({ processMetrics: false });
    const sink = metrics.gatewayRequests;
    sink.emit(event({}));
    sink.emit(event({ latencyMs: 40 }));
    sink.emit(event({ outcome: 'NOT_FOUND', status: 401, latencyMs: 0.2 }));
    sink.emit(event({ route: null, outcome: 'NO_ROUTE', status: 404, keyId: null }));
    const text = await metrics.render();

    expect(sample(text, 'keyward_gateway_requests_total{route="/messages",outcome="OK"}')).toBe(2);
    expect(
      sample(text, 'keyward_gateway_requests_total{route="/messages",outcome="NOT_FOUND"}'),
    ).toBe(1);
    expect(sample(text, 'keyward_gateway_requests_total{route="none",outcome="NO_ROUTE"}')).toBe(1);
    const duration = 'keyward_gateway_request_duration_seconds';
    expect(sample(text, `${duration}_count{route="/messages"}`)).toBe(3);
    expect(sample(text, `${duration}_sum{route="/messages"}`)).toBeCloseTo(0.0417, 6);
    // Cumulative buckets: 0.2 ms ≤ 0.5 ms; 1.5 ms ≤ 2.5 ms; 40 ms ≤ 50 ms.
    expect(sample(text, `${duration}_bucket{route="/messages",le="0.0005"}`)).toBe(1);
    expect(sample(text, `${duration}_bucket{route="/messages",le="0.0025"}`)).toBe(2);
    expect(sample(text, `${duration}_bucket{route="/messages",le="0.05"}`)).toBe(3);
    expect(sample(text, `${duration}_bucket{route="/messages",le="+Inf"}`)).toBe(3);
  });

  it('never labels by key, client or user agent, and caps outcomes per route', async () => {
    const metrics = new KeywardMetrics({ processMetrics: false });
    for (let i = 0; i < 500; i++) {
      metrics.gatewayRequests.emit(
        event({ keyId: `key_${i}`, clientIp: `10.0.0.${i % 250}`, outcome: `CODE_${i}` }),
      );
    }
    const text = await metrics.render();
    for (const leak of ['key_', 'ins_', '10.0.0.', 'agent-not-a-label', 'req_test']) {
      expect(text).not.toContain(leak);
    }
    const series = text.split('\n').filter((l) => l.startsWith('keyward_gateway_requests_total{'));
    expect(series.length).toBeLessThanOrEqual(65);
    expect(sample(text, 'keyward_gateway_requests_total{route="/messages",outcome="other"}')).toBe(
      500 - 64,
    );
  });

  it('ignores impossible durations instead of throwing', async () => {
    const metrics = new KeywardMetrics({ processMetrics: false });
    metrics.gatewayRequests.emit(event({ latencyMs: Number.NaN }));
    metrics.gatewayRequests.emit(event({ latencyMs: -1 }));
    metrics.observeVerification(Number.POSITIVE_INFINITY);
    metrics.observeVerification(0.00002);
    const text = await metrics.render();
    expect(sample(text, 'keyward_gateway_requests_total{route="/messages",outcome="OK"}')).toBe(2);
    expect(sample(text, 'keyward_gateway_request_duration_seconds_count{route="/messages"}')).toBe(
      0,
    );
    expect(sample(text, 'keyward_verification_duration_seconds_count')).toBe(1);
    expect(sample(text, 'keyward_verification_duration_seconds_bucket{le="0.000025"}')).toBe(1);
  });

  it('reads pulled counters and gauges at scrape time, several series under one name', async () => {
    const metrics = new KeywardMetrics({ processMetrics: false });
    let dropped = 3;
    metrics.counterFrom('keyward_test_dropped_total', 'Dropped.', () => dropped, { sink: 'a' });
    metrics.counterFrom('keyward_test_dropped_total', 'Dropped.', () => 7, { sink: 'b' });
    metrics.gaugeFrom('keyward_test_entries', 'Entries.', () => 42);
    metrics.counterFrom('keyward_test_broken_total', 'Broken.', () => {
      throw new Error('read failed');
    });
    expect(sample(await metrics.render(), 'keyward_test_dropped_total{sink="a"}')).toBe(3);
    dropped = 5;
    const text = await metrics.render();
    expect(sample(text, 'keyward_test_dropped_total{sink="a"}')).toBe(5);
    expect(sample(text, 'keyward_test_dropped_total{sink="b"}')).toBe(7);
    expect(sample(text, 'keyward_test_entries')).toBe(42);
    expect(text).toContain('# TYPE keyward_test_broken_total counter');

    expect(() => metrics.counterFrom('keyward_test_bad', 'x', () => 1)).toThrow(/_total/);
    expect(() => metrics.gaugeFrom('keyward_test_bad_total', 'x', () => 1)).toThrow(/_total/);
    expect(() =>
      metrics.counterFrom('keyward_test_dropped_total', 'x', () => 1, { other: 'c' }),
    ).toThrow(/label names/);
    expect(() =>
      metrics.counterFrom('keyward_test_dropped_total', 'x', () => 1, { sink: 'a' }),
    ).toThrow(/already/);
  });

  it('counts store errors by operation, its own ones present from the start', async () => {
    const metrics = new KeywardMetrics({ processMetrics: false });
    metrics.storeError('verify');
    metrics.storeError('verify');
    metrics.storeErrorsFrom('usage_flush', () => 4);
    const text = await metrics.render();
    expect(sample(text, 'keyward_store_errors_total{operation="verify"}')).toBe(2);
    expect(sample(text, 'keyward_store_errors_total{operation="health"}')).toBe(0);
    expect(sample(text, 'keyward_store_errors_total{operation="usage_flush"}')).toBe(4);
  });

  it('keeps each instance in its own registry, process metrics included', async () => {
    const a = new KeywardMetrics();
    const b = new KeywardMetrics();
    a.gatewayRequests.emit(event({}));
    const [textA, textB] = await Promise.all([a.render(), b.render()]);
    expect(textA).toContain('process_cpu_seconds_total');
    expect(textB).toContain('process_cpu_seconds_total');
    expect(textA).not.toContain('nodejs_active_handles_total');
    expect(textB).not.toContain('keyward_gateway_requests_total{');
    expect(a.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
  });
});
