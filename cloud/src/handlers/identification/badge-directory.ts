import type { BadgeEntry } from './access-policy.js';

/** Badge references to people, doors and hours. DynamoDB on AWS, SQLite locally. */
export interface BadgeDirectory {
  /** The entry for a reference, or undefined when the badge is unknown. Throws when the store fails. */
  lookup(badgeRef: string): Promise<BadgeEntry | undefined>;
}

/** A directory that can be (re)seeded: the local one. */
export interface SeedableBadgeDirectory extends BadgeDirectory {
  /** Replace the whole directory with these entries. */
  replaceAll(entries: readonly BadgeEntry[]): Promise<void>;
}

export class MemoryBadgeDirectory implements SeedableBadgeDirectory {
  readonly #entries = new Map<string, BadgeEntry>();

  constructor(entries: readonly BadgeEntry[] = []) {
    for (const e of entries) this.#entries.set(e.badgeRef, structuredClone(e));
  }

  async lookup(badgeRef: string): Promise<BadgeEntry | undefined> {
    const e = this.#entries.get(badgeRef);
    return e && structuredClone(e);
  }

  async replaceAll(entries: readonly BadgeEntry[]): Promise<void> {
    this.#entries.clear();
    for (const e of entries) this.#entries.set(e.badgeRef, structuredClone(e));
  }
}
