/**
 * How long a connection must stay up before the reconnect backoff starts again from its
 * first step. Resetting on every CONNACK would retry about once a second for ever against
 * a broker that accepts and then drops the connection (IoT Core does so to a duplicate
 * client id or a policy violation). The CRT client's own default is the same 30 s.
 */
export const STABLE_CONNECTION_MS = 30_000;

/**
 * Exponential backoff with full jitter: sleep = random(0, min(max, initial * 2^attempt)).
 * Spreads a fleet's reconnects after a broker restart instead of having every door
 * retry at the same instant.
 * https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function fullJitterDelay(
  attempt: number,
  initialDelayMs: number,
  maxDelayMs: number,
  random: () => number = Math.random,
): number {
  return Math.floor(random() * exponentialDelay(attempt, initialDelayMs, maxDelayMs));
}

/** The wait before retry number `attempt` (0 for the first): initial * 2^attempt, at most max. */
export function exponentialDelay(attempt: number, initialDelayMs: number, maxDelayMs: number): number {
  return Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(attempt, 30));
}
