import type { LeakToReport, SecretVerification } from '../core/secret-scan.js';
import { UsageError } from './cli-exit.js';
import type { CliIo } from './cli-io.js';
import { ApiError, isCleartextRemote, resolveBaseUrl } from './http-client.js';
import { authHint, formatApiError, openRemote } from './remote-command.js';

export interface ScanRemote {
  /** `--verify`: `POST /api/v1/leaks/check`. */
  readonly verify?: (secrets: readonly string[]) => Promise<readonly SecretVerification[]>;
  /** `--report`: `POST /api/v1/leaks/report` (a manage key); true where the server acted. */
  readonly report?: (leaks: readonly LeakToReport[]) => Promise<readonly boolean[]>;
}

/**
 * What `keyward scan --verify` / `--report` send to a Keyward server: the secrets found, in request
 * bodies, signed in as for remote commands (KEYWARD_TOKEN or `keyward login`; `--report` needs a
 * manage key). Never in a URL, never over cleartext HTTP except to a loopback address, and
 * nothing is sent unauthenticated.
 */
export async function scanRemote(
  io: CliIo,
  url: string | undefined,
  wants: { readonly verify: boolean; readonly report: boolean },
): Promise<ScanRemote> {
  const baseUrl = resolveBaseUrl(url, io.env);
  if (isCleartextRemote(baseUrl)) {
    throw new UsageError(
      `--verify and --report send the secrets found to the server: use https (${baseUrl} is unencrypted HTTP)`,
    );
  }
  const remote = await openRemote(io, { url: baseUrl });
  const { auth } = remote.client;
  if (wants.report && auth.kind !== 'token') {
    throw new UsageError('--report needs a manage key: set KEYWARD_TOKEN to its secret');
  }
  if (auth.kind === 'none') {
    throw new UsageError(
      `--verify needs to sign in first: run \`keyward login --url ${baseUrl}\` or set KEYWARD_TOKEN`,
    );
  }
  const post = async <T>(path: string, body: unknown): Promise<T | undefined> => {
    try {
      return (await remote.client.post<T>(path, body)).body;
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const hint = authHint(err, baseUrl);
      throw new Error(
        `${baseUrl} refused ${path}: ${formatApiError(err).replace(/^error: /, '')}${
          hint ? `; ${hint}` : ''
        }`,
      );
    }
  };
  return {
    ...(wants.verify && {
      verify: async (secrets: readonly string[]) =>
        (await post<{ results: SecretVerification[] }>('/api/v1/leaks/check', { secrets }))
          ?.results ?? [],
    }),
    ...(wants.report && {
      report: async (leaks: readonly LeakToReport[]) => {
        const feedback = await post<{ label: string }[]>(
          '/api/v1/leaks/report',
          leaks.map((l) => ({
            token: l.secret,
            type: 'keyward_api_key',
            url: l.location,
            source: 'keyward scan',
          })),
        );
        return (feedback ?? []).map((f) => f.label === 'true_positive');
      },
    }),
  };
}
