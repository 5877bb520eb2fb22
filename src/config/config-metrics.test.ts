import { describe, expect, it } from 'vitest';
import { tokenSha256 } from '../core/bearer-token.js';
import { loadConfig } from './config.js';
import { tempConfigDirs } from './test-config-dirs.js';

const cwdWith = tempConfigDirs();

describe('metrics and access-log settings', () => {
  it('default: /metrics on the admin port only, open; access log on', () => {
    const config = loadConfig({}, {}, cwdWith());
    expect(config.metrics).toEqual({ tokenSha256: null });
    expect(config.gateway.metrics).toBe(false);
    expect(config.gateway.accessLog).toBe(true);
  });

  it('reads gateway.metrics, gateway.accessLog and metrics.tokenSha256 from the file', () => {
    const digest = tokenSha256('from-file');
    const config = loadConfig(
      {},
      {},
      cwdWith({ gateway: { metrics: true, accessLog: false }, metrics: { tokenSha256: digest } }),
    );
    expect(config.gateway.metrics).toBe(true);
    expect(config.gateway.accessLog).toBe(false);
    expect(config.metrics.tokenSha256).toBe(digest);
  });

  it('hashes KEYWARD_METRICS_TOKEN at load, and it beats the file', () => {
    const cwd = cwdWith({ metrics: { tokenSha256: tokenSha256('from-file') } });
    const config = loadConfig({ KEYWARD_METRICS_TOKEN: 'from-env' }, {}, cwd);
    expect(config.metrics.tokenSha256).toBe(tokenSha256('from-env'));
    expect(JSON.stringify(config)).not.toContain('from-env');
  });

  it('refuses a token in clear in the file, and unknown metrics fields', () => {
    expect(() => loadConfig({}, {}, cwdWith({ metrics: { token: 'clear' } }))).toThrow(
      /config file/,
    );
    expect(() => loadConfig({}, {}, cwdWith({ metrics: { tokenSha256: 'not-hex' } }))).toThrow(
      /config file/,
    );
  });
});
