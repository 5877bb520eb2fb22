import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/main/logger.js';
import { type RunningKeyward, startKeyward } from '../../src/main/server.js';
import { OPERATOR_PASSWORD } from '../support/harness.js';

const VITE_CONFIG = fileURLToPath(new URL('../../vite.config.ts', import.meta.url));

/**
 * Builds the console from src/web into a fresh temp folder with the project's Vite config, so
 * the tests never depend on a stale dist/web. Production mode, as `npm run build` makes it.
 */
export async function buildConsole(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'keyward-console-'));
  // Vitest sets NODE_ENV=test, which would make Vite and the React plugin emit a development
  // bundle; the shipped one is built for production. (Each test file runs in its own process.)
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      configFile: VITE_CONFIG,
      mode: 'production',
      logLevel: 'warn',
      build: { outDir: dir, emptyOutDir: true },
    });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface ConsoleKeyward {
  readonly url: string;
  readonly running: RunningKeyward;
  readonly operator: { readonly email: string; readonly password: string };
  readonly logs: string[];
  stop(): Promise<void>;
}

/** The real server (as test/support/harness.ts starts it) serving the console from `consoleDir`. */
export async function startConsoleKeyward(consoleDir: string | undefined): Promise<ConsoleKeyward> {
  const dataDir = await mkdtemp(join(tmpdir(), 'keyward-test-'));
  const config = loadConfig(
    {
      KEYWARD_DATA_DIR: dataDir,
      KEYWARD_ADMIN_PORT: '0',
      KEYWARD_ADMIN_PASSWORD: OPERATOR_PASSWORD,
    },
    {},
    dataDir,
  );
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const running = await startKeyward(config, {
    logger: createLogger('debug', sink),
    ...(consoleDir !== undefined && { consoleDir }),
  });
  return {
    url: running.adminUrl,
    running,
    operator: { email: config.bootstrap.email, password: OPERATOR_PASSWORD },
    logs,
    async stop() {
      await running.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
