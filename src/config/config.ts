import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import { AppError } from '../core/errors.js';
import { type Env, nonEmpty } from './env.js';
import { githubLeakKeys, metricsTokenSha256, webhookNetworks } from './security-settings.js';

/**
 * The one configuration object. Read and validated once at start (`loadConfig`), frozen, passed
 * down. Precedence: command-line flags > environment variables > config file > defaults.
 * Nothing outside src/config reads `process.env`.
 */

const RouteSchema = Type.Object(
  {
    path: Type.String({ pattern: '^/' }),
    upstream: Type.String({ pattern: '^https?://' }),
    scope: Type.Optional(Type.String({ minLength: 1 })),
    allowQueryKey: Type.Optional(Type.Boolean()),
    stripPrefix: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const FileSchema = Type.Object(
  {
    secretPrefix: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_]{0,30}[a-z0-9]$' })),
    dataDir: Type.Optional(Type.String({ minLength: 1 })),
    /** Keep an encrypted copy of each secret so admins can view it later (the seed platform does). */
    viewableSecrets: Type.Optional(Type.Boolean()),
    admin: Type.Optional(
      Type.Object(
        {
          host: Type.Optional(Type.String({ minLength: 1 })),
          port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
          /** Proxies whose X-Forwarded-* headers are believed (CIDRs). */
          trustedProxies: Type.Optional(Type.Array(Type.String())),
          /** Always mark the session cookie Secure (it is anyway when the request came over TLS). */
          secureCookies: Type.Optional(Type.Boolean()),
          sessionTtlSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 30 * 86400 })),
        },
        { additionalProperties: false },
      ),
    ),
    login: Type.Optional(
      Type.Object(
        {
          maxFailuresPerAccount: Type.Optional(Type.Integer({ minimum: 1 })),
          maxFailuresPerIp: Type.Optional(Type.Integer({ minimum: 1 })),
          windowSeconds: Type.Optional(Type.Integer({ minimum: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
    gateway: Type.Optional(
      Type.Object(
        {
          host: Type.Optional(Type.String({ minLength: 1 })),
          port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
          header: Type.Optional(Type.String({ minLength: 1 })),
          profile: Type.Optional(Type.Union([Type.Literal('default'), Type.Literal('apim')])),
          trustedProxies: Type.Optional(Type.Array(Type.String())),
          routes: Type.Optional(Type.Array(RouteSchema)),
          upstreamTimeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 600_000 })),
          /** Failed authentications allowed per source IP per window before 429. */
          maxFailuresPerIp: Type.Optional(Type.Integer({ minimum: 1 })),
          failureWindowSeconds: Type.Optional(Type.Integer({ minimum: 1 })),
          /** Also serve GET /metrics on the gateway port (a `--role gateway` node has no admin port). */
          metrics: Type.Optional(Type.Boolean()),
          /** One access-log line per gateway request, at info. Default true. */
          accessLog: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
    ),
    usage: Type.Optional(
      Type.Object(
        {
          /** Persist usage (last use, clients, rollups, raw events, alerts); false: none of it. */
          persist: Type.Optional(Type.Boolean()),
          /** Which raw events are kept: every request, refused/failed ones only, or none. */
          rawEvents: Type.Optional(
            Type.Union([Type.Literal('all'), Type.Literal('refused'), Type.Literal('off')]),
          ),
          retentionDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
          rollupRetentionDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
          flushIntervalMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 60_000 })),
          /** Hours after a key's first use during which its networks are learned silently. */
          newNetworkLearningHours: Type.Optional(Type.Integer({ minimum: 0, maximum: 24 * 365 })),
          /** Failed authentications from one address within a minute that raise an alert. */
          failedAuthBurst: Type.Optional(Type.Integer({ minimum: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
    metrics: Type.Optional(
      Type.Object(
        {
          /** SHA-256 (hex) of the bearer token scrapers of GET /metrics must send. */
          tokenSha256: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
        },
        { additionalProperties: false },
      ),
    ),
    verifier: Type.Optional(
      Type.Object(
        {
          /** SHA-256 (hex) of the tokens that may call POST /api/v1/verify. */
          tokenSha256: Type.Optional(Type.Array(Type.String({ pattern: '^[0-9a-f]{64}$' }))),
        },
        { additionalProperties: false },
      ),
    ),
    webhooks: Type.Optional(
      Type.Object(
        {
          /** Non-public networks (CIDRs) webhooks may still reach, e.g. an internal relay. */
          allowedNetworks: Type.Optional(Type.Array(Type.String(), { maxItems: 100 })),
        },
        { additionalProperties: false },
      ),
    ),
    leaks: Type.Optional(
      Type.Object(
        {
          /** GitHub secret-scanning public keys: key identifier → PEM (ECDSA P-256). */
          githubPublicKeys: Type.Optional(
            Type.Record(
              Type.String({ minLength: 1, maxLength: 200 }),
              Type.String({ minLength: 1 }),
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    logLevel: Type.Optional(
      Type.Union(
        ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      ),
    ),
  },
  { additionalProperties: false },
);

export type ConfigFile = Static<typeof FileSchema>;
export type GatewayRoute = Static<typeof RouteSchema>;

export interface Config {
  readonly configFile: string | null;
  readonly dataDir: string;
  readonly databaseUrl: string | null;
  readonly redisUrl: string | null;
  readonly secretPrefix: string;
  readonly viewableSecrets: boolean;
  readonly logLevel: string;
  readonly admin: {
    readonly host: string;
    readonly port: number;
    readonly trustedProxies: readonly string[];
    readonly secureCookies: boolean;
    readonly sessionTtlSeconds: number;
  };
  readonly login: {
    readonly maxFailuresPerAccount: number;
    readonly maxFailuresPerIp: number;
    readonly windowSeconds: number;
  };
  readonly gateway: {
    readonly host: string;
    readonly port: number;
    readonly header: string;
    readonly profile: 'default' | 'apim';
    readonly trustedProxies: readonly string[];
    readonly routes: readonly GatewayRoute[];
    readonly upstreamTimeoutMs: number;
    readonly maxFailuresPerIp: number;
    readonly failureWindowSeconds: number;
    /** `GET /metrics` on the gateway port too (it is always on the admin port). */
    readonly metrics: boolean;
    /** One access-log line per gateway request. */
    readonly accessLog: boolean;
  };
  /**
   * Credentials of `POST /api/v1/verify`: SHA-256 (hex) of each verifier token, from the config
   * file and from `KEYWARD_VERIFIER_TOKENS` (comma-separated tokens, hashed at load).
   */
  readonly usage: {
    readonly persist: boolean;
    readonly rawEvents: 'all' | 'refused' | 'off';
    readonly retentionDays: number;
    readonly rollupRetentionDays: number;
    readonly flushIntervalMs: number;
    readonly newNetworkLearningHours: number;
    readonly failedAuthBurst: number;
  };
  readonly verifierTokenSha256: readonly string[];
  /**
   * `GET /metrics`: SHA-256 (hex) of the bearer token scrapers must send, from
   * `KEYWARD_METRICS_TOKEN` (hashed at load) or the config file's `metrics.tokenSha256`; null:
   * no token (keep the port private).
   */
  readonly metrics: { readonly tokenSha256: string | null };
  /**
   * Leak reports: the public keys (identifier → PEM, ECDSA P-256) whose signatures
   * `POST /api/v1/leaks/github` accepts, from the file's `leaks.githubPublicKeys` and
   * `KEYWARD_GITHUB_LEAK_KEYS` (a JSON object of the same shape; it wins on the same identifier).
   */
  readonly leaks: { readonly githubPublicKeys: Readonly<Record<string, string>> };
  /**
   * Webhooks never connect to loopback, private, link-local or reserved addresses
   * (core/outbound-address.ts) except in these networks: the file's `webhooks.allowedNetworks`,
   * or `KEYWARD_WEBHOOK_ALLOWED_NETWORKS` (comma-separated CIDRs) instead.
   */
  readonly webhooks: { readonly allowedNetworks: readonly string[] };
  readonly bootstrap: { readonly email: string; readonly password: string | null };
  /** Raw keyring material from the environment (`1:<base64>,2:<base64>`), if given. */
  readonly keyringEnv: { readonly peppers: string | null; readonly masterKeys: string | null };
}

export interface ConfigOverrides {
  readonly config?: string;
  readonly dataDir?: string;
  readonly adminPort?: number;
  readonly gatewayPort?: number;
}

function envPort(env: Env, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new AppError('CONFIG_INVALID', `${name} must be a port number (0-65535)`);
  }
  return port;
}

function readConfigFile(path: string, explicit: boolean): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (!explicit && (err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new AppError(
      'CONFIG_INVALID',
      `cannot read config file ${path}: ${(err as Error).message}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new AppError(
      'CONFIG_INVALID',
      `config file ${path} is not valid JSON: ${(err as Error).message}`,
    );
  }
  if (!Value.Check(FileSchema, parsed)) {
    const problems = Value.Errors(FileSchema, parsed)
      .slice(0, 5)
      .map((e) => `${e.instancePath || '/'} ${e.message}`);
    throw new AppError('CONFIG_INVALID', `config file ${path}: ${problems.join('; ')}`);
  }
  return parsed;
}

/** Builds the frozen configuration from flags, environment and the optional config file. */
export function loadConfig(env: Env, overrides: ConfigOverrides = {}, cwd = process.cwd()): Config {
  const explicitFile = overrides.config ?? nonEmpty(env.KEYWARD_CONFIG);
  const configFile = resolve(cwd, explicitFile ?? 'keyward.config.json');
  const file = readConfigFile(configFile, explicitFile !== null);
  const profile = file.gateway?.profile ?? 'default';
  const config: Config = {
    configFile,
    dataDir: resolve(
      cwd,
      overrides.dataDir ?? nonEmpty(env.KEYWARD_DATA_DIR) ?? file.dataDir ?? 'keyward-data',
    ),
    databaseUrl: nonEmpty(env.KEYWARD_DATABASE_URL),
    redisUrl: nonEmpty(env.KEYWARD_REDIS_URL),
    secretPrefix: file.secretPrefix ?? 'kw_live',
    viewableSecrets: file.viewableSecrets ?? true,
    logLevel: nonEmpty(env.KEYWARD_LOG_LEVEL) ?? file.logLevel ?? 'info',
    admin: {
      host: nonEmpty(env.KEYWARD_ADMIN_HOST) ?? file.admin?.host ?? '127.0.0.1',
      port: overrides.adminPort ?? envPort(env, 'KEYWARD_ADMIN_PORT') ?? file.admin?.port ?? 4000,
      trustedProxies: file.admin?.trustedProxies ?? [],
      secureCookies: file.admin?.secureCookies ?? false,
      sessionTtlSeconds: file.admin?.sessionTtlSeconds ?? 8 * 3600,
    },
    login: {
      maxFailuresPerAccount: file.login?.maxFailuresPerAccount ?? 5,
      maxFailuresPerIp: file.login?.maxFailuresPerIp ?? 30,
      windowSeconds: file.login?.windowSeconds ?? 15 * 60,
    },
    gateway: {
      host: nonEmpty(env.KEYWARD_GATEWAY_HOST) ?? file.gateway?.host ?? '127.0.0.1',
      port:
        overrides.gatewayPort ?? envPort(env, 'KEYWARD_GATEWAY_PORT') ?? file.gateway?.port ?? 8080,
      header:
        file.gateway?.header ?? (profile === 'apim' ? 'Ocp-Apim-Subscription-Key' : 'X-API-Key'),
      profile,
      trustedProxies: file.gateway?.trustedProxies ?? [],
      routes: file.gateway?.routes ?? [],
      upstreamTimeoutMs: file.gateway?.upstreamTimeoutMs ?? 30_000,
      maxFailuresPerIp: file.gateway?.maxFailuresPerIp ?? 30,
      failureWindowSeconds: file.gateway?.failureWindowSeconds ?? 60,
      metrics: file.gateway?.metrics ?? false,
      accessLog: file.gateway?.accessLog ?? true,
    },
    usage: {
      persist: file.usage?.persist ?? true,
      rawEvents: file.usage?.rawEvents ?? 'refused',
      retentionDays: file.usage?.retentionDays ?? 7,
      rollupRetentionDays: file.usage?.rollupRetentionDays ?? 90,
      flushIntervalMs: file.usage?.flushIntervalMs ?? 5_000,
      newNetworkLearningHours: file.usage?.newNetworkLearningHours ?? 7 * 24,
      failedAuthBurst: file.usage?.failedAuthBurst ?? 20,
    },
    verifierTokenSha256: [
      ...(file.verifier?.tokenSha256 ?? []),
      ...(nonEmpty(env.KEYWARD_VERIFIER_TOKENS) ?? '')
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t !== '')
        .map((t) => createHash('sha256').update(t).digest('hex')),
    ],
    metrics: { tokenSha256: metricsTokenSha256(env, file) },
    leaks: { githubPublicKeys: githubLeakKeys(env, file) },
    webhooks: { allowedNetworks: webhookNetworks(env, file) },
    bootstrap: {
      email: (nonEmpty(env.KEYWARD_ADMIN_EMAIL) ?? 'admin@keyward.local').toLowerCase(),
      password: nonEmpty(env.KEYWARD_ADMIN_PASSWORD),
    },
    keyringEnv: {
      peppers: nonEmpty(env.KEYWARD_PEPPERS),
      masterKeys: nonEmpty(env.KEYWARD_MASTER_KEYS),
    },
  };
  if (config.databaseUrl !== null && !/^postgres(ql)?:\/\//.test(config.databaseUrl)) {
    throw new AppError('CONFIG_INVALID', 'KEYWARD_DATABASE_URL must be a postgres:// URL');
  }
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** The process environment: the one read of `process.env` outside the CLI's own env helper. */
export function processEnvironment(): Env {
  return process.env;
}
