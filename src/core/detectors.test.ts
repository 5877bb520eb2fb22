import { describe, expect, it } from 'vitest';
import {
  detectCidrViolation,
  detectFailureBurst,
  detectNewNetwork,
  detectRetiredUse,
  detectUnused,
  detectVolumeSpike,
  type Finding,
  failureBurstState,
  networkOf,
  newNetworkState,
  type ObservedEvent,
  spikeState,
} from './detectors.js';

const T0 = Date.UTC(2030, 0, 1);
const MINUTE = 60_000;
const DAY = 86_400_000;

function event(overrides: Partial<ObservedEvent> & { atMs?: number } = {}): ObservedEvent {
  const { atMs, ...rest } = overrides;
  return {
    at: new Date(atMs ?? T0),
    keyId: 'key_a',
    institutionId: 'ins_a',
    slot: 'primary',
    clientIp: '198.51.100.7',
    userAgent: 'client/1.0',
    outcome: 'OK',
    ...rest,
  };
}

/** Runs a detector over a stream; returns every finding. */
function run<S>(
  detect: (state: S, e: ObservedEvent) => Finding | null,
  state: S,
  stream: Iterable<ObservedEvent>,
): Finding[] {
  const found: Finding[] = [];
  for (const e of stream) {
    const f = detect(state, e);
    if (f !== null) found.push(f);
  }
  return found;
}

/** `perMinute` requests a minute for `minutes` minutes, from `startMs`, spread inside each minute. */
function* steady(
  minutes: number,
  perMinute: number,
  startMs = T0,
  extra: Partial<ObservedEvent> = {},
) {
  for (let m = 0; m < minutes; m++) {
    for (let i = 0; i < perMinute; i++) {
      yield event({ atMs: startMs + m * MINUTE + Math.floor((i * MINUTE) / perMinute), ...extra });
    }
  }
}

describe('detectRetiredUse and detectCidrViolation', () => {
  it('name the key and slot of a retired secret, and of a request from outside the allow-list', () => {
    const retired = detectRetiredUse(event({ outcome: 'RETIRED', slot: 'secondary' }));
    expect(retired).toMatchObject({
      type: 'RETIRED_SECRET_USED',
      severity: 'high',
      keyId: 'key_a',
      slot: 'secondary',
      evidence: { clientIp: '198.51.100.7', userAgent: 'client/1.0' },
    });
    expect(detectCidrViolation(event({ outcome: 'IP_NOT_ALLOWED' }))).toMatchObject({
      type: 'IP_NOT_ALLOWED',
      keyId: 'key_a',
    });
  });

  it('stay silent on normal traffic and on refusals that name no key', () => {
    for (const e of steady(5, 20)) {
      expect(detectRetiredUse(e)).toBeNull();
      expect(detectCidrViolation(e)).toBeNull();
    }
    expect(detectRetiredUse(event({ outcome: 'NOT_FOUND', keyId: null }))).toBeNull();
    expect(detectCidrViolation(event({ outcome: 'FORBIDDEN_SCOPE' }))).toBeNull();
  });
});

describe('detectNewNetwork', () => {
  const options = { learningMs: DAY, maxNetworksPerKey: 4, maxKeys: 10 };
  const detect = (s: ReturnType<typeof newNetworkState>, e: ObservedEvent) =>
    detectNewNetwork(s, e, options);

  it('learns silently, then reports each new network once', () => {
    const state = newNetworkState();
    const learning = [
      event({ clientIp: '198.51.100.7' }),
      event({ clientIp: '2001:db8:1:2::9', atMs: T0 + 1_000 }),
      event({ clientIp: '203.0.113.5', atMs: T0 + DAY - 1 }),
    ];
    expect(run(detect, state, learning)).toEqual([]);
    const later = [
      event({ clientIp: '198.51.100.200', atMs: T0 + 2 * DAY }), // same /24: known
      event({ clientIp: '2001:db8:1:ffff::1', atMs: T0 + 2 * DAY }), // same /48: known
      event({ clientIp: '192.0.2.44', atMs: T0 + 2 * DAY + 1 }), // new
      event({ clientIp: '192.0.2.45', atMs: T0 + 2 * DAY + 2 }), // now known
    ];
    const found = run(detect, state, later);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      type: 'NEW_NETWORK',
      keyId: 'key_a',
      evidence: { network: '192.0.2.0/24', clientIp: '192.0.2.44', knownNetworks: 3 },
    });
  });

  it('stays silent on a key that keeps to its networks, and ignores refusals', () => {
    const state = newNetworkState();
    const stream = [...steady(60 * 24 * 3, 1, T0, { clientIp: '198.51.100.7' })];
    expect(run(detect, state, stream)).toEqual([]);
    expect(
      detect(state, event({ clientIp: '192.0.2.1', outcome: 'NOT_FOUND', atMs: T0 + 5 * DAY })),
    ).toBeNull();
  });

  it('keeps its state bounded', () => {
    const state = newNetworkState();
    for (let k = 0; k < 50; k++) {
      for (let n = 0; n < 10; n++) {
        detect(state, event({ keyId: `key_${k}`, clientIp: `10.0.${n}.1` }));
      }
    }
    expect(state.keys.size).toBe(10);
    for (const known of state.keys.values()) expect(known.networks.size).toBe(4);
  });

  it('groups addresses by /24 and /48, IPv4-mapped as IPv4', () => {
    expect(networkOf('203.0.113.77')).toBe('203.0.113.0/24');
    expect(networkOf('::ffff:203.0.113.77')).toBe('203.0.113.0/24');
    expect(networkOf('2001:db8:1:2::5')).toBe('2001:db8:1::/48');
    expect(networkOf('not an address')).toBeNull();
  });
});

