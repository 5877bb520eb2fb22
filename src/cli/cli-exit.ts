/**
 * How the CLI ends. Every non-zero outcome is a thrown `CliExit` carrying the exit code; the
 * message has already been written to stderr by the time it is thrown, so whoever catches it
 * (`runCli`, or a test) only sets the code. Success is a normal return (exit code 0).
 */

export const EXIT_OK = 0;
/** The API answered with an error, or the network failed. */
export const EXIT_FAILURE = 1;
/** The command line was wrong (unknown option, missing argument, bad value). */
export const EXIT_USAGE = 2;

export class CliExit extends Error {
  readonly exitCode: number;

  constructor(exitCode: number, message = `exit ${exitCode}`) {
    super(message);
    this.name = 'CliExit';
    this.exitCode = exitCode;
  }
}

export function isCliExit(err: unknown): err is CliExit {
  return err instanceof CliExit;
}

/**
 * A wrong command line detected by our own checks (after commander parsed it). Thrown from option
 * parsers and actions; the program prints `error: <message>` and exits with EXIT_USAGE.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
