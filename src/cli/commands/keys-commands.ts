import { type Command, Option } from 'commander';
import {
  KEY_KINDS,
  type KeyKind,
  type RateLimit,
  SLOT_NAMES,
  type SlotName,
} from '../../core/model.js';
import type { KeyClientsView, KeyView, SecretPair } from '../api-types.js';
import { CliExit, EXIT_FAILURE, UsageError } from '../cli-exit.js';
import type { CliIo } from '../cli-io.js';
import { seg } from '../http-client.js';
import {
  collect,
  parseDuration,
  parseExpiry,
  parseExpiryOrNever,
  parseRateLimit,
  parseRateLimitOrNone,
} from '../option-parsers.js';
import {
  jsonOption,
  type RemoteContext,
  type RemoteOptions,
  remoteAction,
  urlOption,
} from '../remote-command.js';
import { cell, formatTable } from '../table.js';
import { printClients, printKeyDetails, printSecrets, slotHint } from './key-output.js';
import { registerKeysImportCommand } from './keys-import-command.js';
import { registerRotateCommand } from './rotate-command.js';
import { registerShareCommands } from './share-commands.js';

/**
 * `keyward keys …`. Secrets are printed only by `create`, `secrets` and `regenerate`, the commands
 * whose purpose is to show them; every other output shows the hints (prefix + last 4).
 */

interface ListOptions extends RemoteOptions {
  unusedFor?: string;
}

interface CreateOptions extends RemoteOptions {
  name: string;
  kind?: KeyKind;
  scope?: string[];
  cidr?: string[];
  expiresAt?: string;
  rateLimit?: RateLimit;
}

interface UpdateOptions extends RemoteOptions {
  name?: string;
  scope?: string[];
  clearScopes?: boolean;
  cidr?: string[];
  clearCidrs?: boolean;
  /** An ISO date-time or `never`. */
  expiresAt?: string;
  rateLimit?: RateLimit | 'none';
  suspend?: boolean;
  activate?: boolean;
}

interface RegenerateOptions extends RemoteOptions {
  slot: SlotName;
  force?: boolean;
}

interface DeleteOptions extends RemoteOptions {
  yes?: boolean;
}

const keyPath = (keyId: string) => `/api/v1/keys/${seg(keyId)}`;

function updateBody(opts: UpdateOptions): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (opts.name !== undefined) body.name = opts.name;
  if (opts.scope !== undefined) body.scopes = opts.scope;
  if (opts.clearScopes) body.scopes = [];
  if (opts.cidr !== undefined) body.allowedCidrs = opts.cidr;
  if (opts.clearCidrs) body.allowedCidrs = [];
  if (opts.expiresAt !== undefined)
    body.expiresAt = opts.expiresAt === 'never' ? null : opts.expiresAt;
  if (opts.rateLimit !== undefined)
    body.rateLimit = opts.rateLimit === 'none' ? null : opts.rateLimit;
  if (opts.suspend) body.state = 'suspended';
  if (opts.activate) body.state = 'active';
  return body;
}

async function confirmDelete(ctx: RemoteContext, io: CliIo, keyId: string): Promise<void> {
  if (!io.isInteractive) {
    throw new UsageError(`refusing to delete ${keyId} without confirmation; pass --yes`);
  }
  const key = (await ctx.client.get<KeyView>(keyPath(keyId))).body;
  const answer = await io.prompt(
    `Delete key ${cell(keyId)} "${cell(key?.name)}" of ${cell(key?.institutionId)}? ` +
      'Both secrets stop working at once. [y/N] ',
  );
  if (!/^y(es)?$/i.test(answer.trim())) {
    io.stderr('Aborted; nothing was deleted.\n');
    throw new CliExit(EXIT_FAILURE, 'aborted');
  }
}

