import type { Command } from 'commander';
import { UsageError } from '../cli-exit.js';
import type { CliIo } from '../cli-io.js';
import { AdminClient, ApiError, isCleartextRemote } from '../http-client.js';
import { guard, jsonOption, openRemote, type RemoteOptions, urlOption } from '../remote-command.js';

/** `keyward login` and `keyward logout`: a browser-like session saved per admin API URL. */

const SESSION_COOKIE = 'keyward_session';

interface LoginOptions extends RemoteOptions {
  email?: string;
  passwordStdin?: boolean;
}

interface LoginResponse {
  user?: unknown;
  csrfToken?: string;
}

/** Drops exactly one trailing line break, as `echo` and here-strings add one. */
function stripNewline(text: string): string {
  return text.replace(/\r?\n$/, '');
}

async function askEmail(io: CliIo, opts: LoginOptions): Promise<string> {
  if (opts.email !== undefined) return opts.email.trim();
  if (opts.passwordStdin || !io.isInteractive) {
    throw new UsageError('--email is required when the password comes from standard input');
  }
  return (await io.prompt('Email: ')).trim();
}

async function askPassword(io: CliIo, opts: LoginOptions): Promise<string> {
  if (opts.passwordStdin) return stripNewline(await io.readStdin());
  if (!io.isInteractive) {
    throw new UsageError(
      'standard input is not a terminal; pipe the password with --password-stdin',
    );
  }
  return io.promptPassword('Password: ');
}

/** The `name=value` part of the session cookie among the response's Set-Cookie headers. */
function sessionCookie(headers: Headers): string | undefined {
  for (const header of headers.getSetCookie()) {
    const pair = header.split(';', 1)[0]?.trim() ?? '';
    if (pair.startsWith(`${SESSION_COOKIE}=`) && pair.length > SESSION_COOKIE.length + 1)
      return pair;
  }
  return undefined;
}

export function registerAuthCommands(program: Command, io: CliIo): void {
  program
    .command('login')
    .description('sign in to the admin API and save the session')
    .option('--email <email>', 'account email (asked for when omitted on a terminal)')
    .option('--password-stdin', 'read the password from standard input')
    .addOption(urlOption())
    .addOption(jsonOption())
    .action(async (opts: LoginOptions) => {
      let baseUrl: string | undefined;
      await guard(
        io,
        async () => {
          const ctx = await openRemote(io, opts, 'none');
          baseUrl = ctx.baseUrl;
          const email = await askEmail(io, opts);
          if (email === '') throw new UsageError('an email is required');
          const password = await askPassword(io, opts);
          if (password === '') throw new UsageError('an empty password was given');
          if (isCleartextRemote(ctx.baseUrl)) {
            io.stderr(`warning: sending your password to ${ctx.baseUrl} over unencrypted HTTP\n`);
          }
          const res = await ctx.client.post<LoginResponse>('/api/v1/auth/login', {
            email,
            password,
          });
          const cookie = sessionCookie(res.headers);
          const csrfToken = res.body?.csrfToken;
          if (!cookie || typeof csrfToken !== 'string') {
            throw new Error(
              `${ctx.baseUrl} accepted the login but sent no session cookie or CSRF token`,
            );
          }
          await ctx.store.save({
            url: ctx.baseUrl,
            cookie,
            csrfToken,
            email,
            savedAt: new Date().toISOString(),
          });
          // The CSRF token is session material: --json shows who signed in, not the token.
          if (ctx.json) ctx.printJson({ user: res.body?.user });
          else
            ctx.print(
              `Logged in to ${ctx.baseUrl} as ${email}; session saved in ${ctx.store.path}.`,
            );
          if (io.env.KEYWARD_TOKEN?.trim()) {
            io.stderr('note: KEYWARD_TOKEN is set and takes precedence over this session\n');
          }
        },
        {},
        () => baseUrl,
      );
    });

  program
    .command('logout')
    .description('end the saved session and forget it')
    .addOption(urlOption())
    .addOption(jsonOption())
    .action(async (opts: RemoteOptions) => {
      await guard(io, async () => {
        const ctx = await openRemote(io, opts, 'none');
        const session = await ctx.store.get(ctx.baseUrl);
        if (!session) {
          if (!ctx.json) ctx.print(`Not logged in to ${ctx.baseUrl}.`);
          return;
        }
        const client = new AdminClient(ctx.baseUrl, {
          kind: 'session',
          cookie: session.cookie,
          csrfToken: session.csrfToken,
        });
        let failure: unknown;
        let body: unknown;
        try {
          body = (await client.post('/api/v1/auth/logout')).body;
        } catch (err) {
          // An expired session is already logged out; anything else is reported after cleanup.
          if (!(err instanceof ApiError && err.status === 401)) failure = err;
        }
        await ctx.store.remove(ctx.baseUrl);
        if (failure !== undefined) {
          io.stderr(
            `Removed the saved session for ${ctx.baseUrl}, but the server did not end it:\n`,
          );
          throw failure;
        }
        if (ctx.json) {
          if (body !== undefined) ctx.printJson(body);
        } else ctx.print(`Logged out of ${ctx.baseUrl}.`);
      });
    });
}
