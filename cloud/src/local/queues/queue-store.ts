import type { Database } from 'better-sqlite3';
import { SqliteStatements } from '../sqlite-statements.js';
import type { QueueAttributes, QueueMessage } from './model.js';

/** Storage of the local queues. One implementation (SQLite); `:memory:` serves tests. */
export interface QueueStore {
  putQueue(name: string, attrs: QueueAttributes): void;
  getQueue(name: string): QueueAttributes | undefined;
  listQueues(): Array<{ name: string; attrs: QueueAttributes }>;
  insert(queue: string, msg: QueueMessage, visibleAt: number): void;
  /** Up to `max` messages visible at `now`, oldest first. */
  visible(queue: string, now: number, max: number): Array<QueueMessage & { receipt: string | null }>;
  /** Marks a message received: hidden until `visibleAt`, with a new receipt. */
  markReceived(messageId: string, receipt: string, visibleAt: number, receiveCount: number): void;
  byReceipt(queue: string, receipt: string): QueueMessage | undefined;
  setVisibleAt(messageId: string, visibleAt: number): void;
  move(messageId: string, toQueue: string, visibleAt: number, resetCount: boolean): void;
  delete(messageId: string): void;
  peekById(queue: string, messageId: string): boolean;
  depth(queue: string, now: number): { visible: number; inFlight: number };
  peek(queue: string, limit: number): QueueMessage[];
  purge(queue: string): number;
  /** Records why a consumer failed the message (kept through a move to the DLQ). */
  setLastError(messageId: string, error: string): void;
  /** Runs `fn` in one transaction (one commit for many writes); nests. */
  transaction<T>(fn: () => T): T;
}

interface Row {
  id: string;
  queue: string;
  body: string;
  attrs: string;
  sent_at: number;
  visible_at: number;
  receive_count: number;
  receipt: string | null;
  last_error: string | null;
}

const NO_ATTRIBUTES = '{}';

const toMessage = (r: Row): QueueMessage => {
  const m: QueueMessage = {
    messageId: r.id,
    body: r.body,
    // Most messages have none: skip the parse.
    attributes: r.attrs === NO_ATTRIBUTES ? {} : (JSON.parse(r.attrs) as Record<string, string>),
    sentAt: r.sent_at,
    receiveCount: r.receive_count,
  };
  if (r.last_error !== null && r.last_error !== undefined) m.lastError = r.last_error;
  return m;
};

/** Queues in SQLite (better-sqlite3): messages survive restarts; WAL is set by whoever opens the file. */
export class SqliteQueueStore implements QueueStore {
  constructor(db: Database) {
    this.#sql = new SqliteStatements(db);
    db.exec(`
      CREATE TABLE IF NOT EXISTS q_queues (name TEXT PRIMARY KEY, attrs TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS q_messages (
        id TEXT PRIMARY KEY, queue TEXT NOT NULL, body TEXT NOT NULL, attrs TEXT NOT NULL,
        sent_at INTEGER NOT NULL, visible_at INTEGER NOT NULL, receive_count INTEGER NOT NULL DEFAULT 0,
        receipt TEXT, seq INTEGER);
      CREATE INDEX IF NOT EXISTS q_messages_due ON q_messages (queue, visible_at, seq);
      DROP INDEX IF EXISTS q_messages_visible;
      CREATE INDEX IF NOT EXISTS q_messages_order ON q_messages (queue, seq);
      CREATE INDEX IF NOT EXISTS q_messages_receipt ON q_messages (receipt);
    `);
    const columns = db.prepare('PRAGMA table_info(q_messages)').all() as Array<{ name: string }>;
    if (!columns.some((c) => c.name === 'last_error'))
      db.exec('ALTER TABLE q_messages ADD COLUMN last_error TEXT');
    // The next seq is counted here instead of by MAX(seq) per insert (a scan of the table).
    // One store owns the queues of its file (the local cloud opens one LocalQueues per db).
    this.#seq = (db.prepare('SELECT COALESCE(MAX(seq), 0) AS n FROM q_messages').get() as { n: number }).n;
  }

  #seq: number;

  readonly #sql: SqliteStatements;

  transaction<T>(fn: () => T): T {
    return this.#sql.transaction(fn);
  }

  putQueue(name: string, attrs: QueueAttributes): void {
    this.#sql
      .get('INSERT OR REPLACE INTO q_queues (name, attrs) VALUES (?, ?)')
      .run(name, JSON.stringify(attrs));
  }

