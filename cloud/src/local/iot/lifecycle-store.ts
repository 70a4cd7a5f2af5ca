import type { Database } from 'better-sqlite3';
import type { LifecycleVersionStore } from './lifecycle.js';

/**
 * Lifecycle version numbers in the local cloud's SQLite file, so that they keep rising
 * across restarts: a subscriber orders a client's events by them.
 */
export class SqliteLifecycleVersionStore implements LifecycleVersionStore {
  readonly #next: (clientId: string) => { version: number };

  constructor(db: Database) {
    db.exec(
      'CREATE TABLE IF NOT EXISTS iot_lifecycle_versions (client_id TEXT PRIMARY KEY, version INTEGER NOT NULL)',
    );
    const stmt = db.prepare<[string], { version: number }>(
      `INSERT INTO iot_lifecycle_versions (client_id, version) VALUES (?, 0)
       ON CONFLICT(client_id) DO UPDATE SET version = version + 1
       RETURNING version`,
    );
    this.#next = (clientId) => stmt.get(clientId)!;
  }

  next(clientId: string): number {
    return this.#next(clientId).version;
  }
}
