import type { Command } from 'commander';
import { UsageError } from '../cli-exit.js';
import type { CliIo } from '../cli-io.js';
import { jsonOption, type RemoteOptions, remoteAction, urlOption } from '../remote-command.js';

interface PasswordOptions extends RemoteOptions {
  passwordStdin?: boolean;
}

/** Current and new password: two lines on stdin, or asked twice (new) on a terminal. */
async function askPasswords(
  io: CliIo,
  opts: PasswordOptions,
): Promise<{ current: string; next: string }> {
  if (opts.passwordStdin) {
    const [current = '', next = ''] = (await io.readStdin()).split(/\r?\n/);
    if (!current || !next)
      throw new UsageError('pipe two lines: the current password, then the new one');
    return { current, next };
  }
  if (!io.isInteractive) {
    throw new UsageError(
      'standard input is not a terminal; pipe the passwords with --password-stdin',
    );
  }
  const current = await io.promptPassword('Current password: ');
  const next = await io.promptPassword('New password (at least 12 characters): ');
  if ((await io.promptPassword('New password again: ')) !== next) {
    throw new UsageError('the two new passwords differ');
  }
  return { current, next };
}

/** `keyward password`: change the signed-in user's password (required after a generated one). */
export function registerPasswordCommand(program: Command, io: CliIo): void {
  program
    .command('password')
    .description('change your password (needed after signing in with a temporary one)')
    .option(
      '--password-stdin',
      'read the current and the new password (two lines) from standard input',
    )
    .addOption(urlOption())
    .addOption(jsonOption())
    .action(
      remoteAction<PasswordOptions>(io, async (ctx, opts) => {
        const { current, next } = await askPasswords(io, opts);
        await ctx.client.post('/api/v1/auth/password', {
          currentPassword: current,
          newPassword: next,
        });
        if (!ctx.json) ctx.print('Password changed; your other sessions were signed out.');
      }),
    );
}
