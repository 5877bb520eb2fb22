import { readCliEnv } from '../config/cli-env.js';
import { promptHidden, promptLine, readAll } from './tty-prompt.js';

/**
 * Everything the CLI does to the outside world besides HTTP and the credentials file. Commands
 * receive it instead of touching `process`, so tests can capture output and script input.
 */
export interface CliIo {
  /** Writes to standard output as-is (callers add the newline). */
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** The environment snapshot (only the variables listed in config/cli-env.ts by default). */
  env: Record<string, string | undefined>;
  /** All of standard input (for `--password-stdin`). */
  readStdin: () => Promise<string>;
  /** Asks on stderr and reads an answer without echo. Only called when `isInteractive`. */
  promptPassword: (question: string) => Promise<string>;
  /** Asks on stderr and reads one visible line. Only called when `isInteractive`. */
  prompt: (question: string) => Promise<string>;
  /** Whether stdin is a terminal, i.e. whether prompting is possible. */
  isInteractive: boolean;
}

export function defaultCliIo(): CliIo {
  return {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    env: { ...readCliEnv() },
    readStdin: () => readAll(process.stdin),
    promptPassword: (question) => promptHidden(question),
    prompt: (question) => promptLine(question),
    isInteractive: process.stdin.isTTY === true,
  };
}
