import type { Database } from 'better-sqlite3';
import { SqliteStatements } from '../sqlite-statements.js';
import { decodeAttributes, encodeAttributes } from './message-attributes.js';
import { MESSAGE_RETENTION, type QueueAttributes, type QueueMessage } from './model.js';

/**
 * A stored message with its row key. The key is internal: receipts carry it so a delete
 * finds its row by primary key (see {@link receiptFor}).
 */
export type StoredMessage = QueueMessage & { key: number; receipt: string | null };

/** Storage of the local queues. One implementation (SQLite); `:memory:` serves tests. */
export interface QueueStore {
  putQueue(name: string, attrs: QueueAttributes): void;
  getQueue(name: string): QueueAttributes | undefined;
  listQueues(): Array<{ name: string; attrs: QueueAttributes }>;
  insert(queue: string, msg: QueueMessage, visibleAt: number): void;
  /** Up to `max` messages visible at `now`, oldest first. */
  visible(queue: string, now: number, max: number): StoredMessage[];
  /** Marks a message received: hidden until `visibleAt`, with a new receipt. */
  markReceived(key: number, receipt: string, visibleAt: number, receiveCount: number): void;
  byReceipt(queue: string, receipt: string): StoredMessage | undefined;
  /** Deletes the message this receipt (still) names; returns whether there was one. */
  deleteByReceipt(queue: string, receipt: string): boolean;
  /**
   * Undoes the receive this receipt (still) names: visible at `visibleAt`, its receive count
   * as before, the receipt void. Returns whether there was one.
   */
  releaseByReceipt(queue: string, receipt: string, visibleAt: number): boolean;
  /** The message with this SQS message id in `queue` (a scan of that queue: dashboard use only). */
  byMessageId(queue: string, messageId: string): StoredMessage | undefined;
  setVisibleAt(key: number, visibleAt: number): void;
  move(key: number, toQueue: string, visibleAt: number, resetCount: boolean): void;
  delete(key: number): void;
  /**
   * Messages visible at `now` and hidden (in flight or delayed). Approximate, as SQS's
   * ApproximateNumberOfMessages: a large queue's count may be a few seconds old.
   */
  depth(queue: string, now: number): { visible: number; inFlight: number };
  /** The queue's oldest `limit` messages sent at or after `sentFrom`, in sent order. */
  peek(queue: string, limit: number, sentFrom?: number): StoredMessage[];
  purge(queue: string): number;
  /** Deletes the queue's messages sent before `sentBefore` (past its retention); returns how many. */
  deleteSentBefore(queue: string, sentBefore: number): number;
  /** Records why a consumer failed the message (kept through a move to the DLQ). */
  setLastError(key: number, error: string): void;
  /** Runs `fn` in one transaction (one commit for many writes); nests. */
  transaction<T>(fn: () => T): T;
}

