import { describe, expect, it } from 'vitest';
import { maskSecrets } from './secret-mask.js';

describe('maskSecrets', () => {
  it('keeps only prefix and last 4 of every secret-shaped token', () => {
    const s = 'kw_live_abcdefghijklmnopqrstuvwxyzABCD4dNndU';
    expect(maskSecrets(`/api/v1/keys/${s}?x=${s}`)).toBe(
      '/api/v1/keys/kw_live_…NndU?x=kw_live_…NndU',
    );
  });
  it('leaves ids and shorter tokens alone', () => {
    const text = '/api/v1/keys/key_3kTMdAbCdEfGhIjKlMnOpQ';
    expect(maskSecrets(text)).toBe(text);
  });
});
