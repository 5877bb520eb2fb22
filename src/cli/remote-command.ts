import { type Command, Option } from 'commander';
import { CliExit, EXIT_FAILURE, EXIT_USAGE, UsageError } from './cli-exit.js';
import type { CliIo } from './cli-io.js';
import { CredentialsStore, credentialsPath } from './credentials-store.js';
import {
  AdminClient,
  ApiError,
  type Auth,
  isCleartextRemote,
  NetworkError,
  resolveBaseUrl,
} from './http-client.js';
import { cell } from './table.js';

/**
 * The plumbing every command shares: `--url`/`--json`, choosing credentials, and turning failures
 * into one line on stderr plus an exit code (see cli-exit.ts).
 */

export interface RemoteOptions {
  url?: string;
  json?: boolean;
}

/** Extra `hint:` lines shown after an API error with the given `code`. */
export type Hints = Readonly<Record<string, string>>;

export interface RemoteContext {
  readonly io: CliIo;
  readonly baseUrl: string;
  readonly client: AdminClient;
  readonly store: CredentialsStore;
  readonly json: boolean;
  /** Prints a value as indented JSON (the `--json` output). */
  printJson(value: unknown): void;
  /** Prints human text; adds the final newline when missing. */
  print(text: string): void;
}

/** `--url` and `--json`, added last to every remote command so they close its help. */
export function urlOption(): Option {
  return new Option(
    '--url <url>',
    'admin API base URL (default: $KEYWARD_URL or http://127.0.0.1:4000)',
  );
}

export function jsonOption(): Option {
  return new Option('--json', 'print the API response as JSON');
}

/**
 * Credentials for remote commands: `KEYWARD_TOKEN` (a manage-key secret) wins over the session
 * saved by `keyward login` for the same URL; with neither, requests go unauthenticated and the
 * server's 401 comes with a hint.
 */
async function resolveAuth(io: CliIo, store: CredentialsStore, baseUrl: string): Promise<Auth> {
  const token = io.env.KEYWARD_TOKEN?.trim();
  if (token) return { kind: 'token', token };
  const session = await store.get(baseUrl);
  if (session) return { kind: 'session', cookie: session.cookie, csrfToken: session.csrfToken };
  return { kind: 'none' };
}

export async function openRemote(
  io: CliIo,
  opts: RemoteOptions,
  mode: 'auto' | 'none' = 'auto',
): Promise<RemoteContext> {
  const baseUrl = resolveBaseUrl(opts.url, io.env);
  const store = new CredentialsStore(credentialsPath(io.env));
  const auth: Auth = mode === 'none' ? { kind: 'none' } : await resolveAuth(io, store, baseUrl);
  if (auth.kind !== 'none' && isCleartextRemote(baseUrl)) {
    io.stderr(`warning: sending credentials to ${baseUrl} over unencrypted HTTP; use https\n`);
  }
  return {
    io,
    baseUrl,
    client: new AdminClient(baseUrl, auth),
    store,
    json: opts.json === true,
    printJson: (value) => io.stdout(`${JSON.stringify(value, null, 2)}\n`),
    print: (text) => io.stdout(text.endsWith('\n') ? text : `${text}\n`),
  };
}

export function authHint(err: ApiError, baseUrl: string | undefined): string | undefined {
  const login = `keyward login${baseUrl ? ` --url ${baseUrl}` : ''}`;
  if (err.problem.code === 'UNAUTHENTICATED' || err.status === 401) {
    if (err.authKind === 'token')
      return 'check that KEYWARD_TOKEN is the secret of an active manage key';
    if (err.authKind === 'session') return `your session may have expired; run \`${login}\``;
    return `run \`${login}\` or set KEYWARD_TOKEN`;
  }
  if (err.problem.code === 'PASSWORD_CHANGE_REQUIRED') {
    return 'change your temporary password first: `keyward password`';
  }
  return undefined;
}

interface SlotEvidenceJson {
  slot?: string;
  lastUsedAt?: string | null;
  clients?: { address?: string | null; userAgent?: string | null; lastSeenAt?: string }[];
}

/** Who still uses a slot, from a SLOT_IN_USE or ROTATION_BLOCKED problem: one line per client. */
export function evidenceLines(evidence: unknown): string[] {
  if (typeof evidence !== 'object' || evidence === null) return [];
  const e = evidence as SlotEvidenceJson & {
    primary?: SlotEvidenceJson;
    secondary?: SlotEvidenceJson;
  };
  const slots = e.clients !== undefined ? [e] : [e.primary, e.secondary];
  const lines: string[] = [];
  for (const slot of slots) {
    for (const c of slot?.clients ?? []) {
      lines.push(
        `  on ${cell(slot?.slot)}: ${cell(c.address ?? 'unknown address')} (${cell(c.userAgent ?? 'no user agent')}), last seen ${cell(c.lastSeenAt)}`,
      );
    }
  }
  return lines;
}

/** `error: <detail> (<code>, request <requestId>)`, control characters neutralised. */
export function formatApiError(err: ApiError): string {
  const { detail, title, code, requestId } = err.problem;
  const tags = [code ?? `HTTP ${err.status}`, requestId ? `request ${requestId}` : undefined]
    .filter((t) => t !== undefined)
    .map((t) => cell(t));
  return `error: ${cell(detail ?? title ?? `HTTP ${err.status}`)} (${tags.join(', ')})`;
}

/**
 * Runs `body`, mapping failures to stderr and a `CliExit`: usage errors exit 2, API and network
 * errors exit 1. `CliExit`s pass through untouched.
 */
export async function guard(
  io: CliIo,
  body: () => Promise<void>,
  hints: Hints = {},
  baseUrl?: () => string | undefined,
): Promise<void> {
  try {
    await body();
  } catch (err) {
    if (err instanceof CliExit) throw err;
    if (err instanceof UsageError) {
      io.stderr(`error: ${err.message}\n`);
      throw new CliExit(EXIT_USAGE, err.message);
    }
    if (err instanceof ApiError) {
      io.stderr(`${formatApiError(err)}\n`);
      for (const line of evidenceLines(err.problem.evidence)) io.stderr(`${line}\n`);
      const hint = (err.problem.code && hints[err.problem.code]) || authHint(err, baseUrl?.());
      if (hint) io.stderr(`hint: ${hint}\n`);
      throw new CliExit(EXIT_FAILURE, err.message);
    }
    const message = err instanceof NetworkError || err instanceof Error ? err.message : String(err);
    io.stderr(`error: ${message}\n`);
    throw new CliExit(EXIT_FAILURE, message);
  }
}

/**
 * Wraps a remote command's action: parses `--url`/`--json`, picks credentials, and hands the
 * handler its options and positional arguments (commander has already checked they are present).
 */
export function remoteAction<O extends RemoteOptions, A extends string[] = []>(
  io: CliIo,
  run: (ctx: RemoteContext, opts: O, ...args: A) => Promise<void>,
  hints?: Hints,
): (...raw: unknown[]) => Promise<void> {
  return async (...raw) => {
    const command = raw[raw.length - 1] as Command;
    const opts = command.opts<O>();
    let ctx: RemoteContext | undefined;
    await guard(
      io,
      async () => {
        ctx = await openRemote(io, opts);
        await run(ctx, opts, ...(command.processedArgs as A));
      },
      hints,
      () => ctx?.baseUrl,
    );
  };
}
