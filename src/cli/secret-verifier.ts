import type { SecretVerification } from '../core/secret-scan.js';
import { UsageError } from './cli-exit.js';
import type { CliIo } from './cli-io.js';
import { ApiError, isCleartextRemote, resolveBaseUrl } from './http-client.js';
import { authHint, formatApiError, openRemote } from './remote-command.js';

/**
 * `keyward scan --verify`: the secrets found go to `POST /api/v1/leaks/check` in the request body,
 * signed in as for remote commands (KEYWARD_TOKEN or `keyward login`). Never in a URL, and never
 * over cleartext HTTP except to a loopback address; nothing is sent unauthenticated.
 */
export async function secretVerifier(
  io: CliIo,
  url: string | undefined,
): Promise<(secrets: readonly string[]) => Promise<readonly SecretVerification[]>> {
  const baseUrl = resolveBaseUrl(url, io.env);
  if (isCleartextRemote(baseUrl)) {
    throw new UsageError(
      `--verify sends the secrets it finds to the server: use https (${baseUrl} is unencrypted HTTP)`,
    );
  }
  const remote = await openRemote(io, { url: baseUrl });
  if (remote.client.auth.kind === 'none') {
    throw new UsageError(
      `--verify needs to sign in first: run \`keyward login --url ${baseUrl}\` or set KEYWARD_TOKEN`,
    );
  }
  return async (secrets) => {
    try {
      const res = await remote.client.post<{ results: SecretVerification[] }>(
        '/api/v1/leaks/check',
        { secrets },
      );
      return res.body?.results ?? [];
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const hint = authHint(err, baseUrl);
      throw new Error(
        `could not verify with ${baseUrl}: ${formatApiError(err).replace(/^error: /, '')}${
          hint ? `; ${hint}` : ''
        }`,
      );
    }
  };
}
