import type { Database, Statement } from 'better-sqlite3';
import { clampDelay, type DelayQueue } from './delay-queue.js';
import type { KeyedBusEvent } from './sqs-batch.js';
import type { SubscriberLog } from './sqs-types.js';

/** Timers, injected so that tests drive time (STYLE rule 7). */
export interface DelayTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const SYSTEM_TIMERS: DelayTimers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface SqliteDelayQueueOptions {
  db: Database;
  /** Which handler's queue the messages go back to (one table serves all). */
  target: string;
  /** Hands a due message to the target's queue (e.g. LocalQueues.send). */
  deliver: (body: string) => void | Promise<void>;
  /** @default the system clock and timers */
  timers?: DelayTimers;
  log: SubscriberLog;
}

/** A failed hand-over is retried after this long, not in a tight loop. */
const RETRY_AFTER_FAILURE_MS = 1_000;

interface Row {
  id: number;
  due_at: number;
  body: string;
}

/**
 * SQS message timers for the local cloud: a delayed message waits in SQLite (so a
 * restart loses none) and is handed to the target queue when due. Same clamp as SQS.
 */
export class SqliteDelayQueue implements DelayQueue {
  readonly #o: SqliteDelayQueueOptions;
  readonly #timers: DelayTimers;
  readonly #insert: Statement<[string, number, string]>;
  readonly #due: Statement<[string, number], Row>;
  readonly #next: Statement<[string], { due_at: number } | undefined>;
  readonly #delete: Statement<[number]>;
  #handle: unknown;
  #running = false;
  #flushing = false;

  constructor(options: SqliteDelayQueueOptions) {
    this.#o = options;
    this.#timers = options.timers ?? SYSTEM_TIMERS;
    const db = options.db;
    db.exec(`CREATE TABLE IF NOT EXISTS subscriber_delayed_messages (
      id INTEGER PRIMARY KEY AUTOINCREMENT, target TEXT NOT NULL, due_at INTEGER NOT NULL, body TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS subscriber_delayed_due ON subscriber_delayed_messages (target, due_at);`);
    this.#insert = db.prepare(
      'INSERT INTO subscriber_delayed_messages (target, due_at, body) VALUES (?, ?, ?)',
    );
    this.#due = db.prepare(
      'SELECT id, due_at, body FROM subscriber_delayed_messages WHERE target = ? AND due_at <= ? ORDER BY due_at, id',
    );
    this.#next = db.prepare(
      'SELECT MIN(due_at) AS due_at FROM subscriber_delayed_messages WHERE target = ?',
    ) as never;
    this.#delete = db.prepare('DELETE FROM subscriber_delayed_messages WHERE id = ?');
  }

  /** Resumes the messages a previous run left waiting. */
  start(): void {
    this.#running = true;
    this.#arm();
  }

  stop(): void {
    this.#running = false;
    if (this.#handle !== undefined) this.#timers.clearTimeout(this.#handle);
    this.#handle = undefined;
  }

  /** How many messages wait. */
  pending(): number {
    return this.#due.all(this.#o.target, Number.MAX_SAFE_INTEGER).length;
  }

  async send(message: KeyedBusEvent, delaySeconds: number): Promise<void> {
    this.#insert.run(
      this.#o.target,
      this.#timers.now() + clampDelay(delaySeconds) * 1000,
      JSON.stringify(message),
    );
    this.#arm();
  }

  /** Delivers every due message now; the timer calls it, tests may too. */
  async flush(): Promise<number> {
    if (this.#flushing) return 0;
    this.#flushing = true;
    let delivered = 0;
    let failed = false;
    try {
      for (const row of this.#due.all(this.#o.target, this.#timers.now())) {
        try {
          await this.#o.deliver(row.body);
          this.#delete.run(row.id);
          delivered++;
        } catch (err) {
          // Kept for the next round: a delayed check must not be lost.
          this.#o.log.error('delayed message could not be delivered; will retry', {
            target: this.#o.target,
            error: (err as Error).message,
          });
          failed = true;
          break;
        }
      }
    } finally {
      this.#flushing = false;
    }
    this.#arm(failed ? RETRY_AFTER_FAILURE_MS : 10);
    return delivered;
  }

  #arm(minWaitMs = 10): void {
    if (!this.#running) return;
    if (this.#handle !== undefined) this.#timers.clearTimeout(this.#handle);
    this.#handle = undefined;
    const next = this.#next.get(this.#o.target)?.due_at;
    if (next === undefined || next === null) return;
    const wait = Math.max(0, next - this.#timers.now());
    this.#handle = this.#timers.setTimeout(
      () => {
        this.#handle = undefined;
        void this.flush();
      },
      Math.max(wait, minWaitMs),
    );
  }
}
