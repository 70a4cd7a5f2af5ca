import type Database from 'better-sqlite3';

/**
 * The doors the dashboard learned from the ingest function (things that sent a device
 * event), in the local cloud's SQLite file: after a restart their tiles are back, offline
 * until they reconnect, where the registry does not know them (simulated doors, doors on
 * the plain MQTT port). One row per door, written once.
 */
export class SqliteKnownDoors {
  readonly #insert: (thingName: string, at: number) => void;
  readonly #all: () => string[];
  readonly #seen = new Set<string>();

  constructor(db: Database.Database) {
    db.exec(
      'CREATE TABLE IF NOT EXISTS dashboard_doors (thing_name TEXT PRIMARY KEY, first_seen INTEGER NOT NULL)',
    );
    const insert = db.prepare('INSERT OR IGNORE INTO dashboard_doors (thing_name, first_seen) VALUES (?, ?)');
    const all = db.prepare<[], { thing_name: string }>(
      'SELECT thing_name FROM dashboard_doors ORDER BY thing_name',
    );
    this.#insert = (name, at) => void insert.run(name, at);
    this.#all = () => all.all().map((r) => r.thing_name);
    for (const name of this.#all()) this.#seen.add(name);
  }

  /** Every door remembered, in name order. */
  all(): string[] {
    return this.#all();
  }

  has(thingName: string): boolean {
    return this.#seen.has(thingName);
  }

  /** Remember a door (no write when it is known already: this runs per device event). */
  add(thingName: string, at = Date.now()): void {
    if (this.#seen.has(thingName)) return;
    this.#seen.add(thingName);
    this.#insert(thingName, at);
  }
}
