import { type Command, Option } from 'commander';
import { ALERT_SEVERITIES } from '../../core/webhook.js';
import { CliExit, EXIT_FAILURE, UsageError } from '../cli-exit.js';
import type { CliIo } from '../cli-io.js';
import { seg } from '../http-client.js';
import { collect, parsePositiveInt } from '../option-parsers.js';
import {
  jsonOption,
  type RemoteContext,
  type RemoteOptions,
  remoteAction,
  urlOption,
} from '../remote-command.js';
import { cell, formatTable } from '../table.js';

/**
 * `keyward webhooks …`. The receiver URL is a positional argument: `--url` is the admin API's
 * address on every remote command. Only `create` prints the signing secret, once.
 */

interface WebhookView {
  readonly id: string;
  readonly institutionId: string;
  readonly url: string;
  readonly description: string | null;
  readonly events: readonly string[];
  readonly minSeverity: string | null;
  readonly createdAt: string;
}

interface DeliveryView {
  readonly id: string;
  readonly eventType: string;
  readonly state: string;
  readonly attempts: number;
  readonly nextAttemptAt: string | null;
  readonly createdAt: string;
  readonly log: readonly {
    readonly attempt: number;
    readonly at: string;
    readonly status: number | null;
    readonly error: string | null;
    readonly durationMs: number;
  }[];
}

interface CreateOptions extends RemoteOptions {
  event?: string[];
  minSeverity?: string;
  description?: string;
}

interface DeliveriesOptions extends RemoteOptions {
  limit?: number;
}

interface DeleteOptions extends RemoteOptions {
  yes?: boolean;
}

const webhookPath = (webhookId: string) => `/api/v1/webhooks/${seg(webhookId)}`;

async function confirmDelete(io: CliIo, webhookId: string): Promise<void> {
  if (!io.isInteractive) {
    throw new UsageError(`refusing to delete ${webhookId} without confirmation; pass --yes`);
  }
  const answer = await io.prompt(
    `Delete webhook ${cell(webhookId)}? Nothing more is sent to it, pending retries included. [y/N] `,
  );
  if (!/^y(es)?$/i.test(answer.trim())) {
    io.stderr('Aborted; nothing was deleted.\n');
    throw new CliExit(EXIT_FAILURE, 'aborted');
  }
}

/** `HTTP 204 (12 ms)`, `connection refused (3 ms)`. */
function attemptResult(a: DeliveryView['log'][number]): string {
  const what = a.error ?? (a.status === null ? '-' : `HTTP ${a.status}`);
  return `${what} (${a.durationMs} ms)`;
}

/** One row per attempt, so the log reads top to bottom; a delivery not tried yet gets one row. */
function printDeliveries(ctx: RemoteContext, deliveries: readonly DeliveryView[]): void {
  if (deliveries.length === 0) {
    ctx.print('No deliveries.');
    return;
  }
  const rows = deliveries.flatMap((d) =>
    d.log.length === 0
      ? [[d.id, d.eventType, d.state, '-', '-', '-']]
      : d.log.map((a) => [d.id, d.eventType, d.state, a.attempt, a.at, attemptResult(a)]),
  );
  ctx.print(formatTable(['DELIVERY', 'EVENT', 'STATE', 'ATTEMPT', 'AT', 'RESULT'], rows));
  for (const d of deliveries) {
    if (d.state === 'pending' && d.nextAttemptAt) {
      ctx.print(`${cell(d.id)}: next attempt at ${cell(d.nextAttemptAt)}`);
    }
  }
}

