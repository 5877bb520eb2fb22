import { createRequire } from 'node:module';
import { Command, type CommanderError, Option } from 'commander';
import { CliExit, EXIT_OK, EXIT_USAGE, isCliExit } from './cli-exit.js';
import { type CliIo, defaultCliIo } from './cli-io.js';
import { type AuditVerifyOptions, registerAuditCommands } from './commands/audit-commands.js';
import { registerAuthCommands } from './commands/auth-commands.js';
import { registerInstitutionsCommands } from './commands/institutions-commands.js';
import { registerKeysCommands } from './commands/keys-commands.js';
import { registerMembersCommands } from './commands/members-commands.js';
import { registerMonitoringCommands } from './commands/monitoring-commands.js';
import { registerPasswordCommand } from './commands/password-command.js';
import { registerWebhooksCommands } from './commands/webhooks-commands.js';
import { parseByteSize, parsePort } from './option-parsers.js';
import { guard, urlOption } from './remote-command.js';
import { type ScanRemote, scanRemote } from './scan-remote.js';

/**
 * The `keyward` command line.
 *
 * Exit codes: 0 success; 1 the API answered with an error, the network failed, or a local command
 * returned 1; 2 usage error (unknown option or command, missing argument, invalid value); a local
 * command's own non-zero code passes through unchanged; 130 interrupted at a prompt.
 *
 * How they surface: the program never calls `process.exit`. Every non-zero outcome — and help or
 * `--version`, which commander ends early with 0 — is a thrown `CliExit` carrying `exitCode`,
 * after its message has been written through `io`. A normal return means 0. `runCli` turns this into
 * a number; tests may call `createProgram(local, io).parseAsync(['node', 'keyward', …])` and catch
 * the `CliExit` themselves.
 */

export interface LocalCommands {
  serve(opts: {
    role?: 'all' | 'admin' | 'gateway';
    adminPort?: number;
    gatewayPort?: number;
    dataDir?: string;
    config?: string;
  }): Promise<void>;
  /** Returns the exit code. */
  migrate(opts: { dataDir?: string; config?: string; json: boolean }): Promise<number>;
  /** Returns the exit code. */
  auditVerify(opts: AuditVerifyOptions): Promise<number>;
  /** Adds a new pepper and master key version to the keyring file. Returns the exit code. */
  keyringRotate(opts: { dataDir?: string; config?: string; json: boolean }): Promise<number>;
  /** `keyward scan`: looks for leaked secrets in files. Returns 0 clean, 1 found, 2 error. */
  scan(opts: ScanOptions, io: CliIo): Promise<number>;
  /** `keyward hook install|uninstall`: the git pre-commit hook. Returns the exit code. */
  hook(opts: HookOptions, io: CliIo): Promise<number>;
}

export interface HookOptions {
  readonly action: 'install' | 'uninstall';
  /** Directory inside the repository; default the current one. */
  readonly cwd?: string;
  /** Shell command the hook runs instead of this package's CLI (`scan --staged` is appended). */
  readonly command?: string;
  readonly json: boolean;
}

export interface ScanOptions {
  readonly paths: readonly string[];
  /** Secret prefix; default the config's `secretPrefix`, else `kw_live`. */
  readonly prefix?: string;
  readonly config?: string;
  readonly staged: boolean;
  /** Every blob reachable from any ref, once (reports commit and path). */
  readonly gitHistory: boolean;
  /** False with `--no-ignore`: `.gitignore` is not consulted. */
  readonly ignore: boolean;
  readonly maxSize?: number;
  /** Directory to run in (relative paths, the git repository of `--staged`); default the current one. */
  readonly cwd?: string;
  readonly format: 'table' | 'json' | 'sarif';
  /** `--verify`: asks the admin API (POST /leaks/check) about the secrets found. */
  readonly verify?: ScanRemote['verify'];
  /** `--report`: reports them as leaked (POST /leaks/report). */
  readonly report?: ScanRemote['report'];
}

