import { describe, expect, it } from 'vitest';
import { idPattern } from '../core/ids.js';
import { newRequestId } from './request-id.js';

describe('newRequestId', () => {
  it('has the format of every other req_ id', () => {
    expect(newRequestId()).toMatch(new RegExp(idPattern('req')));
  });

  it('does not repeat across many pool refills', () => {
    const ids = new Set(Array.from({ length: 5000 }, () => newRequestId()));
    expect(ids.size).toBe(5000);
  });
});