export function registerWebhooksCommands(program: Command, io: CliIo): void {
  const webhooks = program
    .command('webhooks')
    .description('signed HTTP notifications of an institution (alerts)');

  webhooks
    .command('create')
    .description('add a webhook and show its signing secret (once)')
    .argument('<institutionId>')
    .argument('<receiverUrl>', 'where deliveries are POSTed (http:// or https://)')
    .option('--event <type>', 'event type to send (repeatable; default: all)', collect)
    .addOption(
      new Option('--min-severity <severity>', 'skip alerts below this severity').choices(
        ALERT_SEVERITIES,
      ),
    )
    .option('--description <text>', 'what the receiver is')
    .addOption(urlOption())
    .addOption(jsonOption())
    .action(
      remoteAction<CreateOptions, [string, string]>(
        io,
        async (ctx, opts, institutionId, receiverUrl) => {
          const body: Record<string, unknown> = { url: receiverUrl };
          if (opts.event !== undefined) body.events = opts.event;
          if (opts.minSeverity !== undefined) body.minSeverity = opts.minSeverity;
          if (opts.description !== undefined) body.description = opts.description;
          const res = await ctx.client.post<{ webhook: WebhookView; secret: string }>(
            `/api/v1/institutions/${seg(institutionId)}/webhooks`,
            body,
          );
          if (ctx.json) return ctx.printJson(res.body);
          const hook = res.body?.webhook;
          ctx.print(`Created webhook ${cell(hook?.id)} → ${cell(hook?.url)}`);
          ctx.print(
            `Events: ${cell(hook?.events)}; minimum severity: ${cell(hook?.minSeverity)}\n`,
          );
          ctx.print('Signing secret (shown only now; give it to the receiver):');
          ctx.print(`  ${cell(res.body?.secret)}\n`);
          ctx.print(
            'Each delivery carries X-Keyward-Timestamp and X-Keyward-Signature: v1=<hex HMAC-SHA256(',
          );
          ctx.print('secret, timestamp + "." + body)>. Try it: keyward webhooks test <webhookId>');
        },
      ),
    );

  webhooks
    .command('list')
    .description("list an institution's webhooks")
    .argument('<institutionId>')
    .addOption(urlOption())
    .addOption(jsonOption())
    .action(
      remoteAction<RemoteOptions, [string]>(io, async (ctx, _opts, institutionId) => {
        const { body } = await ctx.client.get<{ webhooks: WebhookView[] }>(
          `/api/v1/institutions/${seg(institutionId)}/webhooks`,
        );
        if (ctx.json) return ctx.printJson(body);
        const rows = body?.webhooks ?? [];
        if (rows.length === 0) return ctx.print('No webhooks.');
        ctx.print(
          formatTable(
            ['ID', 'URL', 'EVENTS', 'MIN SEVERITY', 'DESCRIPTION', 'CREATED'],
            rows.map((h) => [h.id, h.url, h.events, h.minSeverity, h.description, h.createdAt]),
          ),
        );
      }),
    );

  webhooks
    .command('test')
    .description('send a signed webhook.test event to one webhook')
    .argument('<webhookId>')
    .addOption(urlOption())
    .addOption(jsonOption())
    .action(
      remoteAction<RemoteOptions, [string]>(io, async (ctx, _opts, webhookId) => {
        const res = await ctx.client.post<{ delivery: DeliveryView }>(
          `${webhookPath(webhookId)}/test`,
          {},
        );
        if (ctx.json) return ctx.printJson(res.body);
        ctx.print(`Queued test delivery ${cell(res.body?.delivery?.id)} to ${cell(webhookId)}.`);
        ctx.print(`See how it went: keyward webhooks deliveries ${cell(webhookId)}`);
      }),
    );

  webhooks
    .command('deliveries')
    .description("a webhook's deliveries and every attempt, newest first")
    .argument('<webhookId>')
    .option('--limit <n>', 'deliveries to show (default 50, at most 200)', parsePositiveInt)
    .addOption(urlOption())
    .addOption(jsonOption())
    .action(
      remoteAction<DeliveriesOptions, [string]>(io, async (ctx, opts, webhookId) => {
        const query = opts.limit === undefined ? '' : `?limit=${opts.limit}`;
        const { body } = await ctx.client.get<{ deliveries: DeliveryView[] }>(
          `${webhookPath(webhookId)}/deliveries${query}`,
        );
        if (ctx.json) return ctx.printJson(body);
        printDeliveries(ctx, body?.deliveries ?? []);
      }),
    );

  webhooks
    .command('delete')
    .description('delete a webhook; nothing more is sent to it')
    .argument('<webhookId>')
    .option('-y, --yes', 'do not ask for confirmation')
    .addOption(urlOption())
    .addOption(jsonOption())
    .action(
      remoteAction<DeleteOptions, [string]>(io, async (ctx, opts, webhookId) => {
        if (!opts.yes) await confirmDelete(io, webhookId);
        await ctx.client.delete(webhookPath(webhookId));
        if (!ctx.json) ctx.print(`Deleted ${cell(webhookId)}.`);
      }),
    );
}
