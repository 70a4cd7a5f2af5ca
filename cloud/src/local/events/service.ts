import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { BusEvent } from '@smartdoor/shared';
import type { Database } from 'better-sqlite3';
import { checkEventPattern, compileEventPattern, matchesEventPattern } from '../../event-pattern/index.js';
import { type Clock, SYSTEM_CLOCK } from '../queues/clock.js';
import type { LocalQueues } from '../queues/local-queues.js';
import { queueNameFromArn } from '../queues/model.js';
import type { BackoffOptions } from './backoff.js';
import { DeadLetters } from './dead-letters.js';
import { DeliveryWorker, type ExhaustedCondition } from './delivery-worker.js';
import {
  EventsInvalidPatternError,
  EventsResourceAlreadyExistsError,
  EventsResourceNotFoundError,
  EventsValidationError,
  TargetInvocationError,
} from './errors.js';
import { transformInput } from './input-transformer.js';
import {
  busArn,
  type Delivery,
  defaultArchiveDescription,
  defaultArchiveName,
  type EventBus,
  eventJson,
  type Rule,
  type RuleState,
  ruleArn,
  type Target,
} from './model.js';
import { checkName } from './model-validation.js';
import { checkEntry, checkRequestSize, type PutEventsEntryInput } from './put-events.js';
import { PutEventsGroup } from './put-events-group.js';
import { Replayer } from './replayer.js';
import { busNameOf, type FailedTarget, RuleBook } from './rule-book.js';
import { SqliteEventsStore } from './sqlite-store.js';
import type { EventsStore } from './store.js';
import { BusTarget } from './targets/bus-target.js';
import { HttpTarget } from './targets/http-target.js';
import { LambdaTarget } from './targets/lambda-target.js';
import { QueueTarget } from './targets/queue-target.js';
import type { TargetKind } from './targets/target-invoker.js';
import { parseTestEvent } from './test-event.js';

export interface EventBusServiceOptions {
  /** Shared SQLite handle; open it with journal_mode=WAL. */
  db: Database;
  /** Queues for queue targets and dead-letter queues. */
  queues: LocalQueues;
  region: string;
  accountId: string;
  /** Buses created at start besides `default` (the project's bus from config). */
  busNames?: string[];
  /**
   * Give every bus its own archive of every event, named `{bus}-all`.
   * @default true
   */
  archiveEveryBus?: boolean;
  /**
   * Days the `{bus}-all` archives keep events, after which they leave the bus's log (unless
   * another archive holds them); 0 keeps them forever. Applied at every start to those the
   * service made, existing ones included, except one whose RetentionDays an UpdateArchive set.
   * @default 7 ({@link DEFAULT_ARCHIVE_RETENTION_DAYS})
   */
  archiveRetentionDays?: number;
  /** @default the system clock */
  clock?: Clock;
  /** @default crypto.randomUUID */
  newId?: () => string;
  /** @default Math.random */
  random?: () => number;
  /** Retry backoff; tests scale `baseMs` down. */
  backoff?: BackoffOptions;
  /**
   * Deliveries in flight at once.
   * @default 16
   */
  concurrency?: number;
  /** Internal failures (a closed database, a throwing listener): reported here, never thrown. */
  onError?: (err: unknown) => void;
  /**
   * Timeout of HTTP targets.
   * @default 5000
   */
  httpTimeoutMs?: number;
}

/**
 * What observers (dashboard, metrics) hear, always after the change is committed:
 * - `event-put`: an event reached a bus (also replayed and forwarded ones) and the rules it matched;
 * - `delivered`: a target took an event;
 * - `delivery-failed`: an attempt failed and will be retried at `nextAttemptAt`;
 * - `dead-lettered`: retries are over (or the error is not retryable): the event went to the
 *   target's DLQ (`deadLetterQueue`), or was dropped when the target has none.
 */
export interface EventBusServiceEvents {
  'event-put': [{ busName: string; event: BusEvent; matchedRules: string[] }];
  delivered: [{ delivery: Delivery }];
  'delivery-failed': [{ delivery: Delivery; error: string; nextAttemptAt: number }];
  'dead-lettered': [
    { delivery: Delivery; error: string; condition: ExhaustedCondition; deadLetterQueue?: string },
  ];
}

/**
 * How long the `{bus}-all` archives keep events by default: a week to replay from, while the
 * log of a busy local cloud (about 1 GB a day at 20 doors) stays bounded.
 */
export const DEFAULT_ARCHIVE_RETENTION_DAYS = 7;

