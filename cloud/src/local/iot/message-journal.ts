import type { Database } from 'better-sqlite3';
import type { BrokerMessage } from './broker.js';

/**
 * Messages the broker acknowledged (PUBACK) but whose topic handlers (the rules engine and
 * its actions) have not finished. Written before the PUBACK and removed once every handler
 * settled, so a crash in between loses nothing: at start the broker replays what is left
 * (at least once; consumers drop repeats by idempotency key).
 */
export interface MessageJournal {
  /** Resolves with the message's id once it is durable (the broker sends the PUBACK then). */
  append(message: BrokerMessage): Promise<number>;
  remove(id: number): void;
  pending(): Array<{ id: number; message: BrokerMessage }>;
}

export class MemoryMessageJournal implements MessageJournal {
  readonly #rows = new Map<number, BrokerMessage>();
  #next = 1;

  async append(message: BrokerMessage): Promise<number> {
    const id = this.#next++;
    this.#rows.set(id, message);
    return id;
  }

  remove(id: number): void {
    this.#rows.delete(id);
  }

  pending(): Array<{ id: number; message: BrokerMessage }> {
    return [...this.#rows].map(([id, message]) => ({ id, message }));
  }
}

interface Row {
  id: number;
  topic: string;
  payload: Buffer;
  qos: number;
  client_id: string | null;
  principal: string | null;
}

export interface SqliteMessageJournalOptions {
  /**
   * Removals gathered before they are written in one transaction (they are also written once
   * the microtasks queued before them ran, and before `pending()` reads).
   * @default 256
   */
  maxPendingRemovals?: number;
  /**
   * Appends gathered before they are written in one transaction (they are also written at
   * the end of the event-loop turn they arrived in).
   * @default 256
   */
  maxPendingAppends?: number;
}

/**
 * The journal in the shared SQLite file. The appends of one event-loop turn (the publishes
 * of every client read in it) commit together, and each resolves after that commit: the
 * PUBACK still follows the write, one commit serves many messages. Removals are grouped into one transaction per burst of settled handlers: a crash that loses some
 * only replays messages already handled, which consumers drop by idempotency key.
 */
export class SqliteMessageJournal implements MessageJournal {
  readonly #db: Database;
  readonly #insert: (m: BrokerMessage) => number;
  readonly #insertAll: (ms: BrokerMessage[]) => number[];
  readonly #maxAppends: number;
  #appends: Array<{ message: BrokerMessage; resolve: (id: number) => void; reject: (e: unknown) => void }> =
    [];
  #appendQueued = false;
  readonly #delete: (id: number) => void;
  readonly #all: () => Row[];
  readonly #maxPending: number;
  #removals: number[] = [];
  #flushQueued = false;

  constructor(db: Database, options: SqliteMessageJournalOptions = {}) {
    this.#db = db;
    this.#maxPending = options.maxPendingRemovals ?? 256;
    this.#maxAppends = options.maxPendingAppends ?? 256;
    db.exec(`CREATE TABLE IF NOT EXISTS iot_message_journal (
      id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, payload BLOB NOT NULL,
      qos INTEGER NOT NULL, client_id TEXT, principal TEXT)`);
    const insert = db.prepare(
      'INSERT INTO iot_message_journal (topic, payload, qos, client_id, principal) VALUES (?, ?, ?, ?, ?)',
    );
    const del = db.prepare('DELETE FROM iot_message_journal WHERE id = ?');
    const all = db.prepare<[], Row>('SELECT * FROM iot_message_journal ORDER BY id');
    this.#insert = (m) =>
      Number(insert.run(m.topic, m.payload, m.qos, m.clientId ?? null, m.principal ?? null).lastInsertRowid);
    const insertAll = db.transaction((ms: BrokerMessage[]) => ms.map((m) => this.#insert(m)));
    this.#insertAll = (ms) => insertAll(ms);
    const removeAll = db.transaction((ids: number[]) => {
      for (const id of ids) del.run(id);
    });
    this.#delete = (id) => void del.run(id);
    this.#removeAll = (ids) => removeAll(ids);
    this.#all = () => all.all();
  }

  readonly #removeAll: (ids: number[]) => void;

  /** Writes the removals asked so far. Skipped when the database was closed meanwhile (they replay). */
  flush(): void {
    this.#flushQueued = false;
    if (this.#removals.length === 0 || !this.#db.open) return;
    const ids = this.#removals;
    this.#removals = [];
    try {
      if (ids.length === 1) this.#delete(ids[0]!);
      else this.#removeAll(ids);
    } catch {
      // Kept for the next flush; until then they would only replay (at least once).
      this.#removals = ids.concat(this.#removals);
    }
  }

  append(message: BrokerMessage): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#appends.push({ message, resolve, reject });
      if (this.#appends.length >= this.#maxAppends) this.#flushAppends();
      else if (!this.#appendQueued) {
        this.#appendQueued = true;
        setImmediate(() => this.#flushAppends());
      }
    });
  }

  /** Writes the waiting appends in one transaction; each resolves (or fails) with it. */
  #flushAppends(): void {
    this.#appendQueued = false;
    const batch = this.#appends;
    if (batch.length === 0) return;
    this.#appends = [];
    let ids: number[];
    try {
      ids = this.#insertAll(batch.map((a) => a.message));
    } catch (error) {
      for (const a of batch) a.reject(error);
      return;
    }
    for (const [i, a] of batch.entries()) a.resolve(ids[i]!);
  }

  remove(id: number): void {
    this.#removals.push(id);
    if (this.#removals.length >= this.#maxPending) this.flush();
    else if (!this.#flushQueued) {
      this.#flushQueued = true;
      // After the microtasks already queued: the removals of messages whose handlers settled
      // together (one burst of PutEvents answers) share one transaction, and no timer is needed.
      queueMicrotask(() => this.flush());
    }
  }

  pending(): Array<{ id: number; message: BrokerMessage }> {
    this.#flushAppends();
    this.flush();
    return this.#all().map((r) => ({
      id: r.id,
      message: {
        topic: r.topic,
        payload: r.payload,
        qos: r.qos === 2 ? 2 : r.qos === 1 ? 1 : 0,
        retain: false,
        ...(r.client_id === null ? {} : { clientId: r.client_id }),
        ...(r.principal === null ? {} : { principal: r.principal }),
      },
    }));
  }
}
