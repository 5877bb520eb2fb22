import { fileURLToPath } from 'node:url';
import type { FastifyBaseLogger } from 'fastify';
import { MemoryAttemptLimiter } from '../adapters/memory/memory-attempt-limiter.js';
import type { Config } from '../config/config.js';
import type { Keyring } from '../core/keyring.js';
import { outboundAddressPolicy } from '../core/outbound-address.js';
import { buildAdminApp } from '../http/admin-app.js';
import type { AdminApp } from '../http/route-kit.js';
import type { Clock } from '../ports/clock.js';
import type { KeyInvalidation } from '../ports/key-invalidation.js';
import type { MetricsEndpoint } from '../ports/metrics-exposition.js';
import type { Notifier } from '../ports/notifier.js';
import type { Store } from '../ports/store.js';
import { AuditService } from '../services/audit-service.js';
import { AuthService } from '../services/auth-service.js';
import { HygieneService } from '../services/hygiene-service.js';
import { InstitutionService } from '../services/institution-service.js';
import { KeyImportService } from '../services/key-import-service.js';
import { KeyService } from '../services/key-service.js';
import { LeakService } from '../services/leak-service.js';
import { MemberService } from '../services/member-service.js';
import { MonitoringService } from '../services/monitoring-service.js';
import { RotationService } from '../services/rotation-service.js';
import { ShareService } from '../services/share-service.js';
import type { SecretVerifier } from '../services/verifier-types.js';
import { WebhookService } from '../services/webhook-service.js';
import { VERSION } from './version.js';

/** `<package root>/dist/web`, from both `src/main/` (tests) and `dist/main/` (built). */
const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../dist/web', import.meta.url));

export interface AdminWiring {
  readonly app: AdminApp;
  readonly bootstrap: { readonly email: string; readonly password: string | null } | null;
  /** Revokes the shares that are due (a scheduler runs it). */
  readonly shares: ShareService;
}

/** The admin API with its services; bootstraps the platform operator on an empty store. */
export async function wireAdmin(deps: {
  config: Config;
  store: Store;
  keyring: Keyring;
  clock: Clock;
  invalidation: KeyInvalidation;
  verifier: SecretVerifier;
  logger: FastifyBaseLogger;
  consoleDir?: string;
  /** `GET /metrics` on the admin port. */
  metrics?: MetricsEndpoint;
  /** Asks the webhook delivery worker of this process to poll now. */
  deliverWebhooksSoon: () => void;
  /** Queues alerts for webhooks (share revocations, leak reports). */
  notifier: Notifier;
}): Promise<AdminWiring> {
  const { config, store, keyring, clock } = deps;
  const auth = new AuthService({
    store,
    clock,
    keyring,
    secretPrefix: config.secretPrefix,
    limiters: {
      account: new MemoryAttemptLimiter({
        maxFailures: config.login.maxFailuresPerAccount,
        windowSeconds: config.login.windowSeconds,
      }),
      ip: new MemoryAttemptLimiter({
        maxFailures: config.login.maxFailuresPerIp,
        windowSeconds: config.login.windowSeconds,
      }),
    },
    sessionTtlSeconds: config.admin.sessionTtlSeconds,
    verifierTokenSha256: config.verifierTokenSha256,
  });
  const bootstrap = await auth.bootstrap(config.bootstrap.email, config.bootstrap.password);
  const keys = new KeyService({
    store,
    clock,
    keyring,
    secretPrefix: config.secretPrefix,
    viewableSecrets: config.viewableSecrets,
    invalidation: deps.invalidation,
  });
  const shares = new ShareService({
    store,
    clock,
    keys,
    invalidation: deps.invalidation,
    notifier: deps.notifier,
  });
  const leaks = new LeakService({
    store,
    clock,
    keyring,
    secretPrefix: config.secretPrefix,
    keys,
    invalidation: deps.invalidation,
    notifier: deps.notifier,
    githubPublicKeys: config.leaks.githubPublicKeys,
  });
  const app = await buildAdminApp({
    auth,
    institutions: new InstitutionService({ store, clock, invalidation: deps.invalidation }),
    members: new MemberService({ store, clock }),
    keys,
    imports: new KeyImportService({
      store,
      clock,
      keyring,
      secretPrefix: config.secretPrefix,
      viewableSecrets: config.viewableSecrets,
      invalidation: deps.invalidation,
    }),
    rotations: new RotationService({ store, clock, keys, invalidation: deps.invalidation }),
    shares,
    audit: new AuditService({ store }),
    monitoring: new MonitoringService({ store, clock }),
    hygiene: new HygieneService({ store, clock }),
    verifier: deps.verifier,
    webhooks: new WebhookService({
      store,
      clock,
      keyring,
      deliverSoon: deps.deliverWebhooksSoon,
      allowAddress: outboundAddressPolicy(config.webhooks.allowedNetworks),
    }),
    leaks,
    logger: deps.logger,
    trustedProxies: config.admin.trustedProxies,
    secureCookies: config.admin.secureCookies,
    version: VERSION,
    consoleDir: deps.consoleDir ?? DEFAULT_CONSOLE_DIR,
    metrics: deps.metrics ?? null,
  });
  return { app, bootstrap, shares };
}
