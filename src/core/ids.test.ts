import { describe, expect, it } from 'vitest';
import { idPattern, newId } from './ids.js';

describe('ids', () => {
  it('are the prefix, an underscore and 22 base62 characters, matching their schema pattern', () => {
    const id = newId('key');
    expect(id).toMatch(new RegExp(idPattern('key')));
    expect(id).not.toMatch(new RegExp(idPattern('ins')));
  });
  it('do not repeat', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newId('aud')));
    expect(ids.size).toBe(1000);
  });
});
