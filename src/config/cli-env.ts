/**
 * The environment the `keyward` command-line client reads. This is the only place the CLI touches
 * `process.env`; everything in src/cli receives the snapshot through its `CliIo` so tests can pass
 * their own. Only the variables below are copied, so a stray secret in the environment never
 * reaches the CLI's code paths.
 */
export const CLI_ENV_VARS = [
  /** Admin API base URL for remote commands (default `http://127.0.0.1:4000`). */
  'KEYWARD_URL',
  /** Secret of a manage key; sent as `Authorization: Bearer …`, wins over a saved session. */
  'KEYWARD_TOKEN',
  /** Directory holding `credentials.json` (default `$XDG_CONFIG_HOME/keyward`). */
  'KEYWARD_CONFIG_HOME',
  'XDG_CONFIG_HOME',
  'HOME',
] as const;

export type CliEnvVar = (typeof CLI_ENV_VARS)[number];

export type CliEnv = Readonly<Partial<Record<CliEnvVar, string>>>;

/** A frozen snapshot of the CLI's variables, taken once at start. */
export function readCliEnv(source: NodeJS.ProcessEnv = process.env): CliEnv {
  const env: Partial<Record<CliEnvVar, string>> = {};
  for (const name of CLI_ENV_VARS) {
    const value = source[name];
    if (value !== undefined) env[name] = value;
  }
  return Object.freeze(env);
}
