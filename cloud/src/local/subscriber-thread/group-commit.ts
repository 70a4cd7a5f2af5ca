import type { Database } from 'better-sqlite3';

/**
 * Group commit for a connection that one thread owns: while work is in flight the
 * connection stays in a transaction, committed once per turn of the event loop, and each
 * piece of work is answered only after the commit that holds its writes. Many small
 * statements then share one commit instead of paying one each (autocommit). A crash
 * before the commit loses only writes whose work was not answered yet: the caller retries
 * it, as it would have without the grouping.
 */
export class GroupCommit {
  #inFlight = 0;
  #waiting: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  #scheduled = false;
  #onIdle: Array<() => void> = [];

  constructor(private readonly db: Database) {}

  /** Run `work` with its writes in the group; resolves after they are committed. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (!this.db.inTransaction) this.db.exec('BEGIN');
    this.#inFlight++;
    try {
      return await work();
    } finally {
      this.#inFlight--;
      await new Promise<void>((resolve, reject) => {
        this.#waiting.push({ resolve, reject });
        this.#schedule();
      });
      // On the next turn: the work's own caller (which answers it) goes first.
      if (this.#inFlight === 0 && this.#onIdle.length > 0)
        setImmediate(() => {
          if (this.#inFlight === 0) for (const idle of this.#onIdle.splice(0)) idle();
        });
    }
  }

  /**
   * Resolves true once no work is in flight, its writes are committed and its callers have
   * had their answer, or false after `timeoutMs`: for a clean stop, so work does not find
   * its connection closed under it.
   */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.#inFlight === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.#onIdle.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.commit();
    });
  }

  /**
   * Commit now, answer what waited on it, and open the next group if work is still running.
   * A failed commit rolls the group back and fails what waited on it (the caller retries).
   */
  commit(): void {
    const done = this.#waiting;
    this.#waiting = [];
    try {
      if (this.db.inTransaction) this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      for (const w of done) w.reject(error);
      done.length = 0;
    }
    for (const w of done) w.resolve();
    if (this.#inFlight > 0 && !this.db.inTransaction) this.db.exec('BEGIN');
  }
}
