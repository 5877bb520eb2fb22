import { describe, expect, it } from 'vitest';
import { AppError } from './errors.js';
import {
  newDelivery,
  webhookDescription,
  webhookEvents,
  webhookMinSeverity,
  webhookPayload,
  webhookUrl,
  webhookWants,
} from './webhook.js';

function expectInvalid(fn: () => unknown, message: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('VALIDATION_FAILED');
    expect((err as AppError).message).toMatch(message);
    return;
  }
  throw new Error('expected VALIDATION_FAILED');
}

describe('webhookUrl', () => {
  it('accepts absolute http and https URLs, normalised', () => {
    expect(webhookUrl('https://Hooks.Example.org/keyward?x=1')).toBe(
      'https://hooks.example.org/keyward?x=1',
    );
    expect(webhookUrl('http://127.0.0.1:9000')).toBe('http://127.0.0.1:9000/');
  });

  it('refuses other schemes, relative URLs, credentials, fragments and very long URLs', () => {
    expectInvalid(() => webhookUrl('ftp://example.org/'), /http or https/);
    expectInvalid(() => webhookUrl('file:///etc/passwd'), /http or https/);
    expectInvalid(() => webhookUrl('/relative'), /absolute/);
    expectInvalid(() => webhookUrl('https://user:pw@example.org/'), /user name or password/);
    expectInvalid(() => webhookUrl('https://example.org/#frag'), /fragment/);
    expectInvalid(() => webhookUrl(`https://example.org/${'a'.repeat(2048)}`), /at most 2048/);
  });
});

describe('webhookEvents', () => {
  it('defaults to every event; dedupes; `*` absorbs the rest', () => {
    expect(webhookEvents(undefined)).toEqual(['*']);
    expect(webhookEvents([])).toEqual(['*']);
    expect(webhookEvents(['alert.raised', 'alert.raised'])).toEqual(['alert.raised']);
    expect(webhookEvents(['alert.raised', '*'])).toEqual(['*']);
  });

  it('refuses unknown types (webhook.test included) naming the entry and the known ones', () => {
    expectInvalid(
      () => webhookEvents(['alert.raised', 'key.deleted']),
      /events\[1\].*alert\.raised/,
    );
    expectInvalid(() => webhookEvents(['webhook.test']), /events\[0\]/);
    expectInvalid(() => webhookEvents(Array.from({ length: 17 }, () => '*')), /at most 16/);
  });
});

describe('webhookDescription and webhookMinSeverity', () => {
  it('trims descriptions; empty is none; long ones are refused', () => {
    expect(webhookDescription('  pager  ')).toBe('pager');
    expect(webhookDescription('   ')).toBeNull();
    expect(webhookDescription(null)).toBeNull();
    expectInvalid(() => webhookDescription('x'.repeat(201)), /at most 200/);
  });

  it('takes a known severity or none', () => {
    expect(webhookMinSeverity('high')).toBe('high');
    expect(webhookMinSeverity(undefined)).toBeNull();
    expectInvalid(() => webhookMinSeverity('urgent'), /low, medium, high, critical/);
  });
});

describe('webhookWants', () => {
  const hook = { events: ['*'], minSeverity: null, deletedAt: null } as const;
  const alert = (severity?: unknown) => ({
    type: 'alert.raised',
    data: severity === undefined ? {} : { severity },
  });

  it('matches subscribed types, or every type with *', () => {
    expect(webhookWants(hook, alert('low'))).toBe(true);
    expect(webhookWants({ ...hook, events: ['alert.raised'] }, alert('low'))).toBe(true);
    expect(webhookWants({ ...hook, events: ['alert.raised'] }, { type: 'x.y', data: {} })).toBe(
      false,
    );
  });

  it('drops alerts below minSeverity; sends unknown or absent severities rather than lose them', () => {
    const high = { ...hook, minSeverity: 'high' } as const;
    expect(webhookWants(high, alert('medium'))).toBe(false);
    expect(webhookWants(high, alert('high'))).toBe(true);
    expect(webhookWants(high, alert('critical'))).toBe(true);
    expect(webhookWants(high, alert('weird'))).toBe(true);
    expect(webhookWants(high, alert())).toBe(true);
  });

  it('never matches a deleted webhook, nor a test event (those go to one webhook directly)', () => {
    expect(webhookWants({ ...hook, deletedAt: new Date() }, alert('high'))).toBe(false);
    expect(webhookWants(hook, { type: 'webhook.test', data: {} })).toBe(false);
  });
});

describe('webhookPayload and newDelivery', () => {
  it('serialises {id, type, institutionId, at, data} once, in that order', () => {
    const at = new Date('2030-01-01T00:00:00.123Z');
    const body = webhookPayload({
      id: 'evt_1',
      type: 'alert.raised',
      institutionId: 'ins_1',
      at,
      data: { severity: 'high' },
    });
    expect(body).toBe(
      '{"id":"evt_1","type":"alert.raised","institutionId":"ins_1","at":"2030-01-01T00:00:00.123Z","data":{"severity":"high"}}',
    );
    expect(
      newDelivery(
        'dlv_1',
        { id: 'whk_1', institutionId: 'ins_1' },
        { id: 'evt_1', type: 'alert.raised' },
        body,
        at,
      ),
    ).toMatchObject({ state: 'pending', attempts: 0, nextAttemptAt: at, body, eventId: 'evt_1' });
  });
});
