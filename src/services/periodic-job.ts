/**
 * Runs a job every `intervalMs` (unref'd timer), never two runs at once; `runNow()` for tests and
 * shutdown. Errors go to `onError` and the next tick tries again.
 */
export class PeriodicJob {
  readonly #timer: NodeJS.Timeout;
  #running: Promise<void> = Promise.resolve();

  constructor(
    private readonly job: () => Promise<unknown>,
    intervalMs: number,
    private readonly onError: (err: unknown) => void = () => {},
  ) {
    this.#timer = setInterval(() => void this.runNow(), intervalMs);
    this.#timer.unref();
  }

  runNow(): Promise<void> {
    this.#running = this.#running.then(() => this.job().then(() => undefined, this.onError));
    return this.#running;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }
}
