import { type Command, Option } from 'commander';
import { SLOT_NAMES } from '../../core/model.js';
import type { CliIo } from '../cli-io.js';
import { seg } from '../http-client.js';
import { parseDuration, parseExpiry } from '../option-parsers.js';
import { jsonOption, type RemoteOptions, remoteAction, urlOption } from '../remote-command.js';
import { cell, formatTable } from '../table.js';

/** `keyward usage …` and `keyward alerts …`: what the gateway saw, and what it found suspicious. */

interface PeriodOptions extends RemoteOptions {
  from?: string;
  to?: string;
}

interface UsagePoint {
  at: string;
  requests: number;
  errors: number;
  p95LatencyMs: number | null;
}

interface AlertView {
  id: string;
  type: string;
  severity: string;
  keyId: string | null;
  slot: string | null;
  count: number;
  state: string;
  lastSeenAt: string;
  evidence: Record<string, string | number | null>;
}

function periodQuery(opts: PeriodOptions, extra: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries({ from: opts.from, to: opts.to, ...extra })) {
    if (value !== undefined) params.set(name, value);
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

function withPeriod(command: Command): Command {
  return command
    .option('--from <date-time>', 'ISO 8601 start (default: a day before --to)', parseExpiry)
    .option('--to <date-time>', 'ISO 8601 end (default: now)', parseExpiry)
    .addOption(urlOption())
    .addOption(jsonOption());
}

export function registerMonitoringCommands(program: Command, io: CliIo): void {
  const usage = program
    .command('usage')
    .description('usage per key and slot, as the gateway saw it');

  withPeriod(
    usage
      .command('key')
      .description("a key's requests per slot over time (errors, p95 latency)")
      .argument('<keyId>')
      .option(
        '--step <duration>',
        'width of each point, e.g. 5m, 1h, 1d (default 1h)',
        parseDuration,
      ),
  ).action(
    remoteAction<PeriodOptions & { step?: string }, [string]>(io, async (ctx, opts, keyId) => {
      const { body } = await ctx.client.get<{ slots: Record<string, UsagePoint[]> }>(
        `/api/v1/keys/${seg(keyId)}/usage${periodQuery(opts, { step: opts.step })}`,
      );
      if (ctx.json) return ctx.printJson(body);
      const primary = body?.slots.primary ?? [];
      const secondary = body?.slots.secondary ?? [];
      ctx.print(
        formatTable(
          ['AT', 'PRIMARY', 'ERRORS', 'P95 MS', 'SECONDARY', 'ERRORS', 'P95 MS'],
          primary.map((p, i) => {
            const s = secondary[i];
            return [
              p.at,
              p.requests,
              p.errors,
              p.p95LatencyMs ?? '-',
              s?.requests,
              s?.errors,
              s?.p95LatencyMs ?? '-',
            ];
          }),
        ),
      );
    }),
  );

  withPeriod(
    usage
      .command('institution')
      .description('requests and errors per key and slot of an institution, busiest first')
      .argument('<institutionId>'),
  ).action(
    remoteAction<PeriodOptions, [string]>(io, async (ctx, opts, institutionId) => {
      const { body } = await ctx.client.get<{
        keys: {
          keyId: string;
          name: string;
          requests: number;
          errors: number;
          slots: Record<string, { requests: number }>;
        }[];
      }>(`/api/v1/institutions/${seg(institutionId)}/usage${periodQuery(opts)}`);
      if (ctx.json) return ctx.printJson(body);
      ctx.print(
        formatTable(
          ['KEY', 'NAME', 'REQUESTS', 'ERRORS', ...SLOT_NAMES.map((s) => s.toUpperCase())],
          (body?.keys ?? []).map((k) => [
            k.keyId,
            k.name,
            k.requests,
            k.errors,
            ...SLOT_NAMES.map((s) => k.slots[s]?.requests),
          ]),
        ),
      );
    }),
  );

  withPeriod(
    usage
      .command('events')
      .description("a key's raw gateway decisions, newest first (within the retention window)")
      .argument('<keyId>')
      .option('--limit <n>', 'at most this many (1–1000, default 100)'),
  ).action(
    remoteAction<PeriodOptions & { limit?: string }, [string]>(io, async (ctx, opts, keyId) => {
      const { body } = await ctx.client.get<{
        events: {
          at: string;
          slot: string | null;
          outcome: string;
          status: number;
          clientIp: string | null;
          userAgent: string | null;
          latencyMs: number;
        }[];
      }>(`/api/v1/keys/${seg(keyId)}/events${periodQuery(opts, { limit: opts.limit })}`);
      if (ctx.json) return ctx.printJson(body);
      ctx.print(
        formatTable(
          ['AT', 'SLOT', 'OUTCOME', 'STATUS', 'MS', 'FROM', 'USER AGENT'],
          (body?.events ?? []).map((e) => [
            e.at,
            e.slot ?? '-',
            e.outcome,
            e.status,
            e.latencyMs.toFixed(1),
            e.clientIp ?? '-',
            e.userAgent ?? '-',
          ]),
        ),
      );
    }),
  );

  const alerts = program.command('alerts').description('alerts raised by the misuse detectors');
  alerts
    .command('list')
    .description("an institution's alerts, most recently seen first")
    .argument('<institutionId>')
    .addOption(
      new Option('--state <state>', 'only open or acknowledged ones').choices([
        'open',
        'acknowledged',
      ]),
    )
    .addOption(urlOption())
    .addOption(jsonOption())
    .action(
      remoteAction<RemoteOptions & { state?: string }, [string]>(
        io,
        async (ctx, opts, institutionId) => {
          const query = opts.state === undefined ? '' : `?state=${opts.state}`;
          const { body } = await ctx.client.get<{ alerts: AlertView[] }>(
            `/api/v1/institutions/${seg(institutionId)}/alerts${query}`,
          );
          if (ctx.json) return ctx.printJson(body);
          const rows = body?.alerts ?? [];
          if (rows.length === 0) return ctx.print('No alerts.');
          ctx.print(
            formatTable(
              ['ID', 'TYPE', 'SEVERITY', 'KEY', 'SLOT', 'COUNT', 'STATE', 'LAST SEEN', 'EVIDENCE'],
              rows.map((a) => [
                a.id,
                a.type,
                a.severity,
                a.keyId ?? '-',
                a.slot ?? '-',
                a.count,
                a.state,
                a.lastSeenAt,
                Object.entries(a.evidence)
                  .map(([k, v]) => `${k}=${cell(v)}`)
                  .join(' '),
              ]),
            ),
          );
        },
      ),
    );
  alerts
    .command('ack')
    .description('acknowledge an alert (its next occurrence opens a new one)')
    .argument('<alertId>')
    .addOption(urlOption())
    .addOption(jsonOption())
    .action(
      remoteAction<RemoteOptions, [string]>(io, async (ctx, _opts, alertId) => {
        const { body } = await ctx.client.post<{ alert: AlertView }>(
          `/api/v1/alerts/${seg(alertId)}/ack`,
          {},
        );
        if (ctx.json) return ctx.printJson(body);
        ctx.print(`Alert ${cell(body?.alert.id)} ${cell(body?.alert.state)}.`);
      }),
    );
}
