import type { Command } from 'commander';
import type { AuditEventView } from '../api-types.js';
import { CliExit } from '../cli-exit.js';
import type { CliIo } from '../cli-io.js';
import { seg } from '../http-client.js';
import { parsePositiveInt } from '../option-parsers.js';
import {
  guard,
  jsonOption,
  type RemoteOptions,
  remoteAction,
  urlOption,
} from '../remote-command.js';
import { cell, formatTable } from '../table.js';

/** `keyward audit list` (remote) and `keyward audit verify` (local, checks the hash chain). */

export interface AuditVerifyOptions {
  dataDir?: string;
  config?: string;
  json: boolean;
}

interface ListOptions extends RemoteOptions {
  limit?: number;
  cursor?: string;
}

function targetText(target: unknown): string {
  if (target === null || target === undefined) return '-';
  return typeof target === 'string' ? target : JSON.stringify(target);
}

export function registerAuditCommands(
  program: Command,
  io: CliIo,
  verify: (opts: AuditVerifyOptions) => Promise<number>,
): void {
  const audit = program.command('audit').description('read and verify the audit log');

  audit
    .command('list')
    .description("list an institution's audit events")
    .argument('<institutionId>')
    .option('--limit <n>', 'events per page', parsePositiveInt)
    .option('--cursor <cursor>', 'continue from a previous page')
    .addOption(urlOption())
    .addOption(jsonOption())
    .action(
      remoteAction<ListOptions, [string]>(io, async (ctx, opts, institutionId) => {
        const query = new URLSearchParams();
        if (opts.limit !== undefined) query.set('limit', String(opts.limit));
        if (opts.cursor !== undefined) query.set('cursor', opts.cursor);
        const qs = query.toString() === '' ? '' : `?${query.toString()}`;
        const { body } = await ctx.client.get<{
          events: AuditEventView[];
          nextCursor: string | null;
        }>(`/api/v1/institutions/${seg(institutionId)}/audit${qs}`);
        if (ctx.json) return ctx.printJson(body);
        const events = body?.events ?? [];
        if (events.length === 0) ctx.print('No audit events.');
        else {
          ctx.print(
            formatTable(
              ['SEQ', 'AT', 'ACTOR', 'ACTION', 'TARGET', 'SOURCE IP'],
              events.map((e) => [
                e.seq,
                e.at,
                e.actor ? `${e.actor.type}:${e.actor.id}` : undefined,
                e.action,
                targetText(e.target),
                e.sourceIp,
              ]),
            ),
          );
        }
        if (body?.nextCursor) ctx.print(`\nMore events: --cursor ${cell(body.nextCursor)}`);
      }),
    );

  audit
    .command('verify')
    .description('check the hash chain of the whole audit log (reads the store directly)')
    .option('--data-dir <dir>', 'data directory (default: $KEYWARD_DATA_DIR or ./keyward-data)')
    .option('--config <file>', 'config file (default: $KEYWARD_CONFIG or ./keyward.config.json)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { dataDir?: string; config?: string; json?: boolean }) => {
      await guard(io, async () => {
        const args: AuditVerifyOptions = { json: opts.json === true };
        if (opts.dataDir !== undefined) args.dataDir = opts.dataDir;
        if (opts.config !== undefined) args.config = opts.config;
        const code = await verify(args);
        if (code !== 0) throw new CliExit(code, `audit verify exited with ${code}`);
      });
    });
}
