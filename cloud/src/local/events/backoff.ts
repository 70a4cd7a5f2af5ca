/** Backoff settings for target retries. */
export interface BackoffOptions {
  /**
   * Delay before the first retry, before jitter; tests scale it down.
   * @default 1000
   */
  baseMs?: number;
  /**
   * Ceiling of one delay.
   * @default 300000 (5 min)
   */
  maxMs?: number;
}

/**
 * Delay before retry number `attempt` (1 = first retry): exponential with "equal jitter",
 * so retries spread out but never collapse to zero. EventBridge documents "exponential
 * back off and jitter, or randomized delay" (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html).
 */
export function backoffDelay(attempt: number, opts: BackoffOptions, random: () => number): number {
  const base = opts.baseMs ?? 1000;
  const max = opts.maxMs ?? 300_000;
  const exp = Math.min(max, base * 2 ** Math.min(attempt - 1, 30));
  return Math.round(exp / 2 + random() * (exp / 2));
}