interface Row {
  seq: number;
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

const toMessage = (r: Row): StoredMessage => {
  // Most messages have none: skip the parse.
  const attrs = r.attrs === NO_ATTRIBUTES ? { values: {} } : decodeAttributes(JSON.parse(r.attrs));
  const m: StoredMessage = {
    key: r.seq,
    messageId: r.id,
    body: r.body,
    attributes: attrs.values,
    sentAt: r.sent_at,
    receiveCount: r.receive_count,
    receipt: r.receipt,
  };
  if (attrs.types) m.attributeTypes = attrs.types;
  if (r.last_error !== null && r.last_error !== undefined) m.lastError = r.last_error;
  return m;
};

/**
 * A receipt handle for a message row: its key, then a fresh random part. Opaque to SQS
 * clients; it lets a delete find the row by primary key, so the table needs no index on
 * receipts. The random part makes an old receipt useless once the message is received again.
 */
export function receiptFor(key: number, random: string): string {
  return `${key}.${random}`;
}

function keyOfReceipt(receipt: string): number | undefined {
  const dot = receipt.indexOf('.');
  const key = dot > 0 ? Number(receipt.slice(0, dot)) : Number.NaN;
  return Number.isSafeInteger(key) ? key : undefined;
}

// One index: (queue, visible_at), with the rowid (seq) after it. Receives read it in order,
// and every other lookup goes by rowid. Each message is written several times (insert,
// receive, delete), and an index costs a B-tree write each time: the table had four before.
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS q_messages (
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL, queue TEXT NOT NULL, body TEXT NOT NULL,
    attrs TEXT NOT NULL, sent_at INTEGER NOT NULL, visible_at INTEGER NOT NULL,
    receive_count INTEGER NOT NULL DEFAULT 0, receipt TEXT, last_error TEXT);
  CREATE INDEX IF NOT EXISTS q_messages_due ON q_messages (queue, visible_at);
`;

/** A depth count of more messages than this is reused for a while (see depth). */
const DEPTH_MEMO_FROM_MESSAGES = 10_000;

/** A queue's stored attributes; those of earlier versions lack the retention (the default then). */
function parseAttributes(text: string): QueueAttributes {
  const stored = JSON.parse(text) as Omit<QueueAttributes, 'messageRetentionSeconds'> &
    Partial<QueueAttributes>;
  return { messageRetentionSeconds: MESSAGE_RETENTION.defaultSeconds, ...stored };
}

/** Queues in SQLite (better-sqlite3): messages survive restarts; WAL is set by whoever opens the file. */
export class SqliteQueueStore implements QueueStore {
  /**
   * @param options.depthMemoFromMessages A depth count of more messages than this is answered
   * again for a while (see depth); tests set it. @default 10000
   */
  constructor(db: Database, options: { depthMemoFromMessages?: number } = {}) {
    this.#depthMemoFromMessages = options.depthMemoFromMessages ?? DEPTH_MEMO_FROM_MESSAGES;
    this.#sql = new SqliteStatements(db);
    db.exec('CREATE TABLE IF NOT EXISTS q_queues (name TEXT PRIMARY KEY, attrs TEXT NOT NULL);');
    migrateFromIdKeyedTable(db);
    db.exec(SCHEMA);
  }

  readonly #sql: SqliteStatements;
  readonly #depthMemoFromMessages: number;
  /** Depths of large queues, answered again until `until` (performance.now()). */
  readonly #depths = new Map<string, { until: number; value: { visible: number; inFlight: number } }>();
  /**
   * Queue attributes as last read, frozen: every send and receive reads them. Emptied by
   * any write of them and by any failed transaction (which may have rolled one back).
   */
  readonly #attrs = new Map<string, Readonly<QueueAttributes>>();

  transaction<T>(fn: () => T): T {
    try {
      return this.#sql.transaction(fn);
    } catch (error) {
      this.#attrs.clear();
      throw error;
    }
  }

  putQueue(name: string, attrs: QueueAttributes): void {
    this.#attrs.clear();
    this.#sql
      .get('INSERT OR REPLACE INTO q_queues (name, attrs) VALUES (?, ?)')
      .run(name, JSON.stringify(attrs));
  }

  getQueue(name: string): QueueAttributes | undefined {
    if (this.#attrs.has(name)) return this.#attrs.get(name);
    const row = this.#sql.get('SELECT attrs FROM q_queues WHERE name = ?').get(name) as
      | { attrs: string }
      | undefined;
    if (!row) return undefined; // not cached: unknown names would grow the map
    const attrs = Object.freeze(parseAttributes(row.attrs));
    this.#attrs.set(name, attrs);
    return attrs;
  }

  listQueues(): Array<{ name: string; attrs: QueueAttributes }> {
    const rows = this.#sql.get('SELECT name, attrs FROM q_queues ORDER BY name').all() as Array<{
      name: string;
      attrs: string;
    }>;
    return rows.map((r) => ({ name: r.name, attrs: parseAttributes(r.attrs) }));
  }

  insert(queue: string, msg: QueueMessage, visibleAt: number): void {
    this.#sql
      .get(
        `INSERT INTO q_messages (id, queue, body, attrs, sent_at, visible_at, receive_count)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        msg.messageId,
        queue,
        msg.body,
        JSON.stringify(encodeAttributes(msg.attributes, msg.attributeTypes)),
        msg.sentAt,
        visibleAt,
        msg.receiveCount,
      );
  }

  visible(queue: string, now: number, max: number): StoredMessage[] {
    // Due first, then sent first: read straight off q_messages_due. (SQS standard queues
    // promise no order anyway.)
    const rows = this.#sql
      .get('SELECT * FROM q_messages WHERE queue = ? AND visible_at <= ? ORDER BY visible_at, seq LIMIT ?')
      .all(queue, now, max) as Row[];
    return rows.map(toMessage);
  }

  markReceived(key: number, receipt: string, visibleAt: number, receiveCount: number): void {
    this.#sql
      .get('UPDATE q_messages SET receipt = ?, visible_at = ?, receive_count = ? WHERE seq = ?')
      .run(receipt, visibleAt, receiveCount, key);
  }

  byReceipt(queue: string, receipt: string): StoredMessage | undefined {
    const key = keyOfReceipt(receipt);
    if (key === undefined) return undefined;
    const row = this.#sql.get('SELECT * FROM q_messages WHERE seq = ?').get(key) as Row | undefined;
    return row && row.queue === queue && row.receipt === receipt ? toMessage(row) : undefined;
  }

  deleteByReceipt(queue: string, receipt: string): boolean {
    const key = keyOfReceipt(receipt);
    if (key === undefined) return false;
    return (
      this.#sql
        .get('DELETE FROM q_messages WHERE seq = ? AND queue = ? AND receipt = ?')
        .run(key, queue, receipt).changes > 0
    );
  }

  releaseByReceipt(queue: string, receipt: string, visibleAt: number): boolean {
    const key = keyOfReceipt(receipt);
    if (key === undefined) return false;
    return (
      this.#sql
        .get(
          `UPDATE q_messages SET receipt = NULL, visible_at = ?, receive_count = MAX(receive_count - 1, 0)
           WHERE seq = ? AND queue = ? AND receipt = ?`,
        )
        .run(visibleAt, key, queue, receipt).changes > 0
    );
  }

  byMessageId(queue: string, messageId: string): StoredMessage | undefined {
    const row = this.#sql.get('SELECT * FROM q_messages WHERE queue = ? AND id = ?').get(queue, messageId) as
      | Row
      | undefined;
    return row ? toMessage(row) : undefined;
  }

  setVisibleAt(key: number, visibleAt: number): void {
    this.#sql.get('UPDATE q_messages SET visible_at = ? WHERE seq = ?').run(visibleAt, key);
  }

  move(key: number, toQueue: string, visibleAt: number, resetCount: boolean): void {
    this.#sql
      .get(
        `UPDATE q_messages SET queue = ?, visible_at = ?, receipt = NULL,
         receive_count = CASE WHEN ? THEN 0 ELSE receive_count END WHERE seq = ?`,
      )
      .run(toQueue, visibleAt, resetCount ? 1 : 0, key);
  }

  setLastError(key: number, error: string): void {
    this.#sql.get('UPDATE q_messages SET last_error = ? WHERE seq = ?').run(error, key);
  }

  delete(key: number): void {
    this.#sql.get('DELETE FROM q_messages WHERE seq = ?').run(key);
  }

  depth(queue: string, now: number): { visible: number; inFlight: number } {
    const memo = this.#depths.get(queue);
    const started = performance.now();
    if (memo && started < memo.until) return memo.value;
    const row = this.#sql
      .get(
        `SELECT SUM(CASE WHEN visible_at <= ? THEN 1 ELSE 0 END) AS visible,
                SUM(CASE WHEN visible_at > ? THEN 1 ELSE 0 END) AS inFlight
         FROM q_messages WHERE queue = ?`,
      )
      .get(now, now, queue) as { visible: number | null; inFlight: number | null };
    const value = { visible: row.visible ?? 0, inFlight: row.inFlight ?? 0 };
    // A count walks the queue's index: nothing for the usual near-empty queue, 20-40 ms
    // for a dead-letter queue of 300,000. The count of a large queue is answered again for
    // 100 times as long as it took, so counting costs at most about 1% of a core however
    // often the figures are read (the dashboard reads every queue each second); a small
    // queue's is always exact. A kept count would cost every send and delete instead, on
    // the pipeline's hot path.
    const took = performance.now() - started;
    if (value.visible + value.inFlight > this.#depthMemoFromMessages)
      this.#depths.set(queue, { until: started + 100 * took, value });
    else this.#depths.delete(queue);
    return value;
  }

  peek(queue: string, limit: number, sentFrom = Number.MIN_SAFE_INTEGER): StoredMessage[] {
    const rows = this.#sql
      .get('SELECT * FROM q_messages WHERE queue = ? AND sent_at >= ? ORDER BY seq LIMIT ?')
      .all(queue, sentFrom, limit) as Row[];
    return rows.map(toMessage);
  }

  purge(queue: string): number {
    return this.#sql.get('DELETE FROM q_messages WHERE queue = ?').run(queue).changes;
  }

  deleteSentBefore(queue: string, sentBefore: number): number {
    return this.#sql.get('DELETE FROM q_messages WHERE queue = ? AND sent_at < ?').run(queue, sentBefore)
      .changes;
  }
}

