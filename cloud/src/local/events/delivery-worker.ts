import type { Clock } from '../queues/clock.js';
import { type BackoffOptions, backoffDelay } from './backoff.js';
import { TargetInvocationError } from './errors.js';
import type { Delivery } from './model.js';
import type { EventsStore } from './store.js';

/**
 * Deliveries one target (an ARN) may have in flight at once, of the worker's `concurrency`
 * (16 by default): a target that hangs (an HTTP endpoint that never answers holds each
 * attempt for its 5 s timeout) keeps half the slots, never every one, from the other
 * targets; half, not fewer, because a lone busy target gets no more per worker turn.
 */
export const MAX_IN_FLIGHT_PER_TARGET = 8;

/** Why a delivery left the retry loop without success. */
export type ExhaustedCondition = 'MaximumRetryAttempts' | 'MaximumEventAgeInSeconds' | undefined;

export interface DeliveryWorkerOptions {
  store: EventsStore;
  clock: Clock;
  random: () => number;
  backoff: BackoffOptions;
  /** Deliveries in flight at once. */
  concurrency: number;
  /** Delivers one attempt; throws (TargetInvocationError or anything) on failure. */
  attempt(delivery: Delivery): Promise<void>;
  delivered(delivery: Delivery): void;
  /** A failed attempt that will be retried at `nextAttemptAt`. */
  retrying(delivery: Delivery, error: TargetInvocationError, nextAttemptAt: number): void;
  /**
   * A delivery that failed for good; runs inside the store transaction that removes its row,
   * so the dead letter and the removal happen together.
   */
  exhausted(delivery: Delivery, error: TargetInvocationError, condition: ExhaustedCondition): void;
  /** A failure of the worker itself (store, listener): reported, never thrown. */
  onError?(err: unknown): void;
  /**
   * How long stop() waits for attempts in flight before leaving them to the next start.
   * @default 5000
   */
  stopGraceMs?: number;
}

/**
 * Drives pending deliveries: attempts each when due, retries with backoff under the target's
 * retry policy (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html),
 * and hands exhausted ones to the dead-letter step. Rows live in the store, so after a crash
 * `start()` resumes every delivery that had not succeeded.
 */
export class DeliveryWorker {
  readonly #o: DeliveryWorkerOptions;
  /** Attempts running, by delivery id, with their target's ARN (its share of the slots). */
  readonly #inFlight = new Map<string, { target: string; run: Promise<void> }>();
  /** Delivered, row not yet deleted: removed together in the next pump's transaction. */
  readonly #done = new Set<string>();
  #timer: unknown;
  #timerAt = Number.POSITIVE_INFINITY;
  #started = false;

  constructor(opts: DeliveryWorkerOptions) {
    this.#o = opts;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  start(): void {
    this.#started = true;
    this.kick();
  }

