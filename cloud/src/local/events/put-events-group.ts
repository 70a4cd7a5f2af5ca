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
 * run in one transaction, and each settles after its commit (one timer per group).
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
    if (group.length === 0) return;
    const outcomes: Array<{ result: PutEventsResult } | { error: unknown }> = [];
    try {
      this.transaction(() => {
        for (const request of group) {
          try {
            outcomes.push({ result: this.putEvents(request.entries) });
          } catch (error) {
            // Thrown before the request wrote anything (1-10 entries): only that request fails.
            if (!(error instanceof EventsValidationError)) throw error;
            outcomes.push({ error });
          }
        }
      });
    } catch (error) {
      // Rolled back: nothing of the group is written, every request fails (the SDK retries).
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
