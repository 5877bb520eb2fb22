import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/**
 * `keyward hook install|uninstall`: a git pre-commit hook that runs `keyward scan --staged` and
 * blocks the commit when it finds a secret (or cannot scan).
 *
 * The hooks folder is `git rev-parse --git-path hooks` (so `core.hooksPath` is respected). The hook
 * is a POSIX shell script carrying HOOK_MARKER. A pre-existing hook that is not Keyward's is moved
 * to `pre-commit.keyward-backup` and run by the Keyward hook after a clean scan (same arguments,
 * same standard input); `uninstall` puts it back. Installing again with the same command changes
 * nothing.
 */

export const HOOK_MARKER = '# keyward-pre-commit-hook';
export const HOOK_NAME = 'pre-commit';
export const BACKUP_NAME = 'pre-commit.keyward-backup';

/** How the hook runs Keyward. */
export type HookCommand =
  /**
   * The installing package's own CLI: `<node> <cli.js>` with absolute paths taken at install time;
   * when that file no longer exists (package moved or removed), `node_modules/.bin/keyward` of the
   * repository, then `npx --no-install keyward`.
   */
  | { readonly kind: 'package'; readonly node: string; readonly cli: string }
  /** A shell command line used verbatim (`scan --staged` is appended). */
  | { readonly kind: 'shell'; readonly command: string };

export class HookError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HookError';
  }
}

function gitOut(cwd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile('git', [...args], { cwd, windowsHide: true }, (err, stdout, stderr) => {
      if (err) {
        const detail = String(stderr ?? '').trim();
        reject(new HookError(`git ${args.join(' ')} failed${detail ? `: ${detail}` : ''}`));
      } else resolvePromise(String(stdout).trim());
    });
  });
}

/** The hooks folder of the repository containing `cwd` (absolute). */
export async function hooksDir(cwd: string): Promise<string> {
  const path = await gitOut(cwd, ['rev-parse', '--git-path', 'hooks']);
  if (!path) throw new HookError('git rev-parse --git-path hooks returned nothing');
  return resolve(cwd, path);
}

/** `'…'` for sh: safe for any string without a NUL. */
export function shQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** A sh function `keyward_scan` that runs `keyward scan --staged` for `cmd`. */
function scanFunction(cmd: HookCommand): string[] {
  if (cmd.kind === 'shell') return ['keyward_scan() {', `  ${cmd.command} scan --staged`, '}'];
  return [
    `KEYWARD_NODE=${shQuote(cmd.node)}`,
    `KEYWARD_CLI=${shQuote(cmd.cli)}`,
    'keyward_scan() {',
    '  if [ -f "$KEYWARD_CLI" ]; then',
    '    [ -x "$KEYWARD_NODE" ] || KEYWARD_NODE=node',
    '    "$KEYWARD_NODE" "$KEYWARD_CLI" scan --staged',
    '  elif [ -x node_modules/.bin/keyward ]; then',
    '    node_modules/.bin/keyward scan --staged',
    '  elif command -v npx >/dev/null 2>&1; then',
    '    npx --no-install keyward scan --staged',
    '  else',
    "    echo 'keyward: not found' >&2",
    '    return 127',
    '  fi',
    '}',
  ];
}

