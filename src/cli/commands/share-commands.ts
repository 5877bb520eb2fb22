import { type Command, InvalidArgumentError, Option } from 'commander';
import { SLOT_NAMES } from '../../core/model.js';
import { UsageError } from '../cli-exit.js';
import type { CliIo } from '../cli-io.js';
import { seg } from '../http-client.js';
import { parseExpiry } from '../option-parsers.js';
import { jsonOption, type RemoteOptions, remoteAction, urlOption } from '../remote-command.js';
import { cell, formatTable } from '../table.js';

interface ShareView {
  id: string;
  slot: string;
  until: string;
  note: string | null;
  sharedBy: string;
  state: string;
  revokedAt: string | null;
}

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `--for 2h` (from now) or `--until 2030-01-31T12:00:00Z`. */
function parseFor(value: string): number {
  const match = /^([1-9][0-9]{0,4})([mhd])$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError('expected a duration such as 90m, 12h or 7d');
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** `keyward keys share` and `keyward keys shares`: time-boxed sharing of a slot's secret. */
export function registerShareCommands(keys: Command, io: CliIo): void {
  keys
    .command('share')
    .description(
      'record that a secret (default the secondary) was shared; Keyward regenerates it when the time is up',
    )
    .argument('<keyId>')
    .addOption(
      new Option('--slot <slot>', 'which secret was shared')
        .choices(SLOT_NAMES)
        .default('secondary'),
    )
    .option('--for <duration>', 'how long, e.g. 2h or 7d', parseFor)
    .option('--until <date-time>', 'or until when (ISO 8601)', parseExpiry)
    .option('--note <text>', 'with whom and why (shown in the alert at revocation)')
    .addOption(urlOption())
    .addOption(jsonOption())
    .action(
      remoteAction<
        RemoteOptions & { slot: string; for?: number; until?: string; note?: string },
        [string]
      >(io, async (ctx, opts, keyId) => {
        if ((opts.for === undefined) === (opts.until === undefined)) {
          throw new UsageError('give one of --for or --until');
        }
        const until = opts.until ?? new Date(Date.now() + (opts.for as number)).toISOString();
        const res = await ctx.client.post<{ share: ShareView }>(
          `/api/v1/keys/${seg(keyId)}/share`,
          {
            slot: opts.slot,
            until,
            ...(opts.note !== undefined && { note: opts.note }),
          },
        );
        if (ctx.json) return ctx.printJson(res.body);
        const share = res.body?.share;
        ctx.print(
          `The ${cell(share?.slot)} secret of ${cell(keyId)} is shared until ${cell(share?.until)}; ` +
            'Keyward regenerates it then, and reports any later use of it.',
        );
      }),
    );

  keys
    .command('shares')
    .description("a key's shares, newest first")
    .argument('<keyId>')
    .addOption(urlOption())
    .addOption(jsonOption())
    .action(
      remoteAction<RemoteOptions, [string]>(io, async (ctx, _opts, keyId) => {
        const { body } = await ctx.client.get<{ shares: ShareView[] }>(
          `/api/v1/keys/${seg(keyId)}/shares`,
        );
        if (ctx.json) return ctx.printJson(body);
        const rows = body?.shares ?? [];
        if (rows.length === 0) return ctx.print('No shares.');
        ctx.print(
          formatTable(
            ['ID', 'SLOT', 'UNTIL', 'STATE', 'REVOKED', 'BY', 'NOTE'],
            rows.map((s) => [
              s.id,
              s.slot,
              s.until,
              s.state,
              s.revokedAt ?? '-',
              s.sharedBy,
              s.note ?? '',
            ]),
          ),
        );
      }),
    );
}