/**
 * Data folders written before the table was keyed by seq had `id TEXT PRIMARY KEY` and
 * four indexes: copy their messages, in order, into the new table. Their receipts no longer
 * resolve; those messages come back after their visibility timeout (at least once).
 */
function migrateFromIdKeyedTable(db: Database): void {
  const columns = db.prepare('PRAGMA table_info(q_messages)').all() as Array<{ name: string; pk: number }>;
  if (!columns.some((c) => c.name === 'id' && c.pk === 1)) return;
  const lastError = columns.some((c) => c.name === 'last_error') ? 'last_error' : 'NULL';
  db.transaction(() => {
    db.exec('ALTER TABLE q_messages RENAME TO q_messages_v1');
    for (const index of ['q_messages_due', 'q_messages_order', 'q_messages_receipt', 'q_messages_visible'])
      db.exec(`DROP INDEX IF EXISTS ${index}`);
    db.exec(SCHEMA);
    db.exec(`INSERT INTO q_messages (id, queue, body, attrs, sent_at, visible_at, receive_count, receipt, last_error)
             SELECT id, queue, body, attrs, sent_at, visible_at, receive_count, receipt, ${lastError}
             FROM q_messages_v1 ORDER BY seq, rowid`);
    db.exec('DROP TABLE q_messages_v1');
  })();
}
