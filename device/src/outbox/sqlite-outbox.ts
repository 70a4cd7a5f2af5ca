import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DeviceEventType } from '@smartdoor/shared';
import Database from 'better-sqlite3';
import { OutboxError } from '../core/errors.js';
import { BaseOutbox } from './base-outbox.js';
import type { OutboxEntry, OutboxOptions, OutboxWrite, RecoveredOutbox } from './types.js';

/**
 * The outbox in SQLite (better-sqlite3): WAL journal with synchronous=FULL, so every
 * committed append is fsync'd to the WAL before `append` returns. The event, its seq and
 * the seq counter are written in one transaction.
 * https://www.sqlite.org/pragma.html#pragma_synchronous
 */
export class SqliteOutbox extends BaseOutbox {
  #db: Database.Database | undefined;
  #stmts:
    | {
        insert: Database.Statement;
        evict: Database.Statement;
        setSeq: Database.Statement;
        remove: Database.Statement;
        read: Database.Statement;
      }
    | undefined;
  #writeTx: ((write: OutboxWrite) => void) | undefined;

  constructor(
    readonly path: string,
    options: OutboxOptions = {},
  ) {
    super(path, options);
  }

  get file(): string | undefined {
    return this.path === ':memory:' ? undefined : this.path;
  }

  protected async _open(): Promise<RecoveredOutbox> {
    try {
      if (this.path !== ':memory:') mkdirSync(dirname(this.path), { recursive: true });
      const db = new Database(this.path);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.exec(`
        CREATE TABLE IF NOT EXISTS outbox (
          seq INTEGER PRIMARY KEY,
          idempotency_key TEXT NOT NULL,
          type TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          payload TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
      `);
      this.#db = db;
      this.#stmts = {
        insert: db.prepare(
          'INSERT INTO outbox (seq, idempotency_key, type, created_at, payload) VALUES (?, ?, ?, ?, ?)',
        ),
        evict: db.prepare('DELETE FROM outbox WHERE seq = ?'),
        setSeq: db.prepare("INSERT OR REPLACE INTO meta (name, value) VALUES ('next_seq', ?)"),
        remove: db.prepare('DELETE FROM outbox WHERE seq = ?'),
        read: db.prepare(
          'SELECT seq, idempotency_key, type, created_at, payload FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?',
        ),
      };
      const stmts = this.#stmts;
      this.#writeTx = db.transaction((w: OutboxWrite) => {
        for (const seq of w.evict) stmts.evict.run(seq);
        const e = w.insert;
        stmts.insert.run(e.seq, e.idempotencyKey, e.type, e.createdAt, e.payload);
        stmts.setSeq.run(w.nextSeq);
      });
      const rows = db.prepare('SELECT seq, type, created_at FROM outbox ORDER BY seq').all() as Array<{
        seq: number;
        type: DeviceEventType;
        created_at: number;
      }>;
      const meta = db.prepare("SELECT value FROM meta WHERE name = 'next_seq'").get() as
        | { value: number }
        | undefined;
      const maxLive = rows.at(-1)?.seq ?? 0;
      return {
        entries: rows.map((r) => ({ seq: r.seq, type: r.type, createdAt: r.created_at })),
        nextSeq: Math.max(meta?.value ?? 1, maxLive + 1),
      };
    } catch (cause) {
      this.#db?.close();
      this.#db = undefined;
      throw new OutboxError('cannot open the SQLite outbox', this.path, { cause });
    }
  }

  protected async _close(): Promise<void> {
    this.#db?.close();
    this.#db = undefined;
    this.#stmts = undefined;
  }

  protected _write(write: OutboxWrite): void {
    this.#writeTx!(write);
  }

  protected _remove(seq: number): void {
    // A removal need not be fsync'd on its own (a lost one only resends the event under
    // the same key): synchronous=NORMAL for it, and the next append's FULL commit syncs
    // the WAL, removals included. Halves the fsyncs per event.
    const db = this.#db!;
    db.pragma('synchronous = NORMAL');
    try {
      this.#stmts!.remove.run(seq);
    } finally {
      db.pragma('synchronous = FULL');
    }
  }

  protected _read(afterSeq: number, limit: number): OutboxEntry[] {
    const rows = this.#stmts!.read.all(afterSeq, limit) as Array<{
      seq: number;
      idempotency_key: string;
      type: DeviceEventType;
      created_at: number;
      payload: string;
    }>;
    return rows.map((r) => ({
      seq: r.seq,
      idempotencyKey: r.idempotency_key,
      type: r.type,
      createdAt: r.created_at,
      payload: r.payload,
    }));
  }
}
