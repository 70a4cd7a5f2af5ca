import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** The steps of one door, in order; the journal records each as it completes. */
export type DoorStep = 'thing' | 'key' | 'certificate' | 'policy' | 'principal' | 'active' | 'done';

export interface JournalEntry {
  thingName: string;
  step: DoorStep;
  at: string;
  certificateId?: string;
  certificateArn?: string;
  certificatePem?: string;
}

/** What the journal knows of a door. */
export interface DoorProgress {
  steps: Set<DoorStep>;
  certificateId?: string;
  certificateArn?: string;
  certificatePem?: string;
}

export const JOURNAL_FILE = 'provision-journal.jsonl';

/**
 * Durable progress of a bulk run: one JSON line per completed step, appended and fsynced
 * before the next step starts, so a run killed at any point knows on restart which
 * certificate belongs to which thing. A torn last line (the kill came mid-write) is ignored.
 */
export class ProvisionJournal {
  readonly path: string;
  readonly #doors = new Map<string, DoorProgress>();
  #fd: number | undefined;

  constructor(dir: string) {
    this.path = join(dir, JOURNAL_FILE);
  }

  /** Reads what earlier runs recorded and opens the file for appending. */
  open(): void {
    let text = '';
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      let e: JournalEntry;
      try {
        e = JSON.parse(line) as JournalEntry;
      } catch {
        continue; // torn write at a crash
      }
      this.#apply(e);
    }
    this.#fd = openSync(this.path, 'a', 0o600);
    // A torn last line would glue onto the next entry: start on a fresh line.
    if (text !== '' && !text.endsWith('\n')) writeSync(this.#fd, '\n');
  }

  progress(thingName: string): DoorProgress {
    return this.#doors.get(thingName) ?? { steps: new Set() };
  }

  record(entry: Omit<JournalEntry, 'at'>, at: Date = new Date()): void {
    if (this.#fd === undefined) throw new Error('the journal is not open');
    const full = { ...entry, at: at.toISOString() };
    writeSync(this.#fd, `${JSON.stringify(full)}\n`);
    fsyncSync(this.#fd);
    this.#apply(full);
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  #apply(e: JournalEntry): void {
    const p = this.#doors.get(e.thingName) ?? { steps: new Set<DoorStep>() };
    p.steps.add(e.step);
    if (e.certificateId) p.certificateId = e.certificateId;
    if (e.certificateArn) p.certificateArn = e.certificateArn;
    if (e.certificatePem) p.certificatePem = e.certificatePem;
    this.#doors.set(e.thingName, p);
  }
}
