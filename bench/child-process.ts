import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, ParentMessage } from './process-protocol.js';

const STOP_TIMEOUT_MS = 15_000;

type MessageOf<T extends ChildMessage['type']> = Extract<ChildMessage, { type: T }>;

/**
 * A benchmark process (server-process.ts or verify-process.ts) driven over IPC. It runs plain
 * JavaScript (the build run.mjs made) with no flags: nothing in it differs from production.
 */
export class BenchChild {
  readonly #child: ChildProcess;
  readonly #inbox: ChildMessage[] = [];
  #waiter: ((message: ChildMessage) => void) | null = null;
  #exited: Error | null = null;
  #onExit: ((err: Error) => void) | null = null;

  /**
   * @param script a module next to this one (`./server-process.js`: run.mjs transpiled it).
   * @param cpu pin the process to this CPU (`taskset -c`), or null to let the OS place it.
   * @param nodeArgs extra Node.js flags (`--cpu-prof` with `--profile`); none by default.
   */
  constructor(script: string, cpu: string | null, nodeArgs: readonly string[] = []) {
    const file = fileURLToPath(new URL(script, import.meta.url));
    const node = [process.execPath, ...nodeArgs, file];
    const [command, ...args] = cpu === null ? node : ['taskset', '-c', cpu, ...node];
    this.#child = spawn(command as string, args, {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#child.on('message', (message: ChildMessage) => {
      const waiter = this.#waiter;
      if (waiter === null) this.#inbox.push(message);
      else {
        this.#waiter = null;
        waiter(message);
      }
    });
    this.#child.on('exit', (code, signal) => {
      this.#exited = new Error(`${script} exited (${signal ?? code})`);
      this.#onExit?.(this.#exited);
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  send(message: ParentMessage): void {
    this.#child.send(message);
  }

  /** The next message, which must be of `type` (a `failed` report rejects with its text). */
  async next<T extends ChildMessage['type']>(type: T): Promise<MessageOf<T>> {
    const message = await this.#receive();
    if (message.type === 'failed') throw new Error(`benchmark process failed: ${message.message}`);
    if (message.type !== type) throw new Error(`expected ${type}, got ${message.type}`);
    return message as MessageOf<T>;
  }

  #receive(): Promise<ChildMessage> {
    const queued = this.#inbox.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#exited !== null) return Promise.reject(this.#exited);
    return new Promise((resolve, reject) => {
      this.#waiter = resolve;
      this.#onExit = reject;
    });
  }

  /** Asks the process to stop cleanly; kills it (by pid) if it does not within 15 s. */
  async stop(): Promise<void> {
    if (this.#exited !== null) return;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    try {
      this.send({ type: 'stop' });
    } catch {
      this.#child.kill('SIGKILL');
    }
    await exited;
    clearTimeout(timer);
  }
}
