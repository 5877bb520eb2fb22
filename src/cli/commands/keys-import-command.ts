import type { Command } from 'commander';
import type { RateLimit } from '../../core/model.js';
import type { KeyView } from '../api-types.js';
import { UsageError } from '../cli-exit.js';
import type { CliIo } from '../cli-io.js';
import { seg } from '../http-client.js';
import { collect, parseExpiry, parseRateLimit } from '../option-parsers.js';
import { jsonOption, type RemoteOptions, remoteAction, urlOption } from '../remote-command.js';
import { cell } from '../table.js';
import { printKeyDetails } from './key-output.js';

interface ImportOptions extends RemoteOptions {
  name: string;
  secretsStdin?: boolean;
  scope?: string[];
  cidr?: string[];
  expiresAt?: string;
  rateLimit?: RateLimit;
}

/**
 * The two values, never from the command line (shell history and `ps` would keep them): two
 * lines on stdin with `--secrets-stdin`, else asked without echo on a terminal.
 */
async function readValues(
  io: CliIo,
  opts: ImportOptions,
): Promise<{ primary: string; secondary: string }> {
  if (opts.secretsStdin) {
    const lines = (await io.readStdin()).split(/\r?\n/).map((l) => l.trim());
    const [primary = '', secondary = ''] = lines.filter((l) => l !== '');
    if (!primary || !secondary) {
      throw new UsageError('pipe two lines: the primary value, then the secondary value');
    }
    return { primary, secondary };
  }
  if (!io.isInteractive) {
    throw new UsageError(
      'standard input is not a terminal; pipe the two values with --secrets-stdin',
    );
  }
  const primary = (await io.promptPassword('Primary value: ')).trim();
  const secondary = (await io.promptPassword('Secondary value: ')).trim();
  return { primary, secondary };
}

/** `keyward keys import`: move an existing key pair (e.g. APIM subscription keys) behind Keyward. */
export function registerKeysImportCommand(keys: Command, io: CliIo): void {
  keys
    .command('import')
    .description(
      'import an existing pair of secrets (32 or 64 lower-case hex, e.g. Azure APIM subscription keys)',
    )
    .argument('<institutionId>')
    .requiredOption('--name <name>', 'a name saying who or what uses the key')
    .option(
      '--secrets-stdin',
      'read the primary and the secondary value (two lines) from standard input',
    )
    .option('--scope <scope>', 'scope the key holds (repeatable)', collect)
    .option('--cidr <cidr>', 'allowed client network (repeatable; default: any)', collect)
    .option('--expires-at <date-time>', 'ISO 8601 expiry', parseExpiry)
    .option('--rate-limit <limit/window>', 'e.g. 100/60s, 10/1m, 5000/1h', parseRateLimit)
    .addOption(urlOption())
    .addOption(jsonOption())
    .action(
      remoteAction<ImportOptions, [string]>(io, async (ctx, opts, institutionId) => {
        const values = await readValues(io, opts);
        const body: Record<string, unknown> = { name: opts.name, ...values };
        if (opts.scope !== undefined) body.scopes = opts.scope;
        if (opts.cidr !== undefined) body.allowedCidrs = opts.cidr;
        if (opts.expiresAt !== undefined) body.expiresAt = opts.expiresAt;
        if (opts.rateLimit !== undefined) body.rateLimit = opts.rateLimit;
        const res = await ctx.client.post<{ key: KeyView }>(
          `/api/v1/institutions/${seg(institutionId)}/keys/import`,
          body,
        );
        if (ctx.json) return ctx.printJson(res.body);
        const key = res.body?.key;
        ctx.print(
          `Imported key ${cell(key?.id)} "${cell(key?.name)}" in ${cell(key?.institutionId)}.\n`,
        );
        if (key) printKeyDetails(ctx, key);
        ctx.print(
          '\nClients keep working with the values they have. Rotate soon (`keyward keys rotate`):',
        );
        ctx.print('imported values carry no checksum; a regenerated slot gets a Keyward secret.');
      }),
    );
}
