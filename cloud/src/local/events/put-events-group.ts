import { EventsValidationError } from './errors.js';
import type { PutEventsEntryInput } from './put-events.js';
import type { PutEventsResult } from './service.js';

/** PutEvents requests written in one transaction at most (a full group commits at once). */
export const PUT_EVENTS_GROUP_MAX = 64;

interface Pending {
  entries: PutEventsEntryInput[];
  resolve: (r: PutEventsResult) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit of PutEvents requests: those that arrive in the same turn of the event loop
 * run in one transaction, and each settles after its commit (one timer per group). A
 * request whose processing throws fails alone: the group is rolled back and run again
 * without it.
 */
export class PutEventsGroup {
  readonly #pending: Pending[] = [];
  #queued = false;

  constructor(
    private readonly transaction: (fn: () => void) => void,
    private readonly putEvents: (entries: PutEventsEntryInput[]) => PutEventsResult,
  ) {}

  put(entries: PutEventsEntryInput[]): Promise<PutEventsResult> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ entries, resolve, reject });
      if (this.#pending.length >= PUT_EVENTS_GROUP_MAX) this.flush();
      else if (!this.#queued) {
        this.#queued = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Writes the waiting requests now. */
  flush(): void {
    this.#queued = false;
    const group = this.#pending.splice(0);
    if (group.length > 0) this.#commit(group);
  }

  #commit(group: Pending[]): void {
    const outcomes: Array<{ result: PutEventsResult } | { error: unknown }> = [];
    let failed = -1;
    try {
      this.transaction(() => {
        for (const request of group) {
          try {
            outcomes.push({ result: this.putEvents(request.entries) });
          } catch (error) {
            // Thrown before the request wrote anything (1-10 entries): only that request fails.
            if (error instanceof EventsValidationError) outcomes.push({ error });
            else {
              // Thrown midway (a bug, a crash on odd input): its writes are in the transaction.
              failed = outcomes.length;
              throw error;
            }
          }
        }
      });
    } catch (error) {
      if (failed >= 0) {
        // Rolled back because of one request: it fails alone and the others run again
        // without it. Only this failure path pays for a second transaction, no savepoints
        // on the hot path (see SqliteStatements.transaction).
        group[failed]!.reject(error);
        const rest = group.filter((_, i) => i !== failed);
        if (rest.length > 0) this.#commit(rest);
        return;
      }
      // The commit itself failed: nothing of the group is written, every request fails (the SDK retries).
      for (const request of group) request.reject(error);
      return;
    }
    group.forEach((request, i) => {
      const outcome = outcomes[i]!;
      if ('result' in outcome) request.resolve(outcome.result);
      else request.reject(outcome.error);
    });
  }
}
