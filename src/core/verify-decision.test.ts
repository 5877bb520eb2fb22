import { describe, expect, it } from 'vitest';
import type { ApiKey, RetiredSecret, SecretSlot } from './model.js';
import { decideVerdict } from './verify-decision.js';
import type { DigestMatchLike } from './verify-types.js';

const NOW = new Date('2025-06-01T12:00:00Z');

const baseKey: ApiKey = {
  id: 'key_1',
  institutionId: 'ins_1',
  name: 'billing',
  kind: 'use',
  scopes: ['read', 'write'],
  state: 'active',
  allowedCidrs: [],
  expiresAt: null,
  rateLimit: null,
  createdAt: new Date('2025-01-01T00:00:00Z'),
  createdBy: 'usr_1',
  updatedAt: new Date('2025-01-01T00:00:00Z'),
  deletedAt: null,
};
const slot: SecretSlot = {
  keyId: 'key_1',
  slot: 'primary',
  digest: 'a'.repeat(64),
  digestVersion: 1,
  sealed: null,
  hint: 'kw_live_…abcd',
  generatedAt: baseKey.createdAt,
  generatedBy: 'usr_1',
  lastUsedAt: null,
  lastUsedFrom: null,
  lastUserAgent: null,
  imported: false,
};
const retired: RetiredSecret = {
  digest: 'b'.repeat(64),
  digestVersion: 1,
  keyId: 'key_1',
  institutionId: 'ins_1',
  slot: 'secondary',
  hint: 'kw_live_…wxyz',
  retiredAt: NOW,
  retiredBy: 'usr_1',
  reason: 'regenerated',
  graceUntil: null,
};
const match = (key: Partial<ApiKey> = {}): DigestMatchLike => ({
  kind: 'slot',
  key: { ...baseKey, ...key },
  slot,
});

describe('decideVerdict', () => {
  it('accepts an active, unrestricted key', () => {
    const verdict = decideVerdict(match(), { now: NOW });
    expect(verdict).toEqual({ valid: true, key: baseKey, slot });
  });

  it('NOT_FOUND for no match', () => {
    expect(decideVerdict(null, { now: NOW })).toEqual({ valid: false, code: 'NOT_FOUND' });
  });

  it('RETIRED with the retired record', () => {
    expect(decideVerdict({ kind: 'retired', retired }, { now: NOW })).toEqual({
      valid: false,
      code: 'RETIRED',
      retired,
    });
  });

  it('SUSPENDED and CANCELLED by state, with the key', () => {
    expect(decideVerdict(match({ state: 'suspended' }), { now: NOW })).toMatchObject({
      valid: false,
      code: 'SUSPENDED',
      key: { id: 'key_1' },
    });
    expect(decideVerdict(match({ state: 'cancelled' }), { now: NOW })).toMatchObject({
      code: 'CANCELLED',
    });
  });

  it('fails closed on a deleted key or an unknown state', () => {
    expect(decideVerdict(match({ deletedAt: NOW }), { now: NOW })).toMatchObject({
      code: 'CANCELLED',
    });
    expect(
      decideVerdict(match({ state: 'suspended', deletedAt: NOW }), { now: NOW }),
    ).toMatchObject({
      code: 'CANCELLED',
    });
    expect(decideVerdict(match({ state: 'paused' as never }), { now: NOW })).toMatchObject({
      code: 'CANCELLED',
    });
  });

  it('EXPIRED at and after expiresAt, valid just before', () => {
    expect(decideVerdict(match({ expiresAt: NOW }), { now: NOW })).toMatchObject({
      code: 'EXPIRED',
    });
    expect(
      decideVerdict(match({ expiresAt: new Date(NOW.getTime() - 1) }), { now: NOW }),
    ).toMatchObject({
      code: 'EXPIRED',
    });
    expect(
      decideVerdict(match({ expiresAt: new Date(NOW.getTime() + 1) }), { now: NOW }).valid,
    ).toBe(true);
  });

  it('FORBIDDEN_SCOPE when a required scope is missing; no scope required passes', () => {
    expect(decideVerdict(match(), { now: NOW, scope: 'admin' })).toMatchObject({
      code: 'FORBIDDEN_SCOPE',
    });
    expect(decideVerdict(match({ scopes: [] }), { now: NOW, scope: 'read' })).toMatchObject({
      code: 'FORBIDDEN_SCOPE',
    });
    expect(decideVerdict(match(), { now: NOW, scope: 'write' }).valid).toBe(true);
    expect(decideVerdict(match({ scopes: [] }), { now: NOW }).valid).toBe(true);
  });

  it('FORBIDDEN_SCOPE for a key of another kind than asked, whatever its scopes', () => {
    const manage = match({ kind: 'manage' });
    expect(decideVerdict(manage, { now: NOW, kind: 'use' })).toMatchObject({
      code: 'FORBIDDEN_SCOPE',
      key: { kind: 'manage' },
    });
    expect(decideVerdict(manage, { now: NOW, kind: 'manage' }).valid).toBe(true);
    expect(decideVerdict(manage, { now: NOW }).valid).toBe(true);
    expect(decideVerdict(match(), { now: NOW, kind: 'use', scope: 'read' }).valid).toBe(true);
  });

  it('IP_NOT_ALLOWED outside the allow-list or without a client IP', () => {
    const restricted = match({ allowedCidrs: ['10.0.0.0/8', '2001:db8::/32'] });
    expect(decideVerdict(restricted, { now: NOW, clientIp: '10.1.2.3' }).valid).toBe(true);
    expect(decideVerdict(restricted, { now: NOW, clientIp: '::ffff:10.1.2.3' }).valid).toBe(true);
    expect(decideVerdict(restricted, { now: NOW, clientIp: '2001:db8::9' }).valid).toBe(true);
    expect(decideVerdict(restricted, { now: NOW, clientIp: '192.168.0.1' })).toMatchObject({
      code: 'IP_NOT_ALLOWED',
      key: { id: 'key_1' },
    });
    expect(decideVerdict(restricted, { now: NOW })).toMatchObject({ code: 'IP_NOT_ALLOWED' });
    expect(decideVerdict(restricted, { now: NOW, clientIp: 'garbage' })).toMatchObject({
      code: 'IP_NOT_ALLOWED',
    });
    // No allow-list: any address, even none.
    expect(decideVerdict(match(), { now: NOW, clientIp: '192.168.0.1' }).valid).toBe(true);
  });

  it('applies the checks in order: state → expiry → scope → IP', () => {
    const everythingWrong = {
      state: 'suspended' as const,
      expiresAt: new Date(0),
      scopes: [],
      allowedCidrs: ['10.0.0.0/8'],
    };
    const req = { now: NOW, scope: 'read', clientIp: '8.8.8.8' };
    expect(decideVerdict(match(everythingWrong), req)).toMatchObject({ code: 'SUSPENDED' });
    expect(decideVerdict(match({ ...everythingWrong, state: 'active' }), req)).toMatchObject({
      code: 'EXPIRED',
    });
    expect(
      decideVerdict(match({ ...everythingWrong, state: 'active', expiresAt: null }), req),
    ).toMatchObject({
      code: 'FORBIDDEN_SCOPE',
    });
    expect(
      decideVerdict(
        match({ ...everythingWrong, state: 'active', expiresAt: null, scopes: ['read'] }),
        req,
      ),
    ).toMatchObject({ code: 'IP_NOT_ALLOWED' });
  });
});
