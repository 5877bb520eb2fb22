/** The environment variables configuration reads (`process.env`, or a test's object). */
export type Env = Readonly<Record<string, string | undefined>>;

/** An environment variable's value; unset and empty both mean "not given". */
export function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value === '' ? null : value;
}