export interface PutEventsResult {
  failedEntryCount: number;
  entries: Array<{ eventId?: string; errorCode?: string; errorMessage?: string }>;
}

/** PutEvents' answer as the API gives it (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html). */
export function putEventsResponse(r: PutEventsResult): {
  FailedEntryCount: number;
  Entries: Array<{ EventId?: string; ErrorCode?: string; ErrorMessage?: string }>;
} {
  return {
    FailedEntryCount: r.failedEntryCount,
    Entries: r.entries.map((e) =>
      e.eventId ? { EventId: e.eventId } : { ErrorCode: e.errorCode, ErrorMessage: e.errorMessage },
    ),
  };
}

/** Counters and depths for the dashboard and /metrics. */
export interface EventBusStats {
  eventsPut: number;
  delivered: number;
  deliveryFailures: number;
  deadLettered: number;
  pendingDeliveries: number;
  inFlight: number;
  eventsStored: number;
  /** Depth of every local queue (targets and dead-letter queues among them). */
  queueDepths: Record<string, { visible: number; inFlight: number }>;
}

/**
 * The local EventBridge: buses, rules matched with the project's pattern matcher, targets
 * with retries, dead-letter queues, archives and replays, all durable in SQLite. The wire
 * API is api.ts; this is the logic (LocalStack events/provider.py + event_bus.py, split).
 */
export class EventBusService extends EventEmitter<EventBusServiceEvents> {
  readonly store: EventsStore;
  readonly functions: LambdaTarget;
  readonly http: HttpTarget;
  readonly region: string;
  readonly accountId: string;
  readonly #o: EventBusServiceOptions;
  readonly #clock: Clock;
  readonly #newId: () => string;
  readonly #kinds: TargetKind[];
  readonly #rules: RuleBook;
  readonly #worker: DeliveryWorker;
  readonly #deadLetters: DeadLetters;
  readonly #replayer: Replayer;
  readonly #counts = { eventsPut: 0, delivered: 0, deliveryFailures: 0, deadLettered: 0 };
  readonly #onError: (err: unknown) => void;
  readonly #group: PutEventsGroup;
  /**
   * What the events written in the open PutEvents transaction do once it commits (count,
   * tell observers, invoke live views, wake the worker); undefined outside one. A group that
   * rolls back (to be run again without a failed request) drops them, so observers never
   * hear of an event that was not committed, nor twice of one that was.
   */
  #afterCommit: Array<() => void> | undefined;

