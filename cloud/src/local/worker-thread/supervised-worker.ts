import type { EventLoopUtilization } from 'node:perf_hooks';
import { type StartedWorker, WorkerExitedError, type WorkerRequest } from './worker-calls.js';

/**
 * The call was refused because the worker was stopped (or is stopping): it never reached
 * the worker, so its caller may put its work back as it was.
 */
export class WorkerStoppedError extends WorkerExitedError {
  override name = 'WorkerStoppedError';
}

/** No worker answered in time: it crashed and its restart has not finished. */
export class WorkerUnavailableError extends Error {
  override name = 'WorkerUnavailableError';
}

export interface SupervisedWorkerOptions<Req extends WorkerRequest> {
  /** Starts the worker (again): `startWorker(...)` with the same module and data. */
  start: () => Promise<StartedWorker<Req, unknown>>;
  /** Names the thread in errors ("the subscriber thread"). */
  label: string;
  /** Told of each crash, before the restart that follows it `delayMs` later. */
  onCrash?: (crash: { error: Error; restarts: number; delayMs: number }) => void;
  /** Told when a restart brought the worker back. */
  onRestarted?: (restarts: number) => void;
  /**
   * Delay before a restart: doubles per crash in a row, from `baseMs` up to `maxMs`; a
   * worker that ran for `stableMs` resets it.
   * @default { baseMs: 500, maxMs: 30_000, stableMs: 60_000 }
   */
  backoff?: { baseMs?: number; maxMs?: number; stableMs?: number };
}

/**
 * A worker thread that is started again when it crashes, as Lambda replaces a failed
 * execution environment. Calls made while it is down wait for the restart (up to their
 * `waitMs`); calls in flight when it crashed fail with {@link WorkerExitedError}, so their
 * callers retry (an SQS message comes back after its visibility timeout).
 */
export class SupervisedWorker<Req extends WorkerRequest> {
  readonly #o: SupervisedWorkerOptions<Req>;
  #current: Promise<StartedWorker<Req, unknown>>;
  /** The running worker; undefined while a restart is under way. */
  #live: StartedWorker<Req, unknown> | undefined;
  /** Fails the calls waiting for a restart, when stopped meanwhile. */
  #abandon: ((e: Error) => void) | undefined;
  #stopped = false;
  #restarts = 0;
  #crashesInARow = 0;
  #timer: NodeJS.Timeout | undefined;

  private constructor(options: SupervisedWorkerOptions<Req>, first: StartedWorker<Req, unknown>) {
    this.#o = options;
    this.#current = Promise.resolve(first);
    this.#live = first;
    this.#watch(first);
  }

  /** Starts the worker; a failure to start the first time is thrown (there is nothing to keep). */
  static async start<Req extends WorkerRequest>(
    options: SupervisedWorkerOptions<Req>,
  ): Promise<SupervisedWorker<Req>> {
    return new SupervisedWorker(options, await options.start());
  }

  /** Restarts so far. */
  get restarts(): number {
    return this.#restarts;
  }

  /** The running thread's event loop utilization since it started; undefined while it restarts. */
  utilization(): EventLoopUtilization | undefined {
    return this.#live?.utilization();
  }

  /** Calls the worker, waiting up to `waitMs` for it when a restart is under way. */
  async call<T>(request: Req, waitMs = 30_000): Promise<T> {
    if (this.#stopped) throw new WorkerStoppedError(`${this.#o.label} was stopped`);
    // The usual case, on every invocation: no timer, no race.
    if (this.#live) return this.#live.call<T>(request);
    let timer: NodeJS.Timeout | undefined;
    const worker = await Promise.race([
      this.#current,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new WorkerUnavailableError(`${this.#o.label} is restarting after a crash`)),
          waitMs,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    return worker.call<T>(request);
  }

  /** Stops the worker; a restart under way is abandoned (a start in progress is stopped when it ends). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#abandon?.(new WorkerStoppedError(`${this.#o.label} was stopped`));
    await this.#live?.stop();
  }

  #watch(worker: StartedWorker<Req, unknown>): void {
    const startedAt = Date.now();
    void worker.exited.then((error) => {
      if (this.#stopped) return;
      const { baseMs = 500, maxMs = 30_000, stableMs = 60_000 } = this.#o.backoff ?? {};
      if (Date.now() - startedAt >= stableMs) this.#crashesInARow = 0;
      this.#crashesInARow++;
      this.#live = undefined;
      this.#current = new Promise((resolve, reject) => {
        this.#abandon = reject;
        this.#restart(error, baseMs, maxMs, resolve);
      });
      // Calls that wait on it handle its rejection; this only keeps it from being unhandled.
      this.#current.catch(() => {});
    });
  }

  #restart(
    error: Error,
    baseMs: number,
    maxMs: number,
    resolve: (w: StartedWorker<Req, unknown>) => void,
  ): void {
    const delayMs = Math.min(maxMs, baseMs * 2 ** (this.#crashesInARow - 1));
    this.#o.onCrash?.({ error, restarts: this.#restarts, delayMs });
    this.#timer = setTimeout(async () => {
      if (this.#stopped) return;
      try {
        const next = await this.#o.start();
        this.#restarts++;
        if (this.#stopped) {
          await next.stop();
          return;
        }
        this.#live = next;
        this.#abandon = undefined;
        this.#watch(next);
        resolve(next);
        this.#o.onRestarted?.(this.#restarts);
      } catch (startError) {
        this.#crashesInARow++;
        this.#restart(
          startError instanceof Error ? startError : new Error(String(startError)),
          baseMs,
          maxMs,
          resolve,
        );
      }
    }, delayMs);
    this.#timer.unref();
  }
}
