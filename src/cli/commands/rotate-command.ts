import type { Command } from 'commander';
import { CliExit, EXIT_FAILURE, UsageError } from '../cli-exit.js';
import type { CliIo } from '../cli-io.js';
import { ApiError, seg } from '../http-client.js';
import {
  jsonOption,
  type RemoteContext,
  type RemoteOptions,
  remoteAction,
  urlOption,
} from '../remote-command.js';
import { cell } from '../table.js';
import { printSecrets } from './key-output.js';

interface Client {
  address: string | null;
  userAgent: string | null;
  lastSeenAt: string;
}

interface RotationView {
  step: string;
  state: string;
  instruction: string;
  waitingFor: string[];
  evidence: Record<'primary' | 'secondary', { lastUsedAt: string | null; clients: Client[] }>;
}

interface RotateOptions extends RemoteOptions {
  yes?: boolean;
  interval?: string;
}

const WAITING: Readonly<Record<string, string>> = {
  PRIMARY_IN_USE: 'clients still send the primary',
  SECONDARY_IN_USE: 'clients still send the secondary',
  NEW_PRIMARY_UNUSED: 'nobody sends the new primary yet',
};

/**
 * `keyward keys rotate <keyId>`: walks the guided rotation — starts one (or resumes the one in
 * progress), shows each step, waits while clients would break (polling, with a status line that
 * names them), asks before each regeneration (`--yes`: never), and prints each new secret once.
 */
export function registerRotateCommand(keys: Command, io: CliIo): void {
  keys
    .command('rotate')
    .description('rotate both secrets in four checked steps, without interrupting clients')
    .argument('<keyId>')
    .option('-y, --yes', 'regenerate without asking (unattended runs)')
    .option('--interval <seconds>', 'how often to check while waiting (default 10)')
    .addOption(urlOption())
    .addOption(jsonOption())
    .action(
      remoteAction<RotateOptions, [string]>(io, async (ctx, opts, keyId) => {
        const intervalMs = 1000 * Number(opts.interval ?? '10');
        if (!(intervalMs >= 100)) throw new UsageError('--interval: seconds, at least 0.1');
        const path = `/api/v1/keys/${seg(keyId)}/rotations`;
        let rotation = await currentOrStart(ctx, path);
        let lastStatus = '';
        let waitingSince = Date.now();
        while (rotation.step !== 'done') {
          if (rotation.waitingFor.length > 0) {
            const status = statusLine(rotation);
            if (io.isInteractive) {
              // A live status line on a terminal: rewritten in place, with the time waited.
              if (status !== lastStatus) waitingSince = Date.now();
              const waited = Math.round((Date.now() - waitingSince) / 1000);
              io.stderr(`\r${status} (${waited} s)\u001b[K`);
            } else if (status !== lastStatus) {
              io.stderr(`${status}\n`);
            }
            lastStatus = status;
            await new Promise((resolve) => setTimeout(resolve, intervalMs));
            rotation = (await ctx.client.get<RotationView>(`${path}/current`)).body as RotationView;
            continue;
          }
          if (lastStatus !== '' && io.isInteractive) io.stderr('\n');
          lastStatus = '';
          const regenerates = rotation.step.startsWith('regenerate-');
          if (regenerates && !opts.yes) await confirm(io, rotation);
          const res = await ctx.client.post<{ rotation: RotationView; secret: string | null }>(
            `${path}/current/advance`,
            {},
          );
          const next = res.body?.rotation as RotationView;
          if (ctx.json) ctx.printJson({ step: next.step, secret: res.body?.secret ?? null });
          else {
            ctx.print(`✓ ${rotation.step} → ${next.step}`);
            const slot = rotation.step === 'regenerate-primary' ? 'primary' : 'secondary';
            if (res.body?.secret) printSecrets(ctx, { [slot]: res.body.secret });
            if (next.step !== 'done') ctx.print(`  next: ${next.instruction}`);
          }
          rotation = next;
        }
        if (!ctx.json) ctx.print(`Rotation of ${cell(keyId)} complete: both secrets are new.`);
      }),
    );
}

async function currentOrStart(ctx: RemoteContext, path: string): Promise<RotationView> {
  try {
    const current = (await ctx.client.get<RotationView>(`${path}/current`)).body as RotationView;
    if (!ctx.json) ctx.print(`Resuming the rotation at ${current.step}: ${current.instruction}`);
    return current;
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 404) throw err;
  }
  const started = (await ctx.client.post<RotationView>(path, {})).body as RotationView;
  if (!ctx.json) ctx.print(`Rotation started. ${started.instruction}`);
  return started;
}

/** What the rotation waits for, naming the clients still on the slot in question. */
function statusLine(rotation: RotationView): string {
  const parts = rotation.waitingFor.map((reason) => {
    const slot = reason === 'PRIMARY_IN_USE' ? 'primary' : 'secondary';
    const clients =
      reason === 'NEW_PRIMARY_UNUSED'
        ? ''
        : `: ${rotation.evidence[slot].clients
            .map((c) => `${cell(c.address ?? '?')} (${cell(c.userAgent ?? '?')})`)
            .join(', ')}`;
    return `${WAITING[reason] ?? reason}${clients}`;
  });
  return `waiting at ${rotation.step}: ${parts.join('; ')}`;
}

async function confirm(io: CliIo, rotation: RotationView): Promise<void> {
  if (!io.isInteractive) {
    throw new UsageError(`refusing to ${rotation.step} without confirmation; pass --yes`);
  }
  const answer = await io.prompt(`${rotation.instruction} Proceed? [y/N] `);
  if (!/^y(es)?$/i.test(answer.trim())) {
    io.stderr('Paused; run the command again to resume.\n');
    throw new CliExit(EXIT_FAILURE, 'aborted');
  }
}