export function registerKeysCommands(program: Command, io: CliIo): void {
  const keys = program.command('keys').description('manage API keys (each a pair of secrets)');
  registerRotateCommand(keys, io);
  registerKeysImportCommand(keys, io);
  registerShareCommands(keys, io);

  keys
    .command('create')
    .description('create a key and show its two secrets')
    .argument('<institutionId>')
    .requiredOption('--name <name>', 'a name saying who or what uses the key')
    .addOption(
      new Option(
        '--kind <kind>',
        'use: for API clients; manage: for automation of this API',
      ).choices(KEY_KINDS),
    )
    .option('--scope <scope>', 'scope the key holds (repeatable)', collect)
    .option('--cidr <cidr>', 'allowed client network (repeatable; default: any)', collect)
    .option('--expires-at <date-time>', 'ISO 8601 expiry', parseExpiry)
    .option('--rate-limit <limit/window>', 'e.g. 100/60s, 10/1m, 5000/1h', parseRateLimit)
    .addOption(urlOption())
    .addOption(jsonOption())
    .action(
      remoteAction<CreateOptions, [string]>(io, async (ctx, opts, institutionId) => {
        const body: Record<string, unknown> = { name: opts.name };
        if (opts.kind !== undefined) body.kind = opts.kind;
        if (opts.scope !== undefined) body.scopes = opts.scope;
        if (opts.cidr !== undefined) body.allowedCidrs = opts.cidr;
        if (opts.expiresAt !== undefined) body.expiresAt = opts.expiresAt;
        if (opts.rateLimit !== undefined) body.rateLimit = opts.rateLimit;
        const res = await ctx.client.post<{ key: KeyView; secrets: SecretPair }>(
          `/api/v1/institutions/${seg(institutionId)}/keys`,
          body,
        );
        if (ctx.json) return ctx.printJson(res.body);
        const key = res.body?.key;
        ctx.print(
          `Created ${cell(key?.kind)} key ${cell(key?.id)} "${cell(key?.name)}" in ${cell(key?.institutionId)}.\n`,
        );
        printSecrets(ctx, res.body?.secrets ?? {});
        ctx.print(
          '\nStore both secrets safely now. Either one authenticates; regenerate one at a time',
        );
        ctx.print('to rotate without interrupting clients.');
      }),
    );

  keys
    .command('list')
    .description("list an institution's keys")
    .argument('<institutionId>')
    .option(
      '--unused-for <duration>',
      'only keys with no request for this long, e.g. 30d, 12h (neither slot used)',
      parseDuration,
    )
    .addOption(urlOption())
    .addOption(jsonOption())
    .action(
      remoteAction<ListOptions, [string]>(io, async (ctx, opts, institutionId) => {
        const query = opts.unusedFor === undefined ? '' : `?unusedFor=${opts.unusedFor}`;
        const { body } = await ctx.client.get<{ keys: KeyView[] }>(
          `/api/v1/institutions/${seg(institutionId)}/keys${query}`,
        );
        if (ctx.json) return ctx.printJson(body);
        const rows = body?.keys ?? [];
        if (rows.length === 0) return ctx.print('No keys.');
        ctx.print(
          formatTable(
            ['ID', 'NAME', 'KIND', 'STATE', 'SCOPES', 'PRIMARY', 'SECONDARY', 'EXPIRES'],
            rows.map((k) => [
              k.id,
              k.name,
              k.kind,
              k.state,
              k.scopes,
              slotHint(k.slots?.primary),
              slotHint(k.slots?.secondary),
              k.expiresAt ?? 'never',
            ]),
          ),
        );
      }),
    );

  keys
    .command('show')
    .description("show a key's settings and slot usage")
    .argument('<keyId>')
    .addOption(urlOption())
    .addOption(jsonOption())
    .action(
      remoteAction<RemoteOptions, [string]>(io, async (ctx, _opts, keyId) => {
        const { body } = await ctx.client.get<KeyView>(keyPath(keyId));
        if (ctx.json) ctx.printJson(body);
        else if (body) printKeyDetails(ctx, body);
      }),
    );

  keys
    .command('clients')
    .description('list the sources seen sending each slot (who still uses which secret)')
    .argument('<keyId>')
    .addOption(urlOption())
    .addOption(jsonOption())
    .action(
      remoteAction<RemoteOptions, [string]>(io, async (ctx, _opts, keyId) => {
        const { body } = await ctx.client.get<KeyClientsView>(`${keyPath(keyId)}/clients`);
        if (ctx.json) ctx.printJson(body);
        else if (body) printClients(ctx, body);
      }),
    );

  keys
    .command('secrets')
    .description('show both secrets of a key (audited)')
    .argument('<keyId>')
    .addOption(urlOption())
    .addOption(jsonOption())
    .action(
      remoteAction<RemoteOptions, [string]>(io, async (ctx, _opts, keyId) => {
        const { body } = await ctx.client.get<SecretPair>(`${keyPath(keyId)}/secrets`);
        if (ctx.json) ctx.printJson(body);
        else printSecrets(ctx, body ?? {});
      }),
    );

  keys
    .command('regenerate')
    .description('replace one secret; the other keeps working')
    .argument('<keyId>')
    .addOption(
      new Option('--slot <slot>', 'which secret to replace')
        .choices(SLOT_NAMES)
        .makeOptionMandatory(),
    )
    .option('--force', 'regenerate even if the slot carried traffic recently')
    .addOption(urlOption())
    .addOption(jsonOption())
    .action(
      remoteAction<RegenerateOptions, [string]>(
        io,
        async (ctx, opts, keyId) => {
          const body: { slot: SlotName; force?: boolean } = { slot: opts.slot };
          if (opts.force) body.force = true;
          const res = await ctx.client.post<{ key: KeyView; slot: SlotName; secret: string }>(
            `${keyPath(keyId)}/regenerate`,
            body,
          );
          if (ctx.json) return ctx.printJson(res.body);
          const slot = res.body?.slot ?? opts.slot;
          ctx.print(
            `Regenerated the ${cell(slot)} secret of ${cell(keyId)}; the old ${cell(slot)} secret no longer works.\n`,
          );
          printSecrets(ctx, { [slot]: res.body?.secret });
        },
        {
          SLOT_IN_USE:
            'the slot carried traffic recently: move its clients to the other slot first, or pass --force',
        },
      ),
    );

  keys
    .command('update')
    .description("change a key's settings")
    .argument('<keyId>')
    .option('--name <name>', 'new name')
    .option('--scope <scope>', 'replace the scopes (repeatable)', collect)
    .addOption(new Option('--clear-scopes', 'remove all scopes').conflicts('scope'))
    .option('--cidr <cidr>', 'replace the allowed networks (repeatable)', collect)
    .addOption(new Option('--clear-cidrs', 'allow any address').conflicts('cidr'))
    .option('--expires-at <date-time|never>', 'ISO 8601 expiry, or never', parseExpiryOrNever)
    .option('--rate-limit <limit/window|none>', 'e.g. 100/60s, or none', parseRateLimitOrNone)
    .addOption(
      new Option('--suspend', 'suspend the key (both secrets stop working)').conflicts('activate'),
    )
    .option('--activate', 'reactivate a suspended key')
    .addOption(urlOption())
    .addOption(jsonOption())
    .action(
      remoteAction<UpdateOptions, [string]>(io, async (ctx, opts, keyId) => {
        const body = updateBody(opts);
        if (Object.keys(body).length === 0)
          throw new UsageError('nothing to update; see `keyward keys update --help`');
        const res = await ctx.client.patch<KeyView>(keyPath(keyId), body);
        if (ctx.json) ctx.printJson(res.body);
        else if (res.body) printKeyDetails(ctx, res.body);
      }),
    );

  keys
    .command('delete')
    .description('delete a key; both secrets stop working')
    .argument('<keyId>')
    .option('-y, --yes', 'do not ask for confirmation')
    .addOption(urlOption())
    .addOption(jsonOption())
    .action(
      remoteAction<DeleteOptions, [string]>(io, async (ctx, opts, keyId) => {
        if (!opts.yes) await confirmDelete(ctx, io, keyId);
        await ctx.client.delete(keyPath(keyId));
        if (!ctx.json) ctx.print(`Deleted ${cell(keyId)}.`);
      }),
    );
}
