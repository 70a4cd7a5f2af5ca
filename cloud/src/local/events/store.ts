import type { BusEvent } from '@smartdoor/shared';
import type { Archive, Delivery, EventBus, Replay, Rule, StoredEvent, Target } from './model.js';

/**
 * Storage of the local EventBridge: configuration (buses, rules, targets, archives,
 * replays), the bus's own archive of every event, and pending deliveries. A delivery is
 * written in the same transaction as its event and removed only after its target
 * succeeded, so a crash between the two loses nothing (at-least-once).
 */
export interface EventsStore {
  transaction<T>(fn: () => T): T;

  putBus(bus: EventBus): void;
  getBus(name: string): EventBus | undefined;
  listBuses(): EventBus[];
  deleteBus(name: string): void;

  putRule(rule: Rule): void;
  getRule(busName: string, name: string): Rule | undefined;
  listRules(busName?: string): Rule[];
  deleteRule(busName: string, name: string): void;

  putTarget(busName: string, ruleName: string, target: Target): void;
  listTargets(busName: string, ruleName: string): Target[];
  removeTarget(busName: string, ruleName: string, id: string): boolean;

  /** Appends to the bus's log (what its archives hold); returns the event's sequence number. */
  appendEvent(busName: string, event: BusEvent, ingestedAt: number): number;
  /** Events of a bus ingested in [from, to), oldest first. */
  listEvents(busName: string, from: number, to: number, limit: number, afterSeq?: number): StoredEvent[];
  countEvents(busName?: string): number;
  /** The last sequence number the log gave out (0 when none). */
  lastEventSeq(): number;

  putArchive(archive: Archive): void;
  getArchive(name: string): Archive | undefined;
  listArchives(): Archive[];
  deleteArchive(name: string): void;
  /**
   * Records that an archive with a pattern holds a logged event. An archive without one
   * needs no record: it holds every event its bus logged since its creation, within its
   * retention.
   */
  addToArchive(archiveName: string, seq: number): void;
  /** Archived events ingested in [from, to), oldest first, after `afterSeq`. */
  archivedEvents(
    archive: Archive,
    from: number,
    to: number,
    limit: number,
    afterSeq: number,
    now: number,
  ): StoredEvent[];
  archiveStats(archive: Archive, now: number): { eventCount: number; sizeBytes: number };
  /** Drops the records of an archive with a pattern for events ingested before `before`; returns how many. */
  pruneArchive(archiveName: string, before: number): number;
  /**
   * Deletes up to `limit` of a bus's logged events ingested before `before` that no archive
   * records hold; returns how many (`limit` when more may be left).
   */
  pruneLog(busName: string, before: number, limit: number): number;
  /**
   * Records, for an archive without a pattern that is about to get one, each logged event it
   * holds at `now` (an archive with a pattern holds only recorded events); returns how many.
   */
  recordHeldEvents(archive: Archive, now: number): number;

  insertDelivery(delivery: Delivery): void;
  /**
   * At most `limit` deliveries to start at `now`, fairly across targets (a target is its ARN):
   * each target may have `perTarget` in flight, those in `inFlight` (id to target) counted,
   * and they are taken in turns, longest-waiting first. `nextAt`: when a target with room
   * left has its next attempt due (now when some due ones did not fit), else undefined.
   */
  claimDeliveries(
    now: number,
    limit: number,
    inFlight: ReadonlyMap<string, string>,
    perTarget: number,
  ): { due: Delivery[]; nextAt: number | undefined };
  updateDelivery(id: string, attempts: number, nextAttemptAt: number, lastError: string): void;
  deleteDelivery(id: string): void;
  pendingDeliveries(limit: number): Delivery[];
  countPendingDeliveries(): number;

  putReplay(replay: Replay): void;
  getReplay(name: string): Replay | undefined;
  listReplays(): Replay[];
}
