import { writeFileSync } from 'node:fs';

/** The simulated fleet's badge secret (UTF-8 text, as the agent and the seed both read it). */
export const SIM_BADGE_SECRET = 'smartdoor-simulator-badge-secret';

const PEOPLE = [
  'alice',
  'bob',
  'carol',
  'dave',
  'erin',
  'frank',
  'grace',
  'heidi',
  'ivan',
  'judy',
  'mallory',
  'niaj',
];

export interface SimBadge {
  badgeId: string;
  personId: string;
}

/** Known badges: 10 hex digits like an RDM6300 id; people allowed at every door, any hour. */
export function knownBadges(count = 12): SimBadge[] {
  return Array.from({ length: count }, (_, i) => ({
    badgeId: `0A${(0x1000 + i).toString(16).toUpperCase().padStart(8, '0')}`,
    personId: i < PEOPLE.length ? PEOPLE[i]! : `person-${i + 1}`,
  }));
}

/**
 * Write the badge directory seed the identification subscriber reads (`--badges FILE`,
 * JSON form with raw ids and the secret: cloud/src/handlers/README.md).
 */
export function writeBadgeSeed(path: string, badges: readonly SimBadge[], secret = SIM_BADGE_SECRET): void {
  writeFileSync(path, `${JSON.stringify({ badgeSecret: secret, badges }, null, 2)}\n`, { mode: 0o600 });
}
