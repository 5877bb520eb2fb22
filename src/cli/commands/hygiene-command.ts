import type { Command } from 'commander';
import type { SlotName } from '../../core/model.js';
import type { CliIo } from '../cli-io.js';
import { seg } from '../http-client.js';
import { parsePositiveInt } from '../option-parsers.js';
import {
  jsonOption,
  type RemoteContext,
  type RemoteOptions,
  remoteAction,
  urlOption,
} from '../remote-command.js';
import { cell, formatTable } from '../table.js';

/** `keyward institutions hygiene <id>`: the institution's hygiene report. */

interface HygieneOptions extends RemoteOptions {
  shareWindowHours?: number;
}

/** The report as `GET /institutions/{id}/hygiene` answers it. */
export interface HygieneReportView {
  readonly institutionId: string;
  readonly generatedAt: string;
  readonly policy: {
    readonly maxSecretAgeDays: number | null;
    readonly ageReminderDays: readonly number[];
    readonly unusedAlertDays: number | null;
    readonly suspendUnusedAfterDays: number | null;
    readonly shareWindowHours: number;
  };
  readonly findings: readonly {
    readonly kind: string;
    readonly keyId: string;
    readonly keyName: string;
    readonly slot: SlotName | null;
    readonly action: string;
    readonly detail: string;
    readonly since: string | null;
    readonly dueAt: string | null;
    readonly ageDays: number | null;
    readonly idleDays: number | null;
  }[];
  readonly summary: Readonly<Record<string, number>>;
}

const days = (n: number | null, none: string) => (n === null ? none : `${n} days`);

function printReport(ctx: RemoteContext, report: HygieneReportView): void {
  const p = report.policy;
  const reminders =
    p.ageReminderDays.length === 0
      ? ''
      : ` (reminders ${p.ageReminderDays.join(', ')} days before)`;
  ctx.print(
    [
      `Max secret age: ${days(p.maxSecretAgeDays, 'none')}${p.maxSecretAgeDays === null ? '' : reminders}`,
      `Unused alert after: ${days(p.unusedAlertDays, 'never')}; suspended after: ${days(p.suspendUnusedAfterDays, 'never')}`,
      // A blank line before the findings (print adds only a missing final newline).
      '',
      '',
    ].join('\n'),
  );
  if (report.findings.length === 0) {
    ctx.print('No findings.');
    return;
  }
  ctx.print(
    formatTable(
      ['KIND', 'KEY', 'NAME', 'SLOT', 'ACTION', 'DUE', 'DETAIL'],
      report.findings.map((f) => [
        f.kind,
        f.keyId,
        f.keyName,
        f.slot ?? 'both',
        f.action,
        f.dueAt,
        f.detail,
      ]),
    ),
  );
  const s = report.summary;
  ctx.print(
    `${cell(s.overdue)} overdue, ${cell(s.dueSoon)} due soon, ${cell(s.unused)} unused, ${cell(s.sharedExpiring)} shared and expiring, ${cell(s.unrestricted)} unrestricted, ${cell(s.legacyFormat)} legacy format`,
  );
}

export function registerHygieneCommand(institutions: Command, io: CliIo): void {
  institutions
    .command('hygiene')
    .description('secrets to rotate, unused keys, shares ending, unrestricted and legacy keys')
    .argument('<id>', 'institution id')
    .option(
      '--share-window-hours <hours>',
      'report shares ending within this many hours (default 24)',
      parsePositiveInt,
    )
    .addOption(urlOption())
    .addOption(jsonOption())
    .action(
      remoteAction<HygieneOptions, [string]>(io, async (ctx, opts, id) => {
        const query =
          opts.shareWindowHours === undefined ? '' : `?shareWindowHours=${opts.shareWindowHours}`;
        const res = await ctx.client.get<HygieneReportView>(
          `/api/v1/institutions/${seg(id)}/hygiene${query}`,
        );
        if (ctx.json) return ctx.printJson(res.body);
        if (res.body) printReport(ctx, res.body);
      }),
    );
}
