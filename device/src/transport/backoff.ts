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
  const ceiling = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
