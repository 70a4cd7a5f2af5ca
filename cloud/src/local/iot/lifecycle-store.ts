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

/** A retained message, as the broker keeps it. */
export interface RetainedMessage {
  topic: string;
  payload: Buffer;
  qos: 0 | 1;
}

/** Where retained messages survive a restart (IoT Core keeps them until an empty payload clears them). */
export interface RetainedStore {
  put(message: RetainedMessage): void;
  delete(topic: string): void;
  all(): RetainedMessage[];
}

export class SqliteRetainedStore implements RetainedStore {
  readonly #put: (topic: string, payload: Buffer, qos: number) => void;
  readonly #delete: (topic: string) => void;
  readonly #all: () => Array<{ topic: string; payload: Buffer; qos: number }>;

  constructor(db: Database) {
    db.exec(
      'CREATE TABLE IF NOT EXISTS iot_retained (topic TEXT PRIMARY KEY, payload BLOB NOT NULL, qos INTEGER NOT NULL)',
    );
    const put = db.prepare(
      'INSERT INTO iot_retained (topic, payload, qos) VALUES (?, ?, ?) ON CONFLICT(topic) DO UPDATE SET payload = excluded.payload, qos = excluded.qos',
    );
    const del = db.prepare('DELETE FROM iot_retained WHERE topic = ?');
    const all = db.prepare<[], { topic: string; payload: Buffer; qos: number }>(
      'SELECT topic, payload, qos FROM iot_retained ORDER BY topic',
    );
    this.#put = (t, p, q) => void put.run(t, p, q);
    this.#delete = (t) => void del.run(t);
    this.#all = () => all.all();
  }

  put(message: RetainedMessage): void {
    this.#put(message.topic, message.payload, message.qos);
  }

  delete(topic: string): void {
    this.#delete(topic);
  }

  all(): RetainedMessage[] {
    return this.#all().map((r) => ({ topic: r.topic, payload: r.payload, qos: r.qos === 1 ? 1 : 0 }));
  }
}
