import { BaseOutbox } from './base-outbox.js';
import type { OutboxEntry, OutboxOptions, OutboxWrite, RecoveredOutbox } from './types.js';

/**
 * An outbox in memory, for tests and the simulator's thousands of doors. Not durable:
 * pass the same `MemoryOutboxStore` to a new outbox to model a restart that kept memory.
 */
export class MemoryOutboxStore {
  entries = new Map<number, OutboxEntry>();
  nextSeq = 1;
}

export class MemoryOutbox extends BaseOutbox {
  readonly #store: MemoryOutboxStore;
  readonly file = undefined;

  constructor(options: OutboxOptions & { store?: MemoryOutboxStore } = {}) {
    super('memory', options);
    this.#store = options.store ?? new MemoryOutboxStore();
  }

  protected async _open(): Promise<RecoveredOutbox> {
    const entries = [...this.#store.entries.values()]
      .sort((a, b) => a.seq - b.seq)
      .map((e) => ({ seq: e.seq, type: e.type, createdAt: e.createdAt }));
    return { entries, nextSeq: this.#store.nextSeq };
  }

  protected async _close(): Promise<void> {}

  protected _write(write: OutboxWrite): void {
    for (const seq of write.evict) this.#store.entries.delete(seq);
    this.#store.entries.set(write.insert.seq, write.insert);
    this.#store.nextSeq = write.nextSeq;
  }

  protected _remove(seq: number): void {
    this.#store.entries.delete(seq);
  }

  protected _read(afterSeq: number, limit: number): OutboxEntry[] {
    const out: OutboxEntry[] = [];
    // Entries are inserted in seq order, so the Map iterates oldest first.
    for (const [seq, entry] of this.#store.entries) {
      if (seq <= afterSeq) continue;
      out.push(entry);
      if (out.length >= limit) break;
    }
    return out;
  }
}
