import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addKeyringVersion } from '../adapters/keyring/file-keyring.js';
import type { LocalCommands } from '../cli/program.js';
import {
  type Config,
  type ConfigOverrides,
  loadConfig,
  processEnvironment,
} from '../config/config.js';
import { isValidPrefix } from '../core/secret-format.js';
import { type HookCommand, HookError, installHook, uninstallHook } from '../scan/git-hook.js';
import { runScan } from '../scan/scan-command.js';
import { DEFAULT_MAX_SIZE } from '../scan/secret-scanner.js';
import { verifyAuditChain } from '../services/audit-service.js';
import { createLogger } from './logger.js';
import { describeStore, openStore } from './open-store.js';
import { startKeyward } from './server.js';
import { VERSION } from './version.js';

type Print = (line: string) => void;

function configFrom(opts: {
  dataDir?: string;
  config?: string;
  adminPort?: number;
  gatewayPort?: number;
}): Config {
  const overrides: ConfigOverrides = {
    ...(opts.dataDir !== undefined && { dataDir: opts.dataDir }),
    ...(opts.config !== undefined && { config: opts.config }),
    ...(opts.adminPort !== undefined && { adminPort: opts.adminPort }),
    ...(opts.gatewayPort !== undefined && { gatewayPort: opts.gatewayPort }),
  };
  return loadConfig(processEnvironment(), overrides);
}

