import { type Command, Option } from 'commander';
import { MEMBER_ROLES, type MemberRole } from '../../core/model.js';
import type { MemberView } from '../api-types.js';
import { UsageError } from '../cli-exit.js';
import type { CliIo } from '../cli-io.js';
import { seg } from '../http-client.js';
import {
  jsonOption,
  type RemoteContext,
  type RemoteOptions,
  remoteAction,
  urlOption,
} from '../remote-command.js';
import { cell, formatTable } from '../table.js';

/** `keyward members list|add|update|remove`: who belongs to an institution, and as what. */

interface AddOptions extends RemoteOptions {
  email: string;
  name: string;
  role: MemberRole;
  passwordStdin?: boolean;
}

interface UpdateOptions extends RemoteOptions {
  role: MemberRole;
}

interface AddMemberResponse {
  member: MemberView;
  temporaryPassword?: string;
}

const membersPath = (institutionId: string) => `/api/v1/institutions/${seg(institutionId)}/members`;

const roleOption = () =>
  new Option('--role <role>', 'role in the institution')
    .choices(MEMBER_ROLES)
    .makeOptionMandatory();

function printMembers(ctx: RemoteContext, members: readonly MemberView[]): void {
  if (members.length === 0) {
    ctx.print('No members.');
    return;
  }
  ctx.print(
    formatTable(
      ['USER ID', 'EMAIL', 'NAME', 'ROLE', 'SINCE'],
      members.map((m) => [m.userId, m.email, m.name, m.role, m.createdAt]),
    ),
  );
}

export function registerMembersCommands(program: Command, io: CliIo): void {
  const members = program.command('members').description("manage an institution's members");

  members
    .command('list')
    .description('list members')
    .argument('<institutionId>')
    .addOption(urlOption())
    .addOption(jsonOption())
    .action(
      remoteAction<RemoteOptions, [string]>(io, async (ctx, _opts, institutionId) => {
        const { body } = await ctx.client.get<{ members: MemberView[] }>(
          membersPath(institutionId),
        );
        if (ctx.json) ctx.printJson(body);
        else printMembers(ctx, body?.members ?? []);
      }),
    );

  members
    .command('add')
    .description('add a member (a temporary password is generated unless one is piped in)')
    .argument('<institutionId>')
    .requiredOption('--email <email>', 'email of the user')
    .requiredOption('--name <name>', 'display name of the user')
    .addOption(roleOption())
    .option('--password-stdin', "read the new user's initial password from standard input")
    .addOption(urlOption())
    .addOption(jsonOption())
    .action(
      remoteAction<AddOptions, [string]>(io, async (ctx, opts, institutionId) => {
        const body: { email: string; name: string; role: MemberRole; password?: string } = {
          email: opts.email,
          name: opts.name,
          role: opts.role,
        };
        if (opts.passwordStdin) {
          const password = (await io.readStdin()).replace(/\r?\n$/, '');
          if (password === '')
            throw new UsageError('an empty password was given on standard input');
          body.password = password;
        }
        const res = await ctx.client.post<AddMemberResponse>(membersPath(institutionId), body);
        if (ctx.json) return ctx.printJson(res.body);
        const member = res.body?.member;
        ctx.print(
          `Added ${cell(member?.email ?? opts.email)} (${cell(member?.userId)}) as ${cell(member?.role ?? opts.role)}.`,
        );
        if (res.body?.temporaryPassword) {
          ctx.print(
            [
              '',
              `Temporary password: ${cell(res.body.temporaryPassword)}`,
              'It is shown only once. Give it to the user over a safe channel;',
              'it must be changed at first login.',
            ].join('\n'),
          );
        }
      }),
    );

  members
    .command('update')
    .description("change a member's role")
    .argument('<institutionId>')
    .argument('<userId>')
    .addOption(roleOption())
    .addOption(urlOption())
    .addOption(jsonOption())
    .action(
      remoteAction<UpdateOptions, [string, string]>(
        io,
        async (ctx, opts, institutionId, userId) => {
          const res = await ctx.client.patch<MemberView>(
            `${membersPath(institutionId)}/${seg(userId)}`,
            {
              role: opts.role,
            },
          );
          if (ctx.json) ctx.printJson(res.body);
          else printMembers(ctx, res.body ? [res.body] : []);
        },
      ),
    );

  members
    .command('remove')
    .description('remove a member')
    .argument('<institutionId>')
    .argument('<userId>')
    .addOption(urlOption())
    .addOption(jsonOption())
    .action(
      remoteAction<RemoteOptions, [string, string]>(
        io,
        async (ctx, _opts, institutionId, userId) => {
          await ctx.client.delete(`${membersPath(institutionId)}/${seg(userId)}`);
          if (!ctx.json) ctx.print(`Removed ${cell(userId)} from ${cell(institutionId)}.`);
        },
      ),
    );
}
