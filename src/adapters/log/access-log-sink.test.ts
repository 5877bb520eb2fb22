import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { UsageEvent } from '../../ports/usage-sink.js';
import { ACCESS_LOG_MESSAGE, AccessLogSink } from './access-log-sink.js';

const EVENT: UsageEvent = {
  at: new Date(0),
  requestId: 'req_abc',
  keyId: 'key_abc',
  institutionId: 'ins_abc',
  slot: 'secondary',
  retiredAt: null,
  route: '/messages',
  status: 401,
  latencyMs: 1.23456789,
  clientIp: '10.1.2.3',
  userAgent: 'curl/8 kw_live_looks-like-a-secret',
  outcome: 'SUSPENDED',
};

const BINDINGS = ',"pid":7,"hostname":"host-1","component":"access"';
const sinks: AccessLogSink[] = [];

function sinkWith(
  write: (chunk: string) => void,
  options: ConstructorParameters<typeof AccessLogSink>[1] = {},
) {
  const sink = new AccessLogSink(
    { destination: { write }, bindings: BINDINGS },
    { flushIntervalMs: 60_000, now: () => 1_000, ...options },
  );
  sinks.push(sink);
  return sink;
}

afterEach(() => {
  for (const sink of sinks.splice(0)) sink.close();
});

describe('AccessLogSink', () => {
  it('renders exactly the line pino would write for the access fields', () => {
    const chunks: string[] = [];
    const sink = sinkWith((c) => chunks.push(c));
    sink.emit(EVENT);
    expect(chunks).toEqual([]);
    sink.flush();

    const expected: string[] = [];
    const reference = pino(
      { base: { pid: 7, hostname: 'host-1' }, timestamp: () => ',"time":1000' },
      { write: (line: string) => expected.push(line) },
    ).child({ component: 'access' });
    reference.info(
      {
        requestId: 'req_abc',
        keyId: 'key_abc',
        slot: 'secondary',
        route: '/messages',
        outcome: 'SUSPENDED',
        status: 401,
        latencyMs: 1.235,
        clientIp: '10.1.2.3',
      },
      ACCESS_LOG_MESSAGE,
    );
    expect(chunks).toEqual(expected);
    expect(chunks[0]).not.toContain('curl');
    expect(chunks[0]).not.toContain('ins_abc');
  });

  it('writes in batches: when the next line would not fit, on flush and on close', () => {
    const chunks: string[] = [];
    const sink = sinkWith((c) => chunks.push(c), { maxPendingBytes: 700 });
    const linesOf = (chunk: string | undefined) =>
      (chunk ?? '')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    sink.emit(EVENT);
    sink.emit({ ...EVENT, keyId: null, slot: null, route: null, outcome: 'NO_ROUTE' });
    expect(chunks).toEqual([]);
    sink.emit(EVENT); // about 250 bytes a line: the third does not fit in 700
    expect(linesOf(chunks[0]).map((l) => l.outcome)).toEqual(['SUSPENDED', 'NO_ROUTE']);
    expect(linesOf(chunks[0])[1]).toMatchObject({ keyId: null, slot: null, route: null });
    sink.emit(EVENT);
    sink.close();
    expect(chunks).toHaveLength(2);
    expect(linesOf(chunks[1])).toHaveLength(2);
    sink.flush();
    expect(chunks).toHaveLength(2);
  });

  it('writes a line longer than the whole buffer on its own', () => {
    const chunks: string[] = [];
    const sink = sinkWith((c) => chunks.push(c), { maxPendingBytes: 400 });
    sink.emit(EVENT);
    sink.emit({ ...EVENT, route: `/${'x'.repeat(500)}` });
    expect(chunks.map((c) => JSON.parse(c).route)).toEqual(['/messages', `/${'x'.repeat(500)}`]);
  });

  it('escapes strings and survives a destination that throws', () => {
    const chunks: string[] = [];
    const odd = sinkWith((c) => chunks.push(c));
    odd.emit({ ...EVENT, route: '/a"b\\c\n' });
    odd.flush();
    expect(JSON.parse(chunks[0] ?? '').route).toBe('/a"b\\c\n');

    const errors: unknown[] = [];
    const broken = sinkWith(
      () => {
        throw new Error('disk full');
      },
      { onError: (err) => errors.push(err) },
    );
    broken.emit(EVENT);
    expect(() => broken.flush()).not.toThrow();
    expect(errors).toHaveLength(1);
  });
});
