import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { tempConfigDirs } from './test-config-dirs.js';

const cwdWith = tempConfigDirs();

describe('webhooks.allowedNetworks', () => {
  it('is empty by default: webhooks reach public addresses only', () => {
    expect(loadConfig({}, {}, cwdWith()).webhooks).toEqual({ allowedNetworks: [] });
  });

  it('reads the file, or the environment instead, canonicalising each CIDR', () => {
    const dir = cwdWith({
      webhooks: { allowedNetworks: ['10.20.0.0/16', '::ffff:192.168.0.0/112'] },
    });
    expect(loadConfig({}, {}, dir).webhooks.allowedNetworks).toEqual([
      '10.20.0.0/16',
      '192.168.0.0/16',
    ]);
    const env = { KEYWARD_WEBHOOK_ALLOWED_NETWORKS: ' 127.0.0.0/8 , fd00::/8 ' };
    expect(loadConfig(env, {}, dir).webhooks.allowedNetworks).toEqual(['127.0.0.0/8', 'fd00::/8']);
  });

  it('stops at start on an invalid network', () => {
    expect(() =>
      loadConfig({ KEYWARD_WEBHOOK_ALLOWED_NETWORKS: '10.0.0.0/8,10.0.0.1/40' }, {}, cwdWith()),
    ).toThrow(/webhooks\.allowedNetworks: "10\.0\.0\.1\/40" is not a CIDR/);
    expect(() => loadConfig({}, {}, cwdWith({ webhooks: { allowedNetworks: 'all' } }))).toThrow();
  });
});
