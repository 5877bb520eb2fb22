import { type Command, InvalidArgumentError, Option } from 'commander';
import type { RateLimit } from '../../core/model.js';
import { formatRateLimit, type InstitutionView } from '../api-types.js';
import { UsageError } from '../cli-exit.js';
import type { CliIo } from '../cli-io.js';
import { seg } from '../http-client.js';
import { parseBoolean, parseRateLimitOrNone, parseSeconds } from '../option-parsers.js';
import {
  jsonOption,
  type RemoteContext,
  type RemoteOptions,
  remoteAction,
  urlOption,
} from '../remote-command.js';
import { formatDetails, formatTable } from '../table.js';
import { registerHygieneCommand } from './hygiene-command.js';

/** `keyward institutions list|create|show|update`. */

interface CreateOptions extends RemoteOptions {
  externalCode?: string;
}

interface UpdateOptions extends RemoteOptions {
  name?: string;
  externalCode?: string;
  operatorsMayViewSecrets?: boolean;
  rateLimit?: RateLimit | 'none';
  defaultKeyRateLimit?: RateLimit | 'none';
  unusedAlertDays?: number | 'never';
  maxSecretAgeDays?: number | 'none';
  ageReminderDays?: number[];
  suspendUnusedAfterDays?: number | 'never';
  quietPeriod?: number;
  leakPolicy?: LeakPolicyName;
}

const LEAK_POLICIES = ['regenerate-slot', 'suspend-key', 'notify'] as const;
type LeakPolicyName = (typeof LEAK_POLICIES)[number];

/** A number of days (1–3650), or `word` to remove the setting. */
function parseDaysOr<W extends string>(word: W): (value: string) => number | W {
  return (value) => {
    const text = value.trim().toLowerCase();
    if (text === word) return word;
    const days = /^[1-9][0-9]{0,3}$/.test(text) ? Number(text) : Number.NaN;
    if (!(days >= 1 && days <= 3650)) {
      throw new InvalidArgumentError(`Expected a number of days (1–3650) or ${word}.`);
    }
    return days;
  };
}

const parseDaysOrNever = parseDaysOr('never');

/** `14,3`: reminder lead times in days, each once; `none` for no reminders. */
function parseDayList(value: string): number[] {
  if (value.trim().toLowerCase() === 'none') return [];
  const list = value.split(',').map((part) => parseDaysOr('none')(part));
  if (list.some((d) => d === 'none') || new Set(list).size !== list.length) {
    throw new InvalidArgumentError('Expected distinct numbers of days, e.g. 14,3, or none.');
  }
  return list as number[];
}

function printInstitution(ctx: RemoteContext, institution: InstitutionView): void {
  ctx.print(
    formatDetails([
      ['ID', institution.id],
      ['Name', institution.name],
      ['External code', institution.externalCode],
      ['Operators may view secrets', institution.settings?.operatorsMayViewSecrets ? 'yes' : 'no'],
      ['Rate limit (all keys)', formatRateLimit(institution.settings?.rateLimit)],
      ['Default key rate limit', formatRateLimit(institution.settings?.defaultRateLimit)],
      [
        'Unused-slot alert after',
        institution.settings?.unusedAlertDays == null
          ? 'never'
          : `${institution.settings.unusedAlertDays} days`,
      ],
      [
        'Max secret age',
        institution.settings?.maxSecretAgeDays == null
          ? 'none'
          : `${institution.settings.maxSecretAgeDays} days (reminders: ${
              institution.settings.ageReminderDays?.join(', ') || 'none'
            } days before)`,
      ],
      [
        'Suspend keys unused for',
        institution.settings?.suspendUnusedAfterDays == null
          ? 'never'
          : `${institution.settings.suspendUnusedAfterDays} days`,
      ],
      [
        'Regenerate quiet period',
        institution.settings?.quietPeriodSeconds == null
          ? '600 seconds'
          : `${institution.settings.quietPeriodSeconds} seconds`,
      ],
      ['On a reported leak', institution.settings?.leakPolicy ?? 'regenerate-slot'],
      ['Created', institution.createdAt],
    ]),
  );
}

function showResult(ctx: RemoteContext, institution: InstitutionView | undefined): void {
  if (ctx.json) ctx.printJson(institution);
  else if (institution) printInstitution(ctx, institution);
}