/** The pre-commit script for `cmd`. */
export function hookScript(cmd: HookCommand): string {
  return [
    '#!/bin/sh',
    HOOK_MARKER,
    '# Installed by `keyward hook install`; remove with `keyward hook uninstall` (which puts back',
    `# any previous hook, kept meanwhile as ${BACKUP_NAME} and run after a clean scan).`,
    '# Git runs this from the top of the work tree.',
    '',
    ...scanFunction(cmd),
    '# Quiet when clean; on a finding or a failure the scan output is shown, then how to fix it.',
    'output=$(keyward_scan 2>&1)',
    'status=$?',
    'if [ "$status" -ne 0 ] && [ -n "$output" ]; then',
    '  printf \'%s\\n\' "$output" >&2',
    'fi',
    'if [ "$status" -eq 1 ]; then',
    "  cat >&2 <<'KEYWARD_EOF'",
    '',
    'keyward: commit blocked. The staged changes above contain Keyward secrets (shown by hint only).',
    'To fix:',
    '  1. remove the secret from the file (load it from the environment or a secret store),',
    '     then git add the file again;',
    '  2. or keep the file out of this commit: git restore --staged <file>',
    '  3. either way, rotate the key: it may already be exposed (shell history, backups, a push).',
    'A false alarm? Bypass once with git commit --no-verify.',
    'KEYWARD_EOF',
    '  exit 1',
    'elif [ "$status" -ne 0 ]; then',
    "  cat >&2 <<'KEYWARD_EOF'",
    'keyward: commit blocked: the secret scan could not run or did not finish (see above).',
    'Check that Keyward is installed (keyward --version), or bypass once with git commit --no-verify.',
    'KEYWARD_EOF',
    '  exit "$status"',
    'fi',
    '',
    `backup="$(dirname "$0")/${BACKUP_NAME}"`,
    'if [ -x "$backup" ]; then',
    '  exec "$backup" "$@"',
    'fi',
    'exit 0',
    '',
  ].join('\n');
}

async function readIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

export interface HookInstallResult {
  readonly hook: string;
  /** `installed` fresh, `updated` an older Keyward hook, `unchanged` already identical. */
  readonly outcome: 'installed' | 'updated' | 'unchanged';
  /** Where a previous non-Keyward hook was moved (it still runs, after the scan). */
  readonly backedUp?: string;
}

export async function installHook(cwd: string, cmd: HookCommand): Promise<HookInstallResult> {
  if (cmd.kind === 'shell' && /[\r\n\0]/.test(cmd.command)) {
    throw new HookError('the hook command must be a single line');
  }
  const dir = await hooksDir(cwd);
  await mkdir(dir, { recursive: true });
  const hook = join(dir, HOOK_NAME);
  const backup = join(dir, BACKUP_NAME);
  const script = hookScript(cmd);
  const current = await readIfExists(hook);
  if (current?.includes(HOOK_MARKER)) {
    if (current === script) {
      await chmod(hook, 0o755);
      return { hook, outcome: 'unchanged' };
    }
    await writeFile(hook, script, { mode: 0o755 });
    await chmod(hook, 0o755);
    return { hook, outcome: 'updated' };
  }
  let backedUp: string | undefined;
  if (current !== null) {
    if (await exists(backup)) {
      throw new HookError(
        `${hook} is not Keyward's and ${backup} already exists: merge them by hand, then install again`,
      );
    }
    await rename(hook, backup);
    backedUp = backup;
  }
  await writeFile(hook, script, { mode: 0o755 });
  await chmod(hook, 0o755);
  return { hook, outcome: 'installed', ...(backedUp !== undefined && { backedUp }) };
}

export interface HookUninstallResult {
  readonly hook: string;
  /** `removed` Keyward's hook, `absent` there was none, `foreign` the hook is not Keyward's (left). */
  readonly outcome: 'removed' | 'absent' | 'foreign';
  /** The previous hook put back in place. */
  readonly restored?: boolean;
}

export async function uninstallHook(cwd: string): Promise<HookUninstallResult> {
  const dir = await hooksDir(cwd);
  const hook = join(dir, HOOK_NAME);
  const backup = join(dir, BACKUP_NAME);
  const current = await readIfExists(hook);
  if (current !== null && !current.includes(HOOK_MARKER)) return { hook, outcome: 'foreign' };
  if (current !== null) await rm(hook, { force: true });
  if (await exists(backup)) {
    await rename(backup, hook);
    return { hook, outcome: current === null ? 'absent' : 'removed', restored: true };
  }
  return { hook, outcome: current === null ? 'absent' : 'removed' };
}