  /** Stops scheduling and waits for attempts in flight to settle. */
  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    this.#clearTimer();
    if (this.#inFlight.size > 0) {
      let grace: unknown;
      await Promise.race([
        Promise.allSettled([...this.#inFlight.values()].map((f) => f.run)),
        new Promise<void>((resolve) => {
          grace = this.#o.clock.setTimeout(resolve, this.#o.stopGraceMs ?? 5000);
        }),
      ]);
      this.#o.clock.clearTimeout(grace);
    }
    this.#flushDone();
  }

  /** New deliveries were written: look now. */
  kick(): void {
    this.#scheduleAt(this.#o.clock.now());
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  #scheduleAt(at: number): void {
    if (!this.#started || at >= this.#timerAt) return;
    this.#clearTimer();
    this.#timerAt = at;
    this.#timer = this.#o.clock.setTimeout(
      () => {
        this.#timer = undefined;
        this.#timerAt = Number.POSITIVE_INFINITY;
        this.#pump();
      },
      Math.max(0, at - this.#o.clock.now()),
    );
  }

  #pump(): void {
    if (!this.#started) {
      this.#flushDone();
      return;
    }
    try {
      this.#fill();
    } catch (err) {
      this.#o.onError?.(err);
    }
  }

  #fill(): void {
    const room = this.#o.concurrency - this.#inFlight.size;
    const delivered = [...this.#done];
    this.#done.clear();
    // The rows of the delivered go in the same transaction as the next attempts start in, so
    // the synchronous writes of local targets (a queue's message, a bus's event) commit
    // together with them. An attempt counts as done only once that commit happened
    // (`batch.committed`, checked after its first await). A rollback leaves the delivered
    // rows to be delivered again (at least once).
    const batch = { committed: false };
    let next: number | undefined;
    this.#o.store.transaction(() => {
      for (const id of delivered) this.#o.store.deleteDelivery(id);
      if (room <= 0) return;
      const busy = new Map([...this.#inFlight].map(([id, f]) => [id, f.target]));
      const claimed = this.#o.store.claimDeliveries(
        this.#o.clock.now(),
        room,
        busy,
        MAX_IN_FLIGHT_PER_TARGET,
      );
      next = claimed.nextAt;
      for (const d of claimed.due) {
        const run = this.#run(d, batch).finally(() => {
          this.#inFlight.delete(d.id);
          // A timer (0 ms) shared by every attempt settling meanwhile: one pump, one transaction.
          this.kick();
        });
        this.#inFlight.set(d.id, { target: d.target.arn, run });
      }
    });
    batch.committed = true;
    // A target at its cap is not looked at again until one of its attempts settles (kick).
    if (next !== undefined && this.#inFlight.size < this.#o.concurrency) this.#scheduleAt(next);
  }

  async #run(d: Delivery, batch: { committed: boolean }): Promise<void> {
    let error: TargetInvocationError | undefined;
    try {
      await this.#o.attempt(d);
    } catch (err) {
      error = asInvocationError(err);
    }
    if (!error && !batch.committed) {
      error = new TargetInvocationError('InternalFailure', 'the local store rolled the attempt back', true);
    }
    // Stopped meanwhile: leave the row as it is; the next start() delivers it again (at-least-once).
    if (!this.#started) return;
    try {
      if (error) this.#failed(d, error);
      else {
        // Deleted with the others that finish before the next pump, in one transaction.
        // A crash before it delivers this one again: at least once, as EventBridge.
        this.#done.add(d.id);
        this.#o.delivered(d);
      }
    } catch (err) {
      this.#o.onError?.(err);
    }
  }

  #flushDone(): void {
    if (this.#done.size === 0) return;
    const ids = [...this.#done];
    this.#done.clear();
    try {
      this.#o.store.transaction(() => {
        for (const id of ids) this.#o.store.deleteDelivery(id);
      });
    } catch (err) {
      this.#o.onError?.(err);
    }
  }

  #failed(d: Delivery, error: TargetInvocationError): void {
    const { store, clock, random, backoff } = this.#o;
    const attempts = d.attempts + 1;
    const now = clock.now();
    const policy = d.target.retryPolicy;
    const next = now + backoffDelay(attempts, backoff, random);
    let condition: ExhaustedCondition;
    if (attempts > policy.maximumRetryAttempts) condition = 'MaximumRetryAttempts';
    else if (next - d.ingestedAt > policy.maximumEventAgeInSeconds * 1000)
      condition = 'MaximumEventAgeInSeconds';
    const done: Delivery = { ...d, attempts, lastError: `${error.code}: ${error.message}` };
    if (!error.retryable || condition !== undefined) {
      store.transaction(() => {
        this.#o.exhausted(done, error, error.retryable ? condition : undefined);
        store.deleteDelivery(d.id);
      });
      return;
    }
    store.updateDelivery(d.id, attempts, next, done.lastError!);
    this.#o.retrying({ ...done, nextAttemptAt: next }, error, next);
  }
}

function asInvocationError(err: unknown): TargetInvocationError {
  if (err instanceof TargetInvocationError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new TargetInvocationError(err instanceof Error ? err.name : 'Error', message, true, { cause: err });
}
