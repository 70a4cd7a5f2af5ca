/** Options of withBackoff. */
export interface BackoffOptions {
  /** @default 8 */
  maxAttempts?: number;
  /** @default 200 */
  baseMs?: number;
  /** @default 10000 */
  capMs?: number;
  /** @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
  /** @default Math.random */
  random?: () => number;
}

/** IoT answers a request over its rate limit with ThrottlingException (HTTP 429). */
export function isThrottling(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    e?.name === 'ThrottlingException' ||
    e?.name === 'TooManyRequestsException' ||
    e?.$metadata?.httpStatusCode === 429
  );
}

/**
 * Run `fn`, retrying throttled calls with exponential backoff and full jitter
 * (https://aws.amazon.com/builders-library/timeouts-retries-and-backoff-with-jitter/).
 * Other errors are not retried.
 */
export async function withBackoff<T>(fn: () => Promise<T>, o: BackoffOptions = {}): Promise<T> {
  const max = o.maxAttempts ?? 8;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = o.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isThrottling(err) || attempt >= max) throw err;
      const ceiling = Math.min(o.capMs ?? 10_000, (o.baseMs ?? 200) * 2 ** (attempt - 1));
      await sleep(Math.floor(random() * ceiling));
    }
  }
}
