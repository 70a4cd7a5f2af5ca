import { exponentialDelay } from '../transport/backoff.js';

/**
 * How the inputs retry hardware that fails (a gpiomon that keeps dying, a GPIO line busy
 * at start): the wait doubles from `initialMs` to `maxMs`, and starts again from
 * `initialMs` only once a start has held for `stableMs`. A fixed short wait would raise
 * and clear a fault every few seconds for ever, and alert on each.
 */
export const INPUT_RETRY = { initialMs: 2_000, maxMs: 60_000, stableMs: 10_000 } as const;

/** The wait before retry number `attempt` (0 for the first), with the inputs' bounds by default. */
export function retryDelay(
  attempt: number,
  initialMs: number = INPUT_RETRY.initialMs,
  maxMs: number = INPUT_RETRY.maxMs,
): number {
  return exponentialDelay(attempt, initialMs, maxMs);
}
