import type { Database } from 'better-sqlite3';
import type { BrokerMessage } from './broker.js';

/**
 * Messages the broker acknowledged (PUBACK) but whose topic handlers (the rules engine and
 * its actions) have not finished. Written before the PUBACK and removed once every handler
 * settled, so a crash in between loses nothing: at start the broker replays what is left
 * (at least once; consumers drop repeats by idempotency key).
 */
export interface MessageJournal {
  append(message: BrokerMessage): number;
  remove(id: number): void;
  pending(): Array<{ id: number; message: BrokerMessage }>;
}

export class MemoryMessageJournal implements MessageJournal {
  readonly #rows = new Map<number, BrokerMessage>();
  #next = 1;

  append(message: BrokerMessage): number {
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

export class SqliteMessageJournal implements MessageJournal {
  readonly #insert: (m: BrokerMessage) => number;
  readonly #delete: (id: number) => void;
  readonly #all: () => Row[];

  constructor(db: Database) {
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
    this.#delete = (id) => void del.run(id);
    this.#all = () => all.all();
  }

  append(message: BrokerMessage): number {
    return this.#insert(message);
  }

  remove(id: number): void {
    this.#delete(id);
  }

  pending(): Array<{ id: number; message: BrokerMessage }> {
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
