import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { tempConfigDirs } from './test-config-dirs.js';

const cwdWith = tempConfigDirs();

const pem = (curve: string) =>
  generateKeyPairSync('ec', { namedCurve: curve })
    .publicKey.export({ type: 'spki', format: 'pem' })
    .toString();

describe('leak-report keys', () => {
  it('default: none', () => {
    expect(loadConfig({}, {}, cwdWith()).leaks).toEqual({ githubPublicKeys: {} });
  });

  it('reads the file and KEYWARD_GITHUB_LEAK_KEYS (the environment wins per identifier)', () => {
    const [a, b, c] = [pem('P-256'), pem('P-256'), pem('P-256')];
    const config = loadConfig(
      { KEYWARD_GITHUB_LEAK_KEYS: JSON.stringify({ k2: c, k3: b }) },
      {},
      cwdWith({ leaks: { githubPublicKeys: { k1: a, k2: b } } }),
    );
    expect(config.leaks.githubPublicKeys).toEqual({ k1: a, k2: c, k3: b });
  });

  it('refuses a key that is not an ECDSA P-256 public key, and bad JSON in the environment', () => {
    for (const bad of ['not a pem', pem('P-384')]) {
      expect(() =>
        loadConfig({}, {}, cwdWith({ leaks: { githubPublicKeys: { k: bad } } })),
      ).toThrow(/not an ECDSA P-256 public key/);
    }
    expect(() => loadConfig({ KEYWARD_GITHUB_LEAK_KEYS: '{' }, {}, cwdWith())).toThrow(
      /KEYWARD_GITHUB_LEAK_KEYS/,
    );
    expect(() => loadConfig({ KEYWARD_GITHUB_LEAK_KEYS: '[1]' }, {}, cwdWith())).toThrow(
      /KEYWARD_GITHUB_LEAK_KEYS/,
    );
  });
});