describe('detectVolumeSpike', () => {
  const options = { alpha: 0.1, factor: 10, minRequests: 100, warmupMinutes: 30, maxKeys: 10 };
  const detect = (s: ReturnType<typeof spikeState>, e: ObservedEvent) =>
    detectVolumeSpike(s, e, options);

  it('fires once when a minute runs far above the key’s own baseline', () => {
    const state = spikeState();
    expect(run(detect, state, steady(60, 20))).toEqual([]);
    const burst = steady(1, 400, T0 + 60 * MINUTE);
    const found = run(detect, state, burst);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ type: 'VOLUME_SPIKE', keyId: 'key_a' });
    // The baseline is ~19.96/min (EWMA after an hour at 20): the 200th request crosses 10 ×.
    expect(found[0]?.evidence.requestsThisMinute).toBe(200);
  });

  it('stays silent on steady traffic, on slow growth and during the warm-up', () => {
    expect(run(detect, spikeState(), steady(120, 50))).toEqual([]);
    const growing = spikeState();
    for (let m = 0; m < 120; m++) {
      expect(run(detect, growing, steady(1, 20 + m, T0 + m * MINUTE))).toEqual([]);
    }
    // A big first hour is the key's normal, not a spike.
    expect(run(detect, spikeState(), steady(10, 2_000))).toEqual([]);
  });

  it('forgets idle minutes into the baseline', () => {
    const state = spikeState();
    run(detect, state, steady(40, 100));
    // A day idle: the baseline decays to ~0, so 150 requests in a minute are a spike again.
    const found = run(detect, state, steady(1, 150, T0 + DAY));
    expect(found).toHaveLength(1);
  });
});

describe('detectFailureBurst', () => {
  const options = { threshold: 20, windowMs: MINUTE, maxAddresses: 5 };
  const detect = (s: ReturnType<typeof failureBurstState>, e: ObservedEvent) =>
    detectFailureBurst(s, e, options);

  it('fires once per window for an address that keeps failing', () => {
    const state = failureBurstState();
    const flood = Array.from({ length: 50 }, (_, i) =>
      event({ outcome: 'NOT_FOUND', keyId: null, clientIp: '203.0.113.66', atMs: T0 + i * 100 }),
    );
    const found = run(detect, state, flood);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      type: 'FAILED_AUTH_BURST',
      subject: '203.0.113.66',
      keyId: null,
      evidence: { failures: 20, windowSeconds: 60 },
    });
    const nextWindow = event({
      outcome: 'MALFORMED',
      clientIp: '203.0.113.66',
      atMs: T0 + 2 * MINUTE,
    });
    expect(
      run(
        detect,
        state,
        [...Array(20)].map(() => nextWindow),
      ),
    ).toHaveLength(1);
  });

  it('stays silent on occasional failures, on refusals of valid secrets and on success', () => {
    const state = failureBurstState();
    const occasional = Array.from({ length: 100 }, (_, i) =>
      event({ outcome: 'NOT_FOUND', clientIp: '198.51.100.7', atMs: T0 + i * 10_000 }),
    );
    expect(run(detect, state, occasional)).toEqual([]);
    const denied = Array.from({ length: 100 }, () => event({ outcome: 'RATE_LIMITED' }));
    expect(run(detect, state, denied)).toEqual([]);
    expect(run(detect, state, steady(5, 100))).toEqual([]);
  });

  it('keeps its state bounded', () => {
    const state = failureBurstState();
    for (let i = 0; i < 100; i++)
      detect(state, event({ outcome: 'INVALID', clientIp: `10.0.0.${i}` }));
    expect(state.addresses.size).toBe(5);
  });
});

describe('detectUnused', () => {
  it('reports slots idle past the threshold, counting from generation when never used', () => {
    const now = new Date(T0 + 100 * DAY);
    const found = detectUnused(
      [
        {
          institutionId: 'ins_a',
          keyId: 'key_a',
          slot: 'primary',
          generatedAt: new Date(T0),
          lastUsedAt: new Date(T0 + 99 * DAY),
        },
        {
          institutionId: 'ins_a',
          keyId: 'key_a',
          slot: 'secondary',
          generatedAt: new Date(T0),
          lastUsedAt: null,
        },
        {
          institutionId: 'ins_a',
          keyId: 'key_b',
          slot: 'primary',
          generatedAt: new Date(T0),
          lastUsedAt: new Date(T0 + 10 * DAY),
        },
      ],
      30 * DAY,
      now,
    );
    expect(found.map((f) => [f.keyId, f.slot, f.evidence.idleDays])).toEqual([
      ['key_a', 'secondary', 100],
      ['key_b', 'primary', 90],
    ]);
    expect(found[0]).toMatchObject({
      type: 'UNUSED',
      severity: 'low',
      evidence: { lastUsedAt: null },
    });
  });
});