  constructor(opts: EventBusServiceOptions) {
    super();
    const days = opts.archiveRetentionDays;
    if (days !== undefined && (!Number.isInteger(days) || days < 0)) {
      throw new RangeError(
        `archiveRetentionDays must be a whole number of days, 0 or more (0 keeps events forever); received ${String(days)}`,
      );
    }
    this.#o = opts;
    this.region = opts.region;
    this.accountId = opts.accountId;
    this.#clock = opts.clock ?? SYSTEM_CLOCK;
    this.#newId = opts.newId ?? randomUUID;
    this.#onError = opts.onError ?? ((err) => console.error('local eventbridge: internal failure', err));
    this.store = new SqliteEventsStore(opts.db);
    this.#group = new PutEventsGroup(
      (fn) => this.#commit(fn),
      (entries) => this.putEvents(entries),
    );
    this.functions = new LambdaTarget(this.#clock);
    this.http = new HttpTarget(opts.httpTimeoutMs === undefined ? {} : { timeoutMs: opts.httpTimeoutMs });
    const bus = new BusTarget(
      (name) => this.store.getBus(name) !== undefined,
      (name, event) => this.#ingest(name, { ...event }, this.#clock.now()),
    );
    this.#kinds = [this.functions, new QueueTarget(opts.queues), this.http, bus];
    this.#rules = new RuleBook(
      this.store,
      this.region,
      this.accountId,
      (n) => this.getEventBus(n),
      this.#kinds,
    );
    this.#deadLetters = new DeadLetters(this.store, opts.queues, this.#newId, () => this.#clock.now());
    this.#replayer = new Replayer(this.store, this.#clock, (bus, event, filter) =>
      this.#ingest(bus, event, this.#clock.now(), filter),
    );
    this.#worker = new DeliveryWorker({
      store: this.store,
      clock: this.#clock,
      random: opts.random ?? Math.random,
      backoff: opts.backoff ?? {},
      concurrency: opts.concurrency ?? 16,
      attempt: (d) => this.#attempt(d),
      delivered: (delivery) => {
        this.#counts.delivered++;
        this.#emitLater('delivered', { delivery });
      },
      retrying: (delivery, error, nextAttemptAt) => {
        this.#counts.deliveryFailures++;
        this.#emitLater('delivery-failed', {
          delivery,
          error: `${error.code}: ${error.message}`,
          nextAttemptAt,
        });
      },
      exhausted: (delivery, error, condition) => this.#exhausted(delivery, error, condition),
      onError: (err) => this.#onError(err),
    });
  }

  /**
   * Creates `default` and the configured buses, gives the service's own archives the
   * configured retention, loads rules, resumes pending deliveries and replays, and starts the
   * archives' hourly retention pass.
   */
  start(): void {
    for (const name of ['default', ...(this.#o.busNames ?? [])]) {
      if (!this.store.getBus(name)) this.createEventBus(name);
    }
    // At every start, so that a changed config applies; archives of earlier versions, which
    // kept every event forever, get it too.
    for (const bus of this.store.listBuses()) {
      this.#replayer.applyOwnRetention(defaultArchiveName(bus.name), bus.name, this.#archiveRetentionDays);
    }
    for (const err of this.#rules.load()) this.#onError(err);
    this.#worker.start();
    this.#replayer.start();
  }

  async stop(): Promise<void> {
    this.#replayer.stop();
    await this.#worker.stop();
  }

  // Buses ------------------------------------------------------------------

  createEventBus(name: string, description?: string): EventBus {
    checkName('name', name, 256);
    if (this.store.getBus(name)) {
      throw new EventsResourceAlreadyExistsError(name, `Event bus ${name} already exists.`);
    }
    const bus: EventBus = {
      name,
      arn: busArn(this.region, this.accountId, name),
      createdAt: this.#clock.now(),
    };
    if (description !== undefined) bus.description = description;
    this.store.putBus(bus);
    if (this.#o.archiveEveryBus ?? true) {
      this.#replayer.createArchive(
        {
          name: defaultArchiveName(name),
          busName: name,
          description: defaultArchiveDescription(name),
          retentionDays: this.#archiveRetentionDays,
          managed: true,
        },
        this.region,
        this.accountId,
      );
    }
    return bus;
  }

  get #archiveRetentionDays(): number {
    return this.#o.archiveRetentionDays ?? DEFAULT_ARCHIVE_RETENTION_DAYS;
  }

  getEventBus(nameOrArn: string): EventBus {
    const name = busNameOf(nameOrArn);
    const bus = this.store.getBus(name);
    if (!bus) throw new EventsResourceNotFoundError(name, `Event bus ${name} does not exist.`);
    return bus;
  }

  listEventBuses(prefix = ''): EventBus[] {
    return this.store.listBuses().filter((b) => b.name.startsWith(prefix));
  }

  // Rules and targets (RuleBook) --------------------------------------------

  putRule(input: {
    name: string;
    busName?: string;
    eventPattern?: string;
    state?: RuleState;
    description?: string;
  }): Rule {
    return this.#rules.putRule(input);
  }
  getRule(name: string, busName = 'default'): Rule {
    return this.#rules.getRule(name, busName);
  }
  listRules(busName = 'default', prefix = ''): Rule[] {
    return this.#rules.listRules(busName, prefix);
  }
  setRuleState(name: string, busName: string | undefined, state: RuleState): Rule {
    return this.#rules.setRuleState(name, busName, state);
  }
  deleteRule(name: string, busName = 'default'): void {
    this.#rules.deleteRule(name, busName);
  }
  /** Adds or replaces targets; returns per-target failures as PutTargets does. */
  putTargets(
    ruleName: string,
    busName: string | undefined,
    targets: Array<Partial<Target> & { id: string; arn: string }>,
  ): FailedTarget[] {
    return this.#rules.putTargets(ruleName, busName, targets);
  }
  removeTargets(ruleName: string, busName: string | undefined, ids: string[]): string[] {
    return this.#rules.removeTargets(ruleName, busName, ids);
  }
  listTargets(ruleName: string, busName?: string): Target[] {
    return this.#rules.listTargets(ruleName, busName);
  }

  // Events -----------------------------------------------------------------

  testEventPattern(pattern: string, eventJson: string): boolean {
    const problem = checkEventPattern(pattern);
    if (problem !== undefined)
      throw new EventsInvalidPatternError(`Event pattern is not valid. Reason: ${problem}`);
    return matchesEventPattern(compileEventPattern(pattern), parseTestEvent(eventJson));
  }

  /**
   * PutEvents: 1-10 entries (else ValidationException); each entry succeeds or fails on its own.
   * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
   */
  putEvents(entries: PutEventsEntryInput[]): PutEventsResult {
    if (!Array.isArray(entries) || entries.length < 1 || entries.length > 10) {
      throw new EventsValidationError(
        `1 validation error detected: Value '${Array.isArray(entries) ? entries.length : 0} entries' at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10 and greater than or equal to 1`,
      );
    }
    const tooBig = checkRequestSize(entries);
    if (tooBig !== undefined) throw new EventsValidationError(tooBig);
    const now = this.#clock.now();
    const result: PutEventsResult = { failedEntryCount: 0, entries: [] };
    // One transaction for the whole request: one disk sync instead of one per entry.
    this.#commit(() => {
      for (const entry of entries) {
        const checked = checkEntry(entry ?? {}, { region: this.region, account: this.accountId, now });
        if (!checked.ok) {
          result.failedEntryCount++;
          result.entries.push({ errorCode: checked.errorCode, errorMessage: checked.errorMessage });
          continue;
        }
        const busName = busNameOf(checked.busName);
        // AWS has long answered success here and dropped the event (aws/aws-sdk#186, aws-cli#9186);
        // the local bus fails the entry instead, so the mistake shows up before deploying.
        if (!this.store.getBus(busName)) {
          result.failedEntryCount++;
          result.entries.push({
            errorCode: 'InvalidArgument',
            errorMessage: `Event bus ${busName} does not exist.`,
          });
          continue;
        }
        const event: BusEvent = { ...checked.event, id: this.#newId() } as BusEvent;
        // Keep the documented key order: version, id, detail-type, source, ...
        const ordered = {
          version: event.version,
          id: event.id,
          'detail-type': event['detail-type'],
          source: event.source,
          account: event.account,
          time: event.time,
          region: event.region,
          resources: event.resources,
          detail: event.detail,
        } as BusEvent;
        this.#ingest(busName, ordered, now);
        result.entries.push({ eventId: ordered.id });
      }
    });
    return result;
  }

  /**
   * PutEvents with group commit: the requests that arrive in the same turn of the event loop
   * (up to PUT_EVENTS_GROUP_MAX) are written in one transaction, and each promise
   * settles only after that commit, so an answered entry is on disk (WAL) as with
   * {@link putEvents}. A request's own validation error, or any error while it is written,
   * fails that request alone (the others are written without it); a failed commit fails the
   * whole group, nothing of it written.
   */
  putEventsGrouped(entries: PutEventsEntryInput[]): Promise<PutEventsResult> {
    return this.#group.put(entries);
  }

  /**
   * Runs `fn` in a transaction and, once it committed, the after-commit work of the events it
   * wrote (dropped when it rolls back). Inside an open one it joins it, its work with it.
   */
  #commit<T>(fn: () => T): T {
    if (this.#afterCommit !== undefined) return fn();
    const work: Array<() => void> = [];
    this.#afterCommit = work;
    let out: T;
    try {
      out = this.store.transaction(fn);
    } finally {
      this.#afterCommit = undefined;
    }
    for (const done of work) done();
    return out;
  }

  /** Archives, then writes one delivery row per (matching enabled rule, target), in one transaction. */
  #ingest(busName: string, event: BusEvent, now: number, onlyRules?: ReadonlySet<string>): void {
    let matched = this.#rules.matches(busName, event);
    if (onlyRules)
      matched = matched.filter((name) => onlyRules.has(ruleArn(this.region, this.accountId, busName, name)));
    const delivered: Delivery[] = [];
    const live: Delivery[] = [];
    let pending = 0;
    this.store.transaction(() => {
      if (event['replay-name'] === undefined) this.#replayer.archive(busName, event, now);
      for (const ruleName of matched) {
        const rule = this.store.getRule(busName, ruleName);
        if (!rule) continue;
        for (const target of this.store.listTargets(busName, ruleName)) {
          const delivery: Delivery = {
            id: this.#newId(),
            busName,
            ruleName,
            ruleArn: rule.arn,
            target,
            event,
            ingestedAt: now,
            attempts: 0,
            nextAttemptAt: now,
          };
          if (this.functions.isLive(target.arn)) live.push(delivery);
          else if (this.#deliverToLocalQueue(delivery)) delivered.push(delivery);
          else {
            this.store.insertDelivery(delivery);
            pending++;
          }
        }
      }
    });
    const committed = () => {
      this.#counts.eventsPut++;
      this.#counts.delivered += delivered.length;
      this.#emitLater('event-put', { busName, event, matchedRules: matched });
      for (const delivery of delivered) this.#emitLater('delivered', { delivery });
      for (const delivery of live) queueMicrotask(() => void this.#deliverLive(delivery));
      if (pending > 0) this.#worker.kick();
    };
    // Inside PutEvents' transaction this waits for its commit; elsewhere (replays, bus
    // targets) it runs now, its notices deferred to after the caller's transaction as before.
    if (this.#afterCommit !== undefined) this.#afterCommit.push(committed);
    else committed();
  }

  /** A live view's one attempt, after the commit: a failure is reported, not retried. */
  async #deliverLive(delivery: Delivery): Promise<void> {
    try {
      await this.#attempt(delivery);
    } catch (err) {
      this.#counts.deliveryFailures++;
      this.#onError(err);
      return;
    }
    this.#counts.delivered++;
    this.#emitLater('delivered', { delivery });
  }

  /**
   * A target that is a local queue takes the event in the transaction that stores it: the
   * queue's message commits with the event or not at all, so no delivery row, worker turn
   * or second commit is needed (the pipeline's busiest path). Anything else (another
   * kind, a queue that does not exist yet, an input the transformer refuses) goes through
   * a delivery row and the worker, with its retries and dead-letter queue.
   */
  #deliverToLocalQueue(d: Delivery): boolean {
    const queue = queueNameFromArn(d.target.arn);
    if (queue === undefined || !this.#o.queues.hasQueue(queue)) return false;
    const t = d.target;
    let text: string;
    if (t.input === undefined && t.inputPath === undefined && t.inputTransformer === undefined) {
      text = eventJson(d.event);
    } else {
      try {
        text = transformInput(t, d.event, {
          ruleArn: d.ruleArn,
          ruleName: d.ruleName,
          ingestedAt: d.ingestedAt,
        }).text;
      } catch {
        return false;
      }
    }
    this.#o.queues.send(queue, text);
    return true;
  }

  async #attempt(d: Delivery): Promise<void> {
    const kind = this.#kinds.find((k) => k.accepts(d.target.arn));
    if (!kind)
      throw new TargetInvocationError('InvalidTarget', `No local target kind for ${d.target.arn}`, false);
    const input = transformInput(d.target, d.event, {
      ruleArn: d.ruleArn,
      ruleName: d.ruleName,
      ingestedAt: d.ingestedAt,
    });
    await kind.invoke({ arn: d.target.arn, event: d.event, input, attemptId: this.#newId() });
  }

  #exhausted(delivery: Delivery, error: TargetInvocationError, condition: ExhaustedCondition): void {
    this.#counts.deadLettered++;
    const deadLetterQueue = this.#deadLetters.send(delivery, error, condition);
    const payload: EventBusServiceEvents['dead-lettered'][0] = {
      delivery,
      error: `${error.code}: ${error.message}`,
      condition,
    };
    if (deadLetterQueue !== undefined) payload.deadLetterQueue = deadLetterQueue;
    this.#emitLater('dead-lettered', payload);
  }

  /**
   * Observers hear of things after the transaction that made them committed, and a listener
   * that throws is reported, never allowed to roll back an ingest or a dead letter.
   */
  #emitLater<K extends keyof EventBusServiceEvents>(name: K, ...args: EventBusServiceEvents[K]): void {
    queueMicrotask(() => {
      try {
        (this.emit as (n: K, ...a: EventBusServiceEvents[K]) => boolean)(name, ...args);
      } catch (err) {
        this.#onError(err);
      }
    });
  }

  // Dead letters, archives, replays -----------------------------------------

  /** Puts the dead letters of a DLQ back into delivery (to the rule and target they failed at). */
  redriveDeadLetters(deadLetterQueue: string): { redriven: number; skipped: number } {
    const out = this.#deadLetters.redrive(deadLetterQueue);
    this.#worker.kick();
    return out;
  }

  get archives(): Replayer {
    return this.#replayer;
  }

  stats(): EventBusStats {
    return {
      ...this.#counts,
      pendingDeliveries: this.store.countPendingDeliveries(),
      inFlight: this.#worker.inFlight,
      eventsStored: this.store.countEvents(),
      queueDepths: Object.fromEntries(
        this.#o.queues.listQueues().map((q) => [q.name, this.#o.queues.depth(q.name)]),
      ),
    };
  }
}
