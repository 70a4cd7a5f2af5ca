import type { DeviceEvent, DeviceEventType } from '@smartdoor/shared';

/** One event waiting in the outbox, exactly as it will be sent (key included). */
export interface OutboxEntry {
  seq: number;
  idempotencyKey: string;
  type: DeviceEventType;
  /** The JSON payload, serialized once at append. */
  payload: string;
  /** When it was appended, ms since the epoch. */
  createdAt: number;
}

export interface AppendResult {
  entry: OutboxEntry;
  /** Seqs removed to make room (oldest heartbeats first, or the superseded door state). */
  evicted: number[];
  /** The waiting door.state.changed this newer one replaced (outbox over its bound). */
  superseded?: number;
}

export interface OutboxStats {
  depth: number;
  /** Seq of the next appended event. */
  nextSeq: number;
  oldestSeq: number | undefined;
  oldestCreatedAt: number | undefined;
  /** Heartbeats evicted to make room for newer events, since start. */
  evictedHeartbeats: number;
  /** Waiting door states replaced by a newer one while the outbox was full, since start. */
  supersededStates: number;
  /** Events refused because the outbox was full of undroppable events, since start. */
  refused: number;
}

/**
 * The durable outbox. `append` returns only once the event is on disk (fsync'd): that is
 * when an event counts as accepted. Entries leave only through `ack`, after the broker's
 * PUBACK. `seq` is assigned by the outbox in the same write that stores the event, so it
 * survives restarts without gaps or reuse.
 *
 * Full policy (maxEvents): heartbeats are droppable, everything else is not. A new event
 * that finds the outbox full evicts the oldest heartbeat; when no heartbeat is left, the
 * new event is refused with an OutboxFullError (the caller logs, counts and later reports
 * it), except a door.state.changed: the door's latest state is never refused. It takes one
 * slot over the bound, and a later one supersedes it there, so the cloud always ends on
 * the real state.
 */
export interface Outbox {
  /** Open (and recover) the store. */
  start(): Promise<void>;
  /** Close the store; nothing accepted is lost. */
  stop(): Promise<void>;
  /** Assign the next seq, build the event with it, store it durably. Throws OutboxFullError. */
  append(build: (seq: number) => DeviceEvent, now: number): AppendResult;
  /** Up to `limit` entries with seq > afterSeq, oldest first. */
  read(afterSeq: number, limit: number): OutboxEntry[];
  /** Remove an entry after its PUBACK. Unknown seqs are ignored (e.g. an evicted heartbeat). */
  ack(seq: number): void;
  readonly depth: number;
  /** The bound on waiting events (the latest door state may take one slot more). */
  readonly maxEvents: number;
  stats(): OutboxStats;
  /** The file it keeps its events in; none in memory. */
  readonly file?: string | undefined;
}

/** What a durable adapter recovers on start. */
export interface RecoveredOutbox {
  /** Live entries' seq and type, in seq order. */
  entries: Array<{ seq: number; type: DeviceEventType; createdAt: number }>;
  nextSeq: number;
}

/** One atomic, durable write: store `insert`, drop `evict`, remember `nextSeq`. */
export interface OutboxWrite {
  insert: OutboxEntry;
  evict: number[];
  nextSeq: number;
}

/** Options every outbox takes. */
export interface OutboxOptions {
  /**
   * Bound on waiting events. Heartbeats are evicted first; see Outbox.
   * @default 100000
   */
  maxEvents?: number;
  /**
   * The lowest seq this outbox may hand out, when it would start lower: seq survives
   * restarts (DESIGN.md), so a new store that takes over from another kind carries on
   * after the other's last seq rather than starting again at 1.
   * @default 1
   */
  firstSeq?: number;
  /** Where an outbox reports trouble it recovers from (e.g. a compaction given up). */
  logger?: { warn(obj: object, msg: string): void };
}
