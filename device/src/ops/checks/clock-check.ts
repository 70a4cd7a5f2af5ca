import { type CheckResult, fail, ok, warn } from './check-result.js';

/** A Pi without a real-time clock boots in the past until NTP answers; TLS then fails. */
export const MIN_SANE_YEAR = 2024;

/**
 * The clock: a year before 2024 fails (certificates would look not yet valid). When the
 * broker's certificate validity is known, a clock outside it warns: it is more likely the
 * clock than the broker.
 */
export function checkClock(now: Date, peerValidity?: { from: Date; to: Date }): CheckResult {
  const iso = now.toISOString();
  if (now.getUTCFullYear() < MIN_SANE_YEAR) {
    return fail('clock', `${iso} is before ${MIN_SANE_YEAR}: is NTP running? (timedatectl status)`);
  }
  if (!peerValidity) return ok('clock', `${iso} (not compared with the broker)`);
  if (now < peerValidity.from) {
    return warn(
      'clock',
      `${iso} is before the broker certificate's start ${peerValidity.from.toISOString()}: clock behind?`,
    );
  }
  if (now > peerValidity.to) {
    return warn(
      'clock',
      `${iso} is after the broker certificate's end ${peerValidity.to.toISOString()}: clock ahead?`,
    );
  }
  return ok('clock', `${iso}, within the broker certificate's validity`);
}
