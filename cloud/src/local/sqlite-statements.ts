import type { Database, Statement } from 'better-sqlite3';

/**
 * The hot-path helpers every local SQLite store wants: prepared statements cached by
 * their SQL (preparing dominated the pipeline's profile), and one reusable transaction
 * wrapper (db.transaction() per call built a new function each time).
 */
export class SqliteStatements {
  readonly #cache = new Map<string, Statement>();
  #tx: ((fn: () => unknown) => unknown) | undefined;

  constructor(private readonly db: Database) {}

  /** The prepared statement for `sql`, prepared on first use. */
  get(sql: string): Statement {
    let st = this.#cache.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.#cache.set(sql, st);
    }
    return st;
  }

  /**
   * Run `fn` in one transaction (one commit for many writes). A call inside an open
   * transaction joins it rather than opening a savepoint: a savepoint per nested call (a bus
   * event's PutEvents, ingest and queue send nest three deep) copied every page it touched to
   * a journal. A failure still rolls back the whole transaction: no caller here catches an
   * error inside one and goes on (PutEventsGroup catches only validation errors, thrown
   * before a request writes anything).
   */
  transaction<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    this.#tx ??= this.db.transaction((f: () => unknown) => f());
    return this.#tx(fn) as T;
  }
}
