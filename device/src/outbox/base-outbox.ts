import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DeviceEvent } from '@smartdoor/shared';
import { claimPidFile, PidFileHeldError } from '@smartdoor/shared/pid-file';
import { OutboxError, OutboxFullError, OutboxInUseError } from '../core/errors.js';
import type {
  AppendResult,
  Outbox,
  OutboxEntry,
  OutboxOptions,
  OutboxStats,
  OutboxWrite,
  RecoveredOutbox,
} from './types.js';

const HEARTBEAT = 'device.heartbeat';
const DOOR_STATE = 'door.state.changed';
export const DEFAULT_OUTBOX_MAX_EVENTS = 100_000;

/**
 * The outbox's logic (seq assignment, the full policy, stats) over minimal storage
 * primitives that each adapter implements: open/recover, one atomic durable write,
 * remove, read. (Same split as Powertools' BasePersistenceLayer.)
 */
export abstract class BaseOutbox implements Outbox {
  readonly maxEvents: number;
  /** Live seq -> createdAt and whether droppable, in seq order (Map keeps insertion order). */
  #live = new Map<number, { createdAt: number; heartbeat: boolean }>();
  /** Heartbeat seqs, oldest first; may hold acked seqs, skipped lazily. */
  #heartbeats: number[] = [];
  #nextSeq = 1;
  /** The newest live door.state.changed: the one a newer state may supersede when full. */
  #newestState: number | undefined;
  #evicted = 0;
  #superseded = 0;
  #refused = 0;
  #open = false;
  #release: (() => void) | undefined;
  readonly #firstSeq: number;

  constructor(
    protected readonly location: string,
    options: OutboxOptions = {},
  ) {
    this.maxEvents = options.maxEvents ?? DEFAULT_OUTBOX_MAX_EVENTS;
    this.#firstSeq = options.firstSeq ?? 1;
  }

  /** The file this outbox keeps its events in, claimed for this process while open; none in memory. */
  abstract readonly file: string | undefined;
  protected abstract _open(): Promise<RecoveredOutbox>;
  protected abstract _close(): Promise<void>;
  /** Durable (fsync'd) and atomic: all of it or none of it survives a crash. */
  protected abstract _write(write: OutboxWrite): void;
  /** Need not be durable at once: a lost removal only resends an event under the same key. */
  protected abstract _remove(seq: number): void;
  protected abstract _read(afterSeq: number, limit: number): OutboxEntry[];

  async start(): Promise<void> {
    if (this.#open) return;
    const release = this.file === undefined ? undefined : claim(this.file);
    let recovered: RecoveredOutbox;
    try {
      recovered = await this._open();
    } catch (error) {
      release?.();
      throw error;
    }
    this.#release = release;
    this.#live.clear();
    this.#heartbeats = [];
    this.#newestState = undefined;
    for (const e of recovered.entries) {
      const heartbeat = e.type === HEARTBEAT;
      this.#live.set(e.seq, { createdAt: e.createdAt, heartbeat });
      if (heartbeat) this.#heartbeats.push(e.seq);
      if (e.type === DOOR_STATE) this.#newestState = e.seq;
    }
    this.#nextSeq = Math.max(recovered.nextSeq, this.#firstSeq);
    this.#open = true;
  }

  async stop(): Promise<void> {
    if (!this.#open) return;
    this.#open = false;
    try {
      await this._close();
    } finally {
      this.#release?.();
      this.#release = undefined;
    }
  }

  get depth(): number {
    return this.#live.size;
  }

  append(build: (seq: number) => DeviceEvent, now: number): AppendResult {
    this.#assertOpen();
    const seq = this.#nextSeq;
    const event = build(seq);
    const evict: number[] = [];
    let superseded: number | undefined;
    if (this.#live.size >= this.maxEvents) {
      const victim = this.#oldestHeartbeat();
      if (victim !== undefined) evict.push(victim);
      else if (event.type === DOOR_STATE && this.#live.size === this.maxEvents) {
        // The door's latest state is never refused: it takes the one slot over the bound.
      } else if (event.type === DOOR_STATE && this.#newestState !== undefined) {
        // Over the bound already: the newer state supersedes the newest waiting one, so
        // the cloud still ends on the door's real state (the seq gap shows the loss).
        superseded = this.#newestState;
        evict.push(superseded);
      } else {
        this.#refused++;
        throw new OutboxFullError(this.location, this.maxEvents, event.type);
      }
    }
    const entry: OutboxEntry = {
      seq,
      idempotencyKey: event.idempotencyKey,
      type: event.type,
      payload: JSON.stringify(event),
      createdAt: now,
    };
    this._write({ insert: entry, evict, nextSeq: seq + 1 });
    this.#nextSeq = seq + 1;
    for (const v of evict) {
      this.#live.delete(v);
      if (v === superseded) {
        this.#superseded++;
        continue;
      }
      this.#heartbeats.shift();
      this.#evicted++;
    }
    const heartbeat = event.type === HEARTBEAT;
    this.#live.set(seq, { createdAt: now, heartbeat });
    if (heartbeat) this.#heartbeats.push(seq);
    if (event.type === DOOR_STATE) this.#newestState = seq;
    return { entry, evicted: evict, ...(superseded === undefined ? {} : { superseded }) };
  }

  read(afterSeq: number, limit: number): OutboxEntry[] {
    this.#assertOpen();
    if (limit <= 0 || this.#live.size === 0) return [];
    return this._read(afterSeq, limit);
  }

  ack(seq: number): void {
    this.#assertOpen();
    const live = this.#live.get(seq);
    if (!live) return;
    this.#live.delete(seq);
    this._remove(seq);
    if (seq === this.#newestState) this.#newestState = undefined;
    if (live.heartbeat) this.#oldestHeartbeat();
  }

  stats(): OutboxStats {
    const first = this.#live.entries().next();
    return {
      depth: this.#live.size,
      nextSeq: this.#nextSeq,
      oldestSeq: first.done ? undefined : first.value[0],
      oldestCreatedAt: first.done ? undefined : first.value[1].createdAt,
      evictedHeartbeats: this.#evicted,
      supersededStates: this.#superseded,
      refused: this.#refused,
    };
  }

  /** The oldest live heartbeat, dropping acked ones from the queue's head. */
  #oldestHeartbeat(): number | undefined {
    while (this.#heartbeats.length > 0 && !this.#live.has(this.#heartbeats[0]!)) this.#heartbeats.shift();
    return this.#heartbeats[0];
  }

  #assertOpen(): void {
    if (!this.#open) throw new OutboxError('outbox is not started', this.location);
  }
}

/**
 * Claim an outbox file for this process (`{file}.pid`): a second agent on the same outbox
 * would compact away or delete the first one's events. A crashed agent's claim is taken over.
 */
function claim(file: string): () => void {
  try {
    // The agent's data is its own: 0700 whatever the umask (missing folders only).
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    return claimPidFile(`${file}.pid`);
  } catch (error) {
    if (error instanceof PidFileHeldError) throw new OutboxInUseError(file, error.pid);
    throw new OutboxError('cannot claim the outbox', file, { cause: error });
  }
}
