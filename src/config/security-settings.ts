import { createHash, createPublicKey } from 'node:crypto';
import { parseCidr } from '../core/cidr.js';
import { AppError } from '../core/errors.js';
import type { ConfigFile } from './config.js';
import { type Env, nonEmpty } from './env.js';

/**
 * The settings that guard the edges — the metrics scrape token, GitHub's leak-report keys, the
 * networks webhooks may reach — each from the config file and an environment variable, checked
 * at load so a bad value stops the process with CONFIG_INVALID.
 */

/** The metrics scrape token's SHA-256: `KEYWARD_METRICS_TOKEN` (hashed here) beats the file's. */
export function metricsTokenSha256(env: Env, file: ConfigFile): string | null {
  const token = nonEmpty(env.KEYWARD_METRICS_TOKEN);
  if (token !== null) return createHash('sha256').update(token).digest('hex');
  return file.metrics?.tokenSha256 ?? null;
}

/** GitHub's leak-report keys (file, then `KEYWARD_GITHUB_LEAK_KEYS`), each checked as a P-256 key. */
export function githubLeakKeys(env: Env, file: ConfigFile): Record<string, string> {
  const keys: Record<string, string> = { ...(file.leaks?.githubPublicKeys ?? {}) };
  const raw = nonEmpty(env.KEYWARD_GITHUB_LEAK_KEYS);
  if (raw !== null) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new AppError('CONFIG_INVALID', 'KEYWARD_GITHUB_LEAK_KEYS must be a JSON object');
    }
    if (
      parsed === null ||
      typeof parsed !== 'object' ||
      Array.isArray(parsed) ||
      !Object.values(parsed).every((v) => typeof v === 'string')
    ) {
      throw new AppError(
        'CONFIG_INVALID',
        'KEYWARD_GITHUB_LEAK_KEYS must be a JSON object of key identifier → PEM',
      );
    }
    Object.assign(keys, parsed);
  }
  for (const [id, pem] of Object.entries(keys)) {
    let ok = false;
    try {
      const key = createPublicKey(pem);
      ok = key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
    } catch {
      ok = false;
    }
    if (!ok) {
      throw new AppError(
        'CONFIG_INVALID',
        `leaks.githubPublicKeys[${JSON.stringify(id)}] is not an ECDSA P-256 public key (PEM)`,
      );
    }
  }
  return keys;
}

/** `KEYWARD_WEBHOOK_ALLOWED_NETWORKS` (comma-separated), else the file's list; each a valid CIDR. */
export function webhookNetworks(env: Env, file: ConfigFile): string[] {
  const raw = nonEmpty(env.KEYWARD_WEBHOOK_ALLOWED_NETWORKS);
  const given =
    raw === null
      ? (file.webhooks?.allowedNetworks ?? [])
      : raw
          .split(',')
          .map((c) => c.trim())
          .filter((c) => c !== '');
  return given.map((cidr) => {
    const parsed = parseCidr(cidr);
    if (!parsed.ok) {
      throw new AppError(
        'CONFIG_INVALID',
        `webhooks.allowedNetworks: ${JSON.stringify(cidr.slice(0, 64))} is not a CIDR (${parsed.reason})`,
      );
    }
    return parsed.cidr;
  });
}