export type { CliIo } from './cli-io.js';

function packageVersion(): string {
  try {
    // src/cli and dist/cli are both two levels below the package root.
    const pkg = createRequire(import.meta.url)('../../package.json') as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Commander's early exits become `CliExit`s: 0 stays 0 (help, version), anything else is usage. */
function commanderExit(err: CommanderError): never {
  throw new CliExit(err.exitCode === 0 ? EXIT_OK : EXIT_USAGE, err.message);
}

/** Copies only the options that were given, so defaults stay with the config loader. */
function given<T extends object>(opts: T): Partial<T> {
  return Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const dataDirOption = () =>
  new Option('--data-dir <dir>', 'data directory (default: $KEYWARD_DATA_DIR or ./keyward-data)');
const configOption = () =>
  new Option('--config <file>', 'config file (default: $KEYWARD_CONFIG or ./keyward.config.json)');

function registerLocalCommands(program: Command, io: CliIo, local: LocalCommands): void {
  program
    .command('serve')
    .description('run the admin API, console and gateway (or one role)')
    .addOption(
      new Option('--role <role>', 'which part to run').choices(['all', 'admin', 'gateway']),
    )
    .option(
      '--admin-port <port>',
      'admin API port (default: $KEYWARD_ADMIN_PORT or 4000)',
      parsePort,
    )
    .option(
      '--gateway-port <port>',
      'gateway port (default: $KEYWARD_GATEWAY_PORT or 8080)',
      parsePort,
    )
    .addOption(dataDirOption())
    .addOption(configOption())
    .action(async (opts: Parameters<LocalCommands['serve']>[0]) => {
      await guard(io, () => local.serve(given(opts)));
    });

  program
    .command('migrate')
    .description('bring the database schema up to date')
    .addOption(dataDirOption())
    .addOption(configOption())
    .option('--json', 'print the result as JSON')
    .action(async (opts: { dataDir?: string; config?: string; json?: boolean }) => {
      await guard(io, async () => {
        const code = await local.migrate({ ...given(opts), json: opts.json === true });
        if (code !== EXIT_OK) throw new CliExit(code, `migrate exited with ${code}`);
      });
    });

  program
    .command('keyring')
    .description('the digest peppers and master keys in the data directory')
    .command('rotate')
    .description(
      'add a new pepper and master key version: new secrets use them, old ones still verify',
    )
    .addOption(dataDirOption())
    .addOption(configOption())
    .option('--json', 'print the result as JSON')
    .action(async (opts: { dataDir?: string; config?: string; json?: boolean }) => {
      await guard(io, async () => {
        const code = await local.keyringRotate({ ...given(opts), json: opts.json === true });
        if (code !== EXIT_OK) throw new CliExit(code, `keyring rotate exited with ${code}`);
      });
    });

  program
    .command('scan')
    .description(
      'find leaked Keyward secrets in files, standard input (-) or staged changes; exit 1 when found',
    )
    .argument('[paths...]', 'files and folders to scan, or - for standard input (default: .)')
    .option('--staged', 'scan what is about to be committed (the git index)')
    .option('--git-history', 'scan every blob reachable from any git ref, once')
    .option('--no-ignore', 'also scan files ignored by .gitignore')
    .option(
      '--prefix <prefix>',
      'secret prefix (default: secretPrefix from the config, or kw_live)',
    )
    .option('--max-size <size>', 'skip files larger than this (default: 10M)', parseByteSize)
    .option('-C, --cwd <dir>', 'run as if started in <dir> (paths, --staged)')
    .addOption(configOption())
    .option(
      '--verify',
      'ask a Keyward server whether each secret found still works, and whose it is (sends the secrets in a POST body over https or loopback, signed in as for remote commands)',
    )
    .option(
      '--report',
      'report each secret found as leaked to a Keyward server, so its leak policy acts on the live ones (needs a manage key in KEYWARD_TOKEN)',
    )
    .addOption(urlOption())
    .addOption(new Option('--json', 'print the findings as JSON').conflicts('sarif'))
    .option('--sarif', 'print the findings as SARIF 2.1.0')
    .action(
      async (
        paths: string[],
        opts: {
          staged?: boolean;
          gitHistory?: boolean;
          ignore: boolean;
          prefix?: string;
          maxSize?: number;
          config?: string;
          cwd?: string;
          json?: boolean;
          sarif?: boolean;
          verify?: boolean;
          report?: boolean;
          url?: string;
        },
      ) => {
        await guard(io, async () => {
          // --url alone means --verify.
          const verify = opts.verify === true || (opts.url !== undefined && !opts.report);
          const report = opts.report === true;
          const remote = verify || report ? await scanRemote(io, opts.url, { verify, report }) : {};
          const code = await local.scan(
            {
              paths,
              ...given({
                prefix: opts.prefix,
                maxSize: opts.maxSize,
                config: opts.config,
                cwd: opts.cwd,
              }),
              staged: opts.staged === true,
              gitHistory: opts.gitHistory === true,
              ignore: opts.ignore !== false,
              format: opts.sarif ? 'sarif' : opts.json ? 'json' : 'table',
              ...remote,
            },
            io,
          );
          if (code !== EXIT_OK) throw new CliExit(code, `scan exited with ${code}`);
        });
      },
    );

  const hook = program
    .command('hook')
    .description('the git pre-commit hook that blocks commits containing Keyward secrets');
  for (const action of ['install', 'uninstall'] as const) {
    const sub = hook
      .command(action)
      .description(
        action === 'install'
          ? 'install a pre-commit hook running keyward scan --staged (an existing hook is kept and still runs)'
          : 'remove the Keyward pre-commit hook and put back the one it replaced',
      )
      .option('-C, --cwd <dir>', 'the repository (default: the current directory)')
      .option('--json', 'print the result as JSON');
    if (action === 'install') {
      sub.option(
        '--command <cmd>',
        'shell command that runs keyward (default: this installation: node + its cli.js)',
      );
    }
    sub.action(async (opts: { cwd?: string; command?: string; json?: boolean }) => {
      await guard(io, async () => {
        const code = await local.hook(
          {
            action,
            ...given({ cwd: opts.cwd, command: opts.command }),
            json: opts.json === true,
          },
          io,
        );
        if (code !== EXIT_OK) throw new CliExit(code, `hook ${action} exited with ${code}`);
      });
    });
  }
}

export function createProgram(local: LocalCommands, io: CliIo = defaultCliIo()): Command {
  const program = new Command('keyward')
    .description('Keyward: API keys as pairs of secrets, rotated without interrupting clients.')
    .version(packageVersion(), '-V, --version')
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
      outputError: (s, write) => write(s),
    })
    .exitOverride(commanderExit)
    .showSuggestionAfterError();
  // Subcommands created with .command() inherit the output and exit settings above.
  registerLocalCommands(program, io, local);
  registerAuthCommands(program, io);
  registerPasswordCommand(program, io);
  registerInstitutionsCommands(program, io);
  registerMembersCommands(program, io);
  registerKeysCommands(program, io);
  registerMonitoringCommands(program, io);
  registerWebhooksCommands(program, io);
  registerAuditCommands(program, io, (opts) => local.auditVerify(opts));
  return program;
}

/**
 * Parses `argv` (as `process.argv`: node, script, arguments…) and runs the command; resolves to
 * the exit code. The binary does `process.exitCode = await runCli(process.argv, local)`.
 */
export async function runCli(
  argv: readonly string[],
  local: LocalCommands,
  io: CliIo = defaultCliIo(),
): Promise<number> {
  try {
    await createProgram(local, io).parseAsync([...argv]);
    return EXIT_OK;
  } catch (err) {
    if (isCliExit(err)) return err.exitCode;
    throw err;
  }
}
