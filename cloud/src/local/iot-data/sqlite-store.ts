import type { Database } from 'better-sqlite3';
import type { ShadowDocument } from './shadow-document.js';
import type { ShadowStore, StoredShadow } from './store.js';

interface Row {
  thing_name: string;
  shadow_name: string;
  document: string | null;
  version: number;
  updated_at: number;
  deleted_at: number | null;
}

/**
 * Shadows in the local cloud's SQLite file, so that they survive restarts (kill -9
 * included: each put is one statement in WAL mode). One row per shadow; a deleted shadow
 * keeps its row, with no document, for the version number a re-creation continues from.
 */
export class SqliteShadowStore implements ShadowStore {
  readonly #get;
  readonly #put;
  readonly #delete;
  readonly #list;

  constructor(db: Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS iot_shadows (
      thing_name TEXT NOT NULL,
      shadow_name TEXT NOT NULL,
      document TEXT,
      version INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      deleted_at INTEGER,
      PRIMARY KEY (thing_name, shadow_name)
    )`);
    this.#get = db.prepare<[string, string], Row>(
      'SELECT * FROM iot_shadows WHERE thing_name = ? AND shadow_name = ?',
    );
    this.#put = db.prepare<[string, string, string, number, number]>(
      `INSERT INTO iot_shadows (thing_name, shadow_name, document, version, updated_at, deleted_at)
       VALUES (?, ?, ?, ?, ?, NULL)
       ON CONFLICT (thing_name, shadow_name) DO UPDATE SET document = excluded.document,
         version = excluded.version, updated_at = excluded.updated_at, deleted_at = NULL`,
    );
    this.#delete = db.prepare<[number, number, string, string]>(
      `UPDATE iot_shadows SET document = NULL, updated_at = ?, deleted_at = ?
       WHERE thing_name = ? AND shadow_name = ?`,
    );
    this.#list = db.prepare<[string, string, number], { shadow_name: string }>(
      `SELECT shadow_name FROM iot_shadows
       WHERE thing_name = ? AND shadow_name > ? AND document IS NOT NULL
       ORDER BY shadow_name LIMIT ?`,
    );
  }

  get(thingName: string, shadowName: string): StoredShadow | undefined {
    const row = this.#get.get(thingName, shadowName);
    if (!row) return undefined;
    return {
      thingName: row.thing_name,
      shadowName: row.shadow_name,
      document: row.document === null ? undefined : (JSON.parse(row.document) as ShadowDocument),
      version: row.version,
      updatedAt: row.updated_at,
      ...(row.deleted_at === null ? {} : { deletedAt: row.deleted_at }),
    };
  }

  put(thingName: string, shadowName: string, document: ShadowDocument, at: number): void {
    this.#put.run(thingName, shadowName, JSON.stringify(document), document.version, at);
  }

  markDeleted(thingName: string, shadowName: string, at: number): void {
    this.#delete.run(at, at, thingName, shadowName);
  }

  listNamed(thingName: string, after: string | undefined, limit: number): string[] {
    // '' is the classic shadow, which sorts first: "after ''" leaves it out.
    return this.#list.all(thingName, after ?? '', limit).map((r) => r.shadow_name);
  }
}