export function registerInstitutionsCommands(program: Command, io: CliIo): void {
  const institutions = program.command('institutions').description('manage institutions (tenants)');

  institutions
    .command('list')
    .description('list the institutions you can see')
    .addOption(urlOption())
    .addOption(jsonOption())
    .action(
      remoteAction<RemoteOptions>(io, async (ctx) => {
        const { body } = await ctx.client.get<{ institutions: InstitutionView[] }>(
          '/api/v1/institutions',
        );
        if (ctx.json) return ctx.printJson(body);
        const rows = body?.institutions ?? [];
        if (rows.length === 0) return ctx.print('No institutions.');
        ctx.print(
          formatTable(
            ['ID', 'NAME', 'EXTERNAL CODE', 'CREATED'],
            rows.map((i) => [i.id, i.name, i.externalCode, i.createdAt]),
          ),
        );
      }),
    );

  institutions
    .command('create')
    .description('create an institution')
    .argument('<name>', 'display name')
    .option('--external-code <code>', 'external identifier, e.g. a tax code')
    .addOption(urlOption())
    .addOption(jsonOption())
    .action(
      remoteAction<CreateOptions, [string]>(io, async (ctx, opts, name) => {
        const body: { name: string; externalCode?: string } = { name };
        if (opts.externalCode !== undefined) body.externalCode = opts.externalCode;
        const res = await ctx.client.post<InstitutionView>('/api/v1/institutions', body);
        showResult(ctx, res.body);
      }),
    );

  institutions
    .command('show')
    .description('show one institution')
    .argument('<id>')
    .addOption(urlOption())
    .addOption(jsonOption())
    .action(
      remoteAction<RemoteOptions, [string]>(io, async (ctx, _opts, id) => {
        const res = await ctx.client.get<InstitutionView>(`/api/v1/institutions/${seg(id)}`);
        showResult(ctx, res.body);
      }),
    );

  institutions
    .command('update')
    .description('change an institution')
    .argument('<id>')
    .option('--name <name>', 'new display name')
    .option('--external-code <code>', 'new external identifier')
    .addOption(
      new Option('--operators-may-view-secrets <bool>', 'whether operators may view secrets')
        .choices(['true', 'false'])
        .argParser(parseBoolean),
    )
    .option(
      '--rate-limit <limit/window|none>',
      'limit over all keys together, e.g. 1000/60s, or none',
      parseRateLimitOrNone,
    )
    .option(
      '--default-key-rate-limit <limit/window|none>',
      'limit for each key without its own, e.g. 100/60s, or none',
      parseRateLimitOrNone,
    )
    .option(
      '--unused-alert-days <days|never>',
      'raise an UNUSED alert for a slot idle this many days (default 90), or never',
      parseDaysOrNever,
    )
    .option(
      '--max-secret-age-days <days|none>',
      'a secret this old is overdue for rotation (SECRET_AGE alerts), or none',
      parseDaysOr('none'),
    )
    .option(
      '--age-reminder-days <days,...>',
      'remind this many days before the max age, e.g. 14,3 (the default), or none',
      parseDayList,
    )
    .option(
      '--suspend-unused-after-days <days|never>',
      'suspend use keys whose two secrets were unused this long, or never (the default)',
      parseDaysOrNever,
    )
    .option(
      '--quiet-period <seconds>',
      'refuse to regenerate a slot used this recently (default 600; 0 turns the check off)',
      parseSeconds,
    )
    .addOption(
      new Option(
        '--leak-policy <policy>',
        'what a reported leak does: regenerate only the leaked slot (the default), suspend the key, or only notify',
      ).choices(LEAK_POLICIES),
    )
    .addOption(urlOption())
    .addOption(jsonOption())
    .action(
      remoteAction<UpdateOptions, [string]>(io, async (ctx, opts, id) => {
        const settings: {
          operatorsMayViewSecrets?: boolean;
          rateLimit?: RateLimit | null;
          defaultRateLimit?: RateLimit | null;
          unusedAlertDays?: number | null;
          maxSecretAgeDays?: number | null;
          ageReminderDays?: number[];
          suspendUnusedAfterDays?: number | null;
          quietPeriodSeconds?: number;
          leakPolicy?: LeakPolicyName;
        } = {};
        if (opts.quietPeriod !== undefined) settings.quietPeriodSeconds = opts.quietPeriod;
        if (opts.leakPolicy !== undefined) settings.leakPolicy = opts.leakPolicy;
        if (opts.maxSecretAgeDays !== undefined) {
          settings.maxSecretAgeDays =
            opts.maxSecretAgeDays === 'none' ? null : opts.maxSecretAgeDays;
        }
        if (opts.ageReminderDays !== undefined) settings.ageReminderDays = opts.ageReminderDays;
        if (opts.suspendUnusedAfterDays !== undefined) {
          const days = opts.suspendUnusedAfterDays;
          settings.suspendUnusedAfterDays = days === 'never' ? null : days;
        }
        if (opts.unusedAlertDays !== undefined) {
          settings.unusedAlertDays = opts.unusedAlertDays === 'never' ? null : opts.unusedAlertDays;
        }
        if (opts.operatorsMayViewSecrets !== undefined) {
          settings.operatorsMayViewSecrets = opts.operatorsMayViewSecrets;
        }
        if (opts.rateLimit !== undefined) {
          settings.rateLimit = opts.rateLimit === 'none' ? null : opts.rateLimit;
        }
        if (opts.defaultKeyRateLimit !== undefined) {
          const limit = opts.defaultKeyRateLimit;
          settings.defaultRateLimit = limit === 'none' ? null : limit;
        }
        const body: { name?: string; externalCode?: string; settings?: typeof settings } = {};
        if (opts.name !== undefined) body.name = opts.name;
        if (opts.externalCode !== undefined) body.externalCode = opts.externalCode;
        if (Object.keys(settings).length > 0) body.settings = settings;
        if (Object.keys(body).length === 0) {
          throw new UsageError(
            'nothing to update; give at least one option (keyward institutions update --help lists them)',
          );
        }
        const res = await ctx.client.patch<InstitutionView>(
          `/api/v1/institutions/${seg(id)}`,
          body,
        );
        showResult(ctx, res.body);
      }),
    );

  registerHygieneCommand(institutions, io);
}
