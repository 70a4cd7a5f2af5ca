import type { Database, Statement } from 'better-sqlite3';
import type { BadgeEntry } from './access-policy.js';
import type { SeedableBadgeDirectory } from './badge-directory.js';

interface Row {
  badge_ref: string;
  person_id: string;
  doors: string;
  hours: string;
  timezone: string;
}

/** The local badge directory, in the local cloud's SQLite file. */
export class SqliteBadgeDirectory implements SeedableBadgeDirectory {
  readonly #get: Statement<[string], Row>;
  readonly #replace: (entries: readonly BadgeEntry[]) => void;

  constructor(db: Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS badge_directory (
      badge_ref TEXT PRIMARY KEY, person_id TEXT NOT NULL, doors TEXT NOT NULL,
      hours TEXT NOT NULL, timezone TEXT NOT NULL)`);
    this.#get = db.prepare('SELECT * FROM badge_directory WHERE badge_ref = ?');
    const clear = db.prepare('DELETE FROM badge_directory');
    const insert = db.prepare<[Row]>(
      'INSERT INTO badge_directory (badge_ref, person_id, doors, hours, timezone) VALUES (@badge_ref, @person_id, @doors, @hours, @timezone)',
    );
    this.#replace = db.transaction((entries: readonly BadgeEntry[]) => {
      clear.run();
      for (const e of entries) {
        insert.run({
          badge_ref: e.badgeRef,
          person_id: e.personId,
          doors: JSON.stringify(e.doors),
          hours: JSON.stringify(e.hours),
          timezone: e.timezone,
        });
      }
    });
  }

  async lookup(badgeRef: string): Promise<BadgeEntry | undefined> {
    const row = this.#get.get(badgeRef);
    if (!row) return undefined;
    return {
      badgeRef: row.badge_ref,
      personId: row.person_id,
      doors: JSON.parse(row.doors),
      hours: JSON.parse(row.hours),
      timezone: row.timezone,
    };
  }

  async replaceAll(entries: readonly BadgeEntry[]): Promise<void> {
    this.#replace(entries);
  }
}