/** `serve`, `migrate` and `audit verify`: the commands that run against the local store. */
export function localCommands(out: Print = (l) => process.stdout.write(`${l}\n`)): LocalCommands {
  return {
    async serve(opts) {
      const config = configFrom(opts);
      const logger = createLogger(config.logLevel, undefined, {
        secretHeaders: [config.gateway.header],
      });
      const role = opts.role ?? 'all';
      const running = await startKeyward(config, { logger, role });
      out('');
      if (running.adminUrl) {
        out(`Keyward admin API and console: ${running.adminUrl}`);
        out(`  OpenAPI: ${running.adminUrl}/api/v1/openapi.json`);
      }
      if (running.gatewayUrl) {
        out(`Keyward gateway: ${running.gatewayUrl}  (secret header: ${config.gateway.header})`);
        if (config.gateway.routes.length === 0)
          out('  no routes configured yet: add gateway.routes to keyward.config.json');
        for (const route of config.gateway.routes) {
          out(
            `  ${route.path} → ${route.upstream}${route.scope ? `  (scope ${route.scope})` : ''}`,
          );
        }
      }
      out(`  store: ${describeStore(config)}`);
      if (running.bootstrap) {
        out('');
        out('First start: a platform operator was created. Sign in with');
        out(`  email:    ${running.bootstrap.email}`);
        out(
          running.bootstrap.password
            ? `  password: ${running.bootstrap.password}    (shown once; not stored anywhere in clear)`
            : '  password: the value of KEYWARD_ADMIN_PASSWORD',
        );
        out(`  e.g.  keyward login --url ${running.adminUrl} --email ${running.bootstrap.email}`);
      }
      out('');
      await new Promise<void>((resolve) => {
        const stop = () => {
          logger.info('shutting down');
          running.close().then(resolve, (err: unknown) => {
            logger.error({ err }, 'shutdown failed');
            resolve();
          });
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    },

    async migrate(opts) {
      const config = configFrom(opts);
      const store = await openStore(config);
      try {
        const applied = await store.migrate();
        if (opts.json) out(JSON.stringify({ store: describeStore(config), applied }));
        else
          out(
            applied.length
              ? `Applied ${applied.join(', ')} to ${describeStore(config)}`
              : `${describeStore(config)} is up to date`,
          );
        return 0;
      } finally {
        await store.close();
      }
    },

    async keyringRotate(opts) {
      const config = configFrom(opts);
      if (config.keyringEnv.peppers !== null || config.keyringEnv.masterKeys !== null) {
        throw new Error(
          'The keyring comes from KEYWARD_PEPPERS / KEYWARD_MASTER_KEYS: add a new version there instead',
        );
      }
      const rotated = await addKeyringVersion(config.dataDir);
      const result = {
        path: rotated.path,
        pepperVersion: rotated.pepperVersion,
        masterKeyId: rotated.masterKeyId,
      };
      if (opts.json) out(JSON.stringify(result));
      else {
        out(
          `Keyring ${rotated.path}: pepper v${rotated.pepperVersion} and master key ${rotated.masterKeyId} are now current.`,
        );
        out(
          'Restart running Keyward processes to use them; older versions still verify and decrypt.',
        );
      }
      return 0;
    },

    async scan(opts, io) {
      let prefix = opts.prefix;
      if (prefix === undefined) {
        try {
          prefix = loadConfig(
            processEnvironment(),
            opts.config !== undefined ? { config: opts.config } : {},
            resolve(opts.cwd ?? '.'),
          ).secretPrefix;
        } catch (err) {
          // Without an explicit --config a broken or partial config file must not stop a scan.
          if (opts.config !== undefined) {
            io.stderr(`error: ${err instanceof Error ? err.message : String(err)}\n`);
            return 2;
          }
          prefix = 'kw_live';
        }
      }
      if (!isValidPrefix(prefix)) {
        io.stderr(`error: invalid secret prefix: ${JSON.stringify(prefix)}\n`);
        return 2;
      }
      return runScan(
        {
          paths: opts.paths,
          prefix,
          staged: opts.staged,
          gitHistory: opts.gitHistory,
          ignore: opts.ignore,
          maxSize: opts.maxSize ?? DEFAULT_MAX_SIZE,
          format: opts.format,
          cwd: resolve(opts.cwd ?? '.'),
          toolVersion: VERSION,
          ...(opts.verify && { verify: opts.verify }),
          ...(opts.report && { report: opts.report }),
        },
        io,
      );
    },

    async hook(opts, io) {
      const cwd = resolve(opts.cwd ?? '.');
      try {
        if (opts.action === 'install') {
          // Default: this very installation (dist/main/cli.js next to this file), by absolute
          // path, with the node running now; the hook falls back to node_modules/.bin and npx.
          const command: HookCommand =
            opts.command !== undefined
              ? { kind: 'shell', command: opts.command }
              : {
                  kind: 'package',
                  node: process.execPath,
                  cli: fileURLToPath(new URL('./cli.js', import.meta.url)),
                };
          const r = await installHook(cwd, command);
          if (opts.json) io.stdout(`${JSON.stringify(r)}\n`);
          else {
            io.stdout(
              r.outcome === 'unchanged'
                ? `Keyward pre-commit hook already installed: ${r.hook}\n`
                : `Keyward pre-commit hook ${r.outcome}: ${r.hook}\n`,
            );
            if (r.backedUp)
              io.stdout(
                `  the previous hook moved to ${r.backedUp}; it still runs after the scan\n`,
              );
          }
        } else {
          const r = await uninstallHook(cwd);
          if (opts.json) io.stdout(`${JSON.stringify(r)}\n`);
          else if (r.outcome === 'foreign') {
            io.stderr(`error: ${r.hook} is not Keyward's hook: left untouched\n`);
          } else {
            io.stdout(
              r.outcome === 'removed'
                ? `Keyward pre-commit hook removed: ${r.hook}\n`
                : `No Keyward pre-commit hook in ${r.hook}\n`,
            );
            if (r.restored) io.stdout('  the previous hook is back in place\n');
          }
          if (r.outcome === 'foreign') return 1;
        }
        return 0;
      } catch (err) {
        if (!(err instanceof HookError)) throw err;
        io.stderr(`error: ${err.message}\n`);
        return 2;
      }
    },

    async auditVerify(opts) {
      const config = configFrom(opts);
      const store = await openStore(config);
      try {
        const report = await verifyAuditChain(store);
        if (opts.json) out(JSON.stringify(report));
        else if (report.ok) out(`Audit chain intact: ${report.checked} events checked`);
        else
          out(
            `Audit chain BROKEN at seq ${report.firstBrokenSeq} (${report.checked} events verified before it)`,
          );
        return report.ok ? 0 : 1;
      } finally {
        await store.close();
      }
    },
  };
}
