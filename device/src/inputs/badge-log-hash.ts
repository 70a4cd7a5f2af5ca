import { createHmac, randomBytes } from 'node:crypto';

/**
 * Made once per process: the tag is keyed so that a log reader cannot check guessed badge
 * ids against it (an RDM6300 id has 40 bits, few enough to try them all against an unkeyed
 * hash). The price: a tag matches reads of the same badge within one run of the agent only.
 */
const KEY = randomBytes(32);

/**
 * A short tag for a badge in logs, so two log lines of one run can be matched without the
 * id appearing in clear: 8 hex chars of HMAC-SHA256 under a random per-process key. Not a
 * reference (the core's HMAC with the badge secret is that), and not stable across restarts.
 */
export function badgeLogHash(badgeId: string): string {
  return createHmac('sha256', KEY).update(badgeId).digest('hex').slice(0, 8);
}
