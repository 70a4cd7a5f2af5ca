import { type Clock, monotonicNow, type TimerHandle } from '../core/clock.js';

/**
 * A token bucket that hands out tokens in FIFO order. Used to stay under IoT Core's
 * "100 publish requests per second per connection". Refill is measured on the monotonic
 * clock: on the wall clock, NTP setting it back an hour would stop publishing for an hour.
 * https://docs.aws.amazon.com/general/latest/gr/iot-core.html#message-broker-limits
 */
export class TokenBucket {
  #tokens: number;
  #last: number;
  #waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  #timer: TimerHandle | undefined;

  constructor(
    readonly ratePerSecond: number,
    readonly capacity: number,
    private readonly clock: Clock,
  ) {
    this.#tokens = capacity;
    this.#last = monotonicNow(clock);
  }

  /** Resolves when a token is available (at once when one is). */
  take(): Promise<void> {
    this.#refill();
    if (this.#waiters.length === 0 && this.#tokens >= 1) {
      this.#tokens -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      this.#schedule();
    });
  }

  /** Reject everyone waiting (e.g. on disconnect). */
  cancel(error: Error): void {
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const w of this.#waiters.splice(0)) w.reject(error);
  }

  #refill(): void {
    const now = monotonicNow(this.clock);
    const elapsed = Math.max(0, now - this.#last);
    this.#tokens = Math.min(this.capacity, this.#tokens + (elapsed * this.ratePerSecond) / 1000);
    this.#last = now;
  }

  #schedule(): void {
    if (this.#timer !== undefined) return;
    const wait = Math.max(1, Math.ceil(((1 - this.#tokens) * 1000) / this.ratePerSecond));
    this.#timer = this.clock.setTimeout(() => {
      this.#timer = undefined;
      this.#refill();
      while (this.#waiters.length > 0 && this.#tokens >= 1) {
        this.#tokens -= 1;
        this.#waiters.shift()!.resolve();
      }
      if (this.#waiters.length > 0) this.#schedule();
    }, wait);
  }
}
