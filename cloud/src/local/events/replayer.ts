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
import { type Archive, archiveArn, busArn, nameFromArnOrName, type Replay, replayArn } from './model.js';
import { checkName } from './model-validation.js';
import type { EventsStore } from './store.js';

type Ingest = (busName: string, event: BusEvent, onlyRules: ReadonlySet<string> | undefined) => void;

const BATCH = 100;

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

  createArchive(
    input: {
      name: string;
      busName: string;
      eventPattern?: string;
      description?: string;
      retentionDays?: number;
    },
    region: string,
    account: string,
  ): Archive {
    checkName('archiveName', input.name, 48);
    if (this.store.getArchive(input.name)) {
      throw new EventsResourceAlreadyExistsError(input.name, `Archive ${input.name} already exists.`);
    }
    if (!this.store.getBus(input.busName)) {
      throw new EventsResourceNotFoundError(input.busName, `Event bus ${input.busName} does not exist.`);
    }
    if (input.eventPattern !== undefined) {
      const problem = checkEventPattern(input.eventPattern);
      if (problem !== undefined)
        throw new EventsInvalidPatternError(`Event pattern is not valid. Reason: ${problem}`);
    }
    const archive: Archive = {
      name: input.name,
      arn: archiveArn(region, account, input.name),
      busName: input.busName,
      retentionDays: input.retentionDays ?? 0,
      createdAt: this.clock.now(),
      createdAfterSeq: this.store.lastEventSeq(),
    };
    if (input.eventPattern !== undefined) archive.eventPattern = input.eventPattern;
    if (input.description !== undefined) archive.description = input.description;
    this.store.putArchive(archive);
    return archive;
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
    for (const [bus, from] of keepFrom) {
      if (from > Number.NEGATIVE_INFINITY) this.store.pruneLog(bus, Math.min(from, now));
    }
    this.#pruneTimer = this.clock.setTimeout(() => this.#prune(), 3_600_000);
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
    let compiled = this.#compiled.get(archive.name);
    if (!compiled) {
      compiled = compileEventPattern(archive.eventPattern!);
      this.#compiled.set(archive.name, compiled);
    }
    return compiled;
  }
}
