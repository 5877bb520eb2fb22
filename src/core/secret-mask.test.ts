import { describe, expect, it } from 'vitest';
import { maskSecrets } from './secret-mask.js';

describe('maskSecrets', () => {
  it('keeps only prefix and last 4 of every secret-shaped token', () => {
    const s = 'kw_live_abcdefghijklmnopqrstuvwxyzABCD4dNndU';
    expect(maskSecrets(`/api/v1/keys/${s}?x=${s}`)).toBe(
      '/api/v1/keys/kw_live_…NndU?x=kw_live_…NndU',
    );
  });
  it('masks tokens of an imported legacy format (32 or 64 hex) to their hint', () => {
    const apim = '3f2a9c4be1d04f7a8b6c5d2e1f0a9b8c';
    const long = `${apim}0123456789abcdef0123456789abcdef`;
    expect(maskSecrets(`/api/v1/keys/${apim}?x=${long}&y=${apim}`)).toBe(
      '/api/v1/keys/…9b8c?x=…cdef&y=…9b8c',
    );
    // Other lengths, upper case and tokens inside longer words are not secrets of those formats.
    for (const text of [
      `/a/${apim.slice(1)}`,
      `/a/${apim}00`,
      `/a/${long}0`,
      `/a/${apim.toUpperCase()}`,
      `/a/x${apim}`,
      `/a/${apim}_b`,
    ]) {
      expect(maskSecrets(text)).toBe(text);
    }
  });

  it('leaves ids and shorter tokens alone', () => {
    const text = '/api/v1/keys/key_3kTMdAbCdEfGhIjKlMnOpQ';
    expect(maskSecrets(text)).toBe(text);
  });
});
