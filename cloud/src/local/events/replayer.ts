import type { BusEvent } from '@smartdoor/shared';
import {
  type CompiledEventPattern,
  checkEventPattern,
  compileEventPattern,
  matchesEventPattern,
} from '../../event-pattern/index.js';
import type { Clock } from '../queues/clock.js';
import {
  EventsInvalidPatternError,
  EventsResourceAlreadyExistsError,
  EventsResourceNotFoundError,
  EventsValidationError,
} from './errors.js';
import {
  type Archive,
  archiveArn,
  busArn,
  isOwnArchive,
  nameFromArnOrName,
  type Replay,
  replayArn,
} from './model.js';
import { checkName } from './model-validation.js';
import type { EventsStore } from './store.js';

type Ingest = (busName: string, event: BusEvent, onlyRules: ReadonlySet<string> | undefined) => void;

const BATCH = 100;
/** How often the archives' retention is applied (also once at start and after an UpdateArchive). */
export const PRUNE_INTERVAL_MS = 3_600_000;
/** Logged events deleted per turn of the event loop while a prune has many to delete. */
const PRUNE_BATCH = 5_000;
/** Archive fields' limits (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_UpdateArchive.html). */
const MAX_DESCRIPTION = 512;
const MAX_EVENT_PATTERN = 4_096;

/**
 * Archives (every event of a bus, or those matching the archive's pattern) and replays of a
 * time window back onto the bus, marked with `replay-name`
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-archive.html,
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-replay-archived-event.html).
 * Replays run in batches and resume after a restart.
 */
export class Replayer {
  readonly #compiled = new Map<string, CompiledEventPattern>();
  readonly #timers = new Map<string, unknown>();
  #started = false;
  #pruneTimer: unknown;

  constructor(
    private readonly store: EventsStore,
    private readonly clock: Clock,
    private readonly ingest: Ingest,
  ) {}

  start(): void {
    this.#started = true;
    this.#prune();
    for (const r of this.store.listReplays()) {
      if (r.state === 'STARTING' || r.state === 'RUNNING') this.#schedule(r.name);
    }
  }

