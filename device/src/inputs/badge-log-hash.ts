import { createHash } from 'node:crypto';

/**
 * A short, stable tag for a badge in logs, so two log lines can be matched without the
 * id appearing in clear. Not a secret reference (the core's HMAC is that): 8 hex chars.
 */
export function badgeLogHash(badgeId: string): string {
  return createHash('sha256').update(badgeId).digest('hex').slice(0, 8);
}