  getQueue(name: string): QueueAttributes | undefined {
    const row = this.#sql.get('SELECT attrs FROM q_queues WHERE name = ?').get(name) as
      | { attrs: string }
      | undefined;
    return row ? (JSON.parse(row.attrs) as QueueAttributes) : undefined;
  }

  listQueues(): Array<{ name: string; attrs: QueueAttributes }> {
    const rows = this.#sql.get('SELECT name, attrs FROM q_queues ORDER BY name').all() as Array<{
      name: string;
      attrs: string;
    }>;
    return rows.map((r) => ({ name: r.name, attrs: JSON.parse(r.attrs) as QueueAttributes }));
  }

  insert(queue: string, msg: QueueMessage, visibleAt: number): void {
    this.#sql
      .get(
        `INSERT INTO q_messages (id, queue, body, attrs, sent_at, visible_at, receive_count, seq)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        msg.messageId,
        queue,
        msg.body,
        JSON.stringify(msg.attributes),
        msg.sentAt,
        visibleAt,
        msg.receiveCount,
        ++this.#seq,
      );
  }

  visible(queue: string, now: number, max: number): Array<QueueMessage & { receipt: string | null }> {
    // Due first, then sent first: read straight off q_messages_due. ORDER BY seq alone sorted
    // every visible message on each receive, which grew with the backlog. (SQS standard
    // queues promise no order anyway.)
    const rows = this.#sql
      .get('SELECT * FROM q_messages WHERE queue = ? AND visible_at <= ? ORDER BY visible_at, seq LIMIT ?')
      .all(queue, now, max) as Row[];
    return rows.map((r) => ({ ...toMessage(r), receipt: r.receipt }));
  }

  markReceived(messageId: string, receipt: string, visibleAt: number, receiveCount: number): void {
    this.#sql
      .get('UPDATE q_messages SET receipt = ?, visible_at = ?, receive_count = ? WHERE id = ?')
      .run(receipt, visibleAt, receiveCount, messageId);
  }

  byReceipt(queue: string, receipt: string): QueueMessage | undefined {
    const row = this.#sql
      .get('SELECT * FROM q_messages WHERE queue = ? AND receipt = ?')
      .get(queue, receipt) as Row | undefined;
    return row ? toMessage(row) : undefined;
  }

  setVisibleAt(messageId: string, visibleAt: number): void {
    this.#sql.get('UPDATE q_messages SET visible_at = ? WHERE id = ?').run(visibleAt, messageId);
  }

  move(messageId: string, toQueue: string, visibleAt: number, resetCount: boolean): void {
    this.#sql
      .get(
        `UPDATE q_messages SET queue = ?, visible_at = ?, receipt = NULL,
         receive_count = CASE WHEN ? THEN 0 ELSE receive_count END WHERE id = ?`,
      )
      .run(toQueue, visibleAt, resetCount ? 1 : 0, messageId);
  }

  setLastError(messageId: string, error: string): void {
    this.#sql.get('UPDATE q_messages SET last_error = ? WHERE id = ?').run(error, messageId);
  }

  delete(messageId: string): void {
    this.#sql.get('DELETE FROM q_messages WHERE id = ?').run(messageId);
  }

  peekById(queue: string, messageId: string): boolean {
    return (
      this.#sql.get('SELECT 1 FROM q_messages WHERE queue = ? AND id = ?').get(queue, messageId) !== undefined
    );
  }

  depth(queue: string, now: number): { visible: number; inFlight: number } {
    const row = this.#sql
      .get(
        `SELECT SUM(CASE WHEN visible_at <= ? THEN 1 ELSE 0 END) AS visible,
                SUM(CASE WHEN visible_at > ? THEN 1 ELSE 0 END) AS inFlight
         FROM q_messages WHERE queue = ?`,
      )
      .get(now, now, queue) as { visible: number | null; inFlight: number | null };
    return { visible: row.visible ?? 0, inFlight: row.inFlight ?? 0 };
  }

  peek(queue: string, limit: number): QueueMessage[] {
    const rows = this.#sql
      .get('SELECT * FROM q_messages WHERE queue = ? ORDER BY seq LIMIT ?')
      .all(queue, limit) as Row[];
    return rows.map(toMessage);
  }

  purge(queue: string): number {
    return this.#sql.get('DELETE FROM q_messages WHERE queue = ?').run(queue).changes;
  }
}