  stop(): void {
    this.#started = false;
    if (this.#pruneTimer !== undefined) this.clock.clearTimeout(this.#pruneTimer);
    this.#pruneTimer = undefined;
    for (const t of this.#timers.values()) this.clock.clearTimeout(t);
    this.#timers.clear();
  }

  /**
   * CreateArchive. `managed` marks the service's own archive of every event of the bus (see
   * {@link Archive.managed}).
   */
  createArchive(
    input: {
      name: string;
      busName: string;
      eventPattern?: string;
      description?: string;
      retentionDays?: number;
      managed?: boolean;
    },
    region: string,
    account: string,
  ): Archive {
    checkName('archiveName', input.name, 48);
    checkArchiveFields(input);
    if (this.store.getArchive(input.name)) {
      throw new EventsResourceAlreadyExistsError(input.name, `Archive ${input.name} already exists.`);
    }
    if (!this.store.getBus(input.busName)) {
      throw new EventsResourceNotFoundError(input.busName, `Event bus ${input.busName} does not exist.`);
    }
    const archive: Archive = {
      name: input.name,
      arn: archiveArn(region, account, input.name),
      busName: input.busName,
      retentionDays: input.retentionDays ?? 0,
      createdAt: this.clock.now(),
      createdAfterSeq: this.store.lastEventSeq(),
      managed: input.managed ?? false,
    };
    if (input.eventPattern !== undefined) archive.eventPattern = input.eventPattern;
    if (input.description !== undefined) archive.description = input.description;
    this.store.putArchive(archive);
    return archive;
  }

  /**
   * UpdateArchive (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_UpdateArchive.html):
   * what is given replaces what the archive had, the rest stays. A new pattern applies to the
   * events put from then on; those the archive holds stay in it. A new retention is applied
   * at once (the next prune runs now), as it is from then on every hour. Setting RetentionDays
   * of the service's own archive takes it out of `archiveRetentionDays`' hands for good.
   */
  updateArchive(input: {
    name: string;
    eventPattern?: string;
    description?: string;
    retentionDays?: number;
  }): Archive {
    checkName('archiveName', input.name, 48);
    checkArchiveFields(input);
    const current = this.store.getArchive(input.name);
    if (!current) throw new EventsResourceNotFoundError(input.name, `Archive ${input.name} does not exist.`);
    const archive: Archive = { ...current };
    if (input.description !== undefined) archive.description = input.description;
    if (input.retentionDays !== undefined) {
      archive.retentionDays = input.retentionDays;
      archive.managed = false;
    }
    this.store.transaction(() => {
      if (input.eventPattern !== undefined) {
        // Without a pattern it held the bus's log; with one, only recorded events: record
        // what it holds now so that they stay in it.
        if (current.eventPattern === undefined) this.store.recordHeldEvents(current, this.clock.now());
        archive.eventPattern = input.eventPattern;
        this.#compiled.delete(archive.name);
      }
      this.store.putArchive(archive);
    });
    if (input.retentionDays !== undefined && input.retentionDays !== current.retentionDays) this.#pruneSoon();
    return archive;
  }

  /**
   * Sets the retention of the service's own archive of every event of `busName` (called at
   * start with `archiveRetentionDays`); an archive by that name that is not the service's own
   * (a user's, or one whose RetentionDays an UpdateArchive set) keeps its own. Returns
   * whether it changed.
   */
  applyOwnRetention(archiveName: string, busName: string, retentionDays: number): boolean {
    const archive = this.store.getArchive(archiveName);
    if (!archive || !isOwnArchive(archive, busName)) return false;
    if (archive.managed === true && archive.retentionDays === retentionDays) return false;
    this.store.putArchive({ ...archive, retentionDays, managed: true });
    return true;
  }

  getArchive(nameOrArn: string): Archive & { eventCount: number; sizeBytes: number } {
    const name = nameFromArnOrName(nameOrArn, 'archive');
    const archive = this.store.getArchive(name);
    if (!archive) throw new EventsResourceNotFoundError(name, `Archive ${name} does not exist.`);
    return { ...archive, ...this.stats(archive) };
  }

  /** How many events an archive holds and their size (DescribeArchive's EventCount and SizeBytes). */
  stats(archive: Archive): { eventCount: number; sizeBytes: number } {
    return this.store.archiveStats(archive, this.clock.now());
  }

  listArchives(): Archive[] {
    return this.store.listArchives();
  }

  deleteArchive(name: string): void {
    this.getArchive(name);
    this.store.deleteArchive(name);
    this.#compiled.delete(name);
  }

  /**
   * Logs an event that an archive of its bus wants, and records it in each archive with a
   * pattern that matches (one without a pattern holds the whole log: no record per event).
   * Runs inside the ingest transaction.
   */
  archive(busName: string, event: BusEvent, now: number): void {
    let seq: number | undefined;
    for (const archive of this.store.listArchives()) {
      if (archive.busName !== busName) continue;
      if (archive.eventPattern === undefined) {
        seq ??= this.store.appendEvent(busName, event, now);
      } else if (matchesEventPattern(this.#pattern(archive), event)) {
        seq ??= this.store.appendEvent(busName, event, now);
        this.store.addToArchive(archive.name, seq);
      }
    }
  }

  startReplay(
    input: {
      name: string;
      eventSourceArn: string;
      eventStartTime: number;
      eventEndTime: number;
      destinationArn: string;
      filterArns?: string[];
    },
    region: string,
    account: string,
  ): Replay {
    checkName('replayName', input.name);
    if (this.store.getReplay(input.name)) {
      throw new EventsResourceAlreadyExistsError(input.name, `Replay ${input.name} already exists.`);
    }
    const archive = this.getArchive(input.eventSourceArn);
    if (input.destinationArn !== busArn(region, account, archive.busName)) {
      throw new EventsValidationError(
        'Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.',
      );
    }
    if (!(input.eventStartTime < input.eventEndTime)) {
      throw new EventsValidationError(
        'Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime.',
      );
    }
    if (input.eventEndTime > this.clock.now()) {
      throw new EventsValidationError(
        'Parameter EventEndTime is not valid. Reason: EventEndTime cannot be in the future.',
      );
    }
    const replay: Replay = {
      name: input.name,
      arn: replayArn(region, account, input.name),
      archiveName: archive.name,
      archiveArn: archive.arn,
      busName: archive.busName,
      filterArns: input.filterArns ?? [],
      eventStartTime: input.eventStartTime,
      eventEndTime: input.eventEndTime,
      state: 'STARTING',
      startedAt: this.clock.now(),
      replayedCount: 0,
      lastSeq: 0,
    };
    this.store.putReplay(replay);
    this.#schedule(replay.name);
    return replay;
  }

  getReplay(name: string): Replay {
    const replay = this.store.getReplay(name);
    if (!replay) throw new EventsResourceNotFoundError(name, `Replay ${name} does not exist.`);
    return replay;
  }

  listReplays(): Replay[] {
    return this.store.listReplays();
  }

  /**
   * Applies each archive's RetentionDays now and every hour (0 keeps events forever), then
   * drops logged events that no archive holds any more.
   */
  #prune(): void {
    this.#pruneTimer = undefined;
    const now = this.clock.now();
    // Per bus, the oldest ingestion time an archive without a pattern still holds.
    const keepFrom = new Map<string, number>();
    for (const bus of this.store.listBuses()) keepFrom.set(bus.name, Number.POSITIVE_INFINITY);
    for (const a of this.store.listArchives()) {
      const cutoff = a.retentionDays > 0 ? now - a.retentionDays * 86_400_000 : Number.NEGATIVE_INFINITY;
      if (a.eventPattern !== undefined) {
        if (a.retentionDays > 0) this.store.pruneArchive(a.name, cutoff);
      } else {
        keepFrom.set(a.busName, Math.min(keepFrom.get(a.busName) ?? Number.POSITIVE_INFINITY, cutoff));
      }
    }
    const logs = new Map<string, number>();
    for (const [bus, from] of keepFrom) {
      if (from > Number.NEGATIVE_INFINITY) logs.set(bus, Math.min(from, now));
    }
    this.#pruneLogs(logs);
  }

  /**
   * Deletes the logged events before each bus's cutoff a batch per bus and turn, so a long
   * backlog (the first prune of a data folder that kept everything) does not hold up the
   * event loop; the hourly pass follows once every bus is done.
   */
  #pruneLogs(logs: Map<string, number>): void {
    this.#pruneTimer = undefined;
    for (const [bus, before] of logs) {
      if (this.store.pruneLog(bus, before, PRUNE_BATCH) < PRUNE_BATCH) logs.delete(bus);
    }
    this.#pruneTimer =
      logs.size > 0
        ? this.clock.setTimeout(() => this.#pruneLogs(logs), 0)
        : this.clock.setTimeout(() => this.#prune(), PRUNE_INTERVAL_MS);
  }

  /** Runs the prune at the next turn instead of at its hour (a retention changed). */
  #pruneSoon(): void {
    if (!this.#started) return;
    if (this.#pruneTimer !== undefined) this.clock.clearTimeout(this.#pruneTimer);
    this.#pruneTimer = this.clock.setTimeout(() => this.#prune(), 0);
  }

  #schedule(name: string): void {
    if (!this.#started || this.#timers.has(name)) return;
    this.#timers.set(
      name,
      this.clock.setTimeout(() => {
        this.#timers.delete(name);
        this.#step(name);
      }, 0),
    );
  }

  #step(name: string): void {
    const replay = this.store.getReplay(name);
    if (!replay || (replay.state !== 'STARTING' && replay.state !== 'RUNNING')) return;
    const filter = replay.filterArns.length > 0 ? new Set(replay.filterArns) : undefined;
    const archive = this.store.getArchive(replay.archiveName);
    if (!archive) {
      replay.state = 'FAILED';
      replay.stateReason = `Archive ${replay.archiveName} no longer exists.`;
      replay.endedAt = this.clock.now();
      this.store.putReplay(replay);
      return;
    }
    const batch = this.store.archivedEvents(
      archive,
      replay.eventStartTime,
      replay.eventEndTime,
      BATCH,
      replay.lastSeq,
      this.clock.now(),
    );
    for (const stored of batch) {
      this.ingest(replay.busName, { ...stored.event, 'replay-name': replay.name }, filter);
      replay.lastSeq = stored.seq;
      replay.replayedCount++;
    }
    replay.state = batch.length < BATCH ? 'COMPLETED' : 'RUNNING';
    if (replay.state === 'COMPLETED') replay.endedAt = this.clock.now();
    this.store.putReplay(replay);
    if (replay.state === 'RUNNING') this.#schedule(name);
  }

  #pattern(archive: Archive): CompiledEventPattern {
    // Cached by archive name: updateArchive and deleteArchive drop the entry.
    let compiled = this.#compiled.get(archive.name);
    if (!compiled) {
      compiled = compileEventPattern(archive.eventPattern!);
      this.#compiled.set(archive.name, compiled);
    }
    return compiled;
  }
}

/**
 * The fields CreateArchive and UpdateArchive share, checked as EventBridge checks them:
 * RetentionDays a whole number of days from 0, Description up to 512 characters, EventPattern
 * up to 4096 and valid.
 */
function checkArchiveFields(input: {
  eventPattern?: string;
  description?: string;
  retentionDays?: number;
}): void {
  const days = input.retentionDays;
  if (days !== undefined && !Number.isInteger(days)) {
    throw new EventsValidationError(
      `Parameter RetentionDays is not valid. Reason: ${JSON.stringify(days)} is not a whole number of days.`,
    );
  }
  if (days !== undefined && days < 0) {
    throw new EventsValidationError(
      `1 validation error detected: Value '${days}' at 'retentionDays' failed to satisfy constraint: Member must have value greater than or equal to 0`,
    );
  }
  if (input.description !== undefined && input.description.length > MAX_DESCRIPTION) {
    throw new EventsValidationError(
      `1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to ${MAX_DESCRIPTION} (it has ${input.description.length})`,
    );
  }
  if (input.eventPattern !== undefined) {
    if (input.eventPattern.length > MAX_EVENT_PATTERN) {
      throw new EventsValidationError(
        `1 validation error detected: Value at 'eventPattern' failed to satisfy constraint: Member must have length less than or equal to ${MAX_EVENT_PATTERN} (it has ${input.eventPattern.length})`,
      );
    }
    const problem = checkEventPattern(input.eventPattern);
    if (problem !== undefined)
      throw new EventsInvalidPatternError(`Event pattern is not valid. Reason: ${problem}`);
  }
}
