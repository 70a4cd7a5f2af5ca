import {
  PutEventsCommand,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import type { BusEntry } from '@smartdoor/shared';
import { type BusTarget, batches, reasonOf, toEntry } from './records.js';

/** The EventBridge client port: an EventBridgeClient fits. */
export interface EventBridgePort {
  send(command: PutEventsCommand): Promise<PutEventsCommandOutput>;
}

/** Where invalid input goes, with the reason (an SQS queue on AWS, a local queue here). */
export interface IngestErrorSink {
  send(record: IngestErrorRecord): Promise<void>;
}

export interface IngestErrorRecord {
  /** Why the record was refused, readable: names the field and what was wrong. */
  reason: string;
  /** The rule output as received. */
  record: unknown;
  /** Epoch ms. */
  at: number;
}

type LogFn = (msg: string, extra?: object) => void;
export interface IngestLogger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

export interface IngestClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface IngestPorts {
  eventBridge: EventBridgePort;
  errors: IngestErrorSink;
  clock: IngestClock;
  logger: IngestLogger;
  target: BusTarget;
  /** @default Math.random (jitter) */
  random?: () => number;
  /**
   * PutEvents attempts for entries that keep failing (FailedEntryCount), first included.
   * @default 5
   */
  maxAttempts?: number;
  /** First backoff delay; doubles each attempt, full jitter. @default 100 */
  baseDelayMs?: number;
  /** @default 5000 */
  maxDelayMs?: number;
}

export interface IngestResult {
  received: number;
  put: number;
  invalid: number;
}

/** Some entries still failed after every retry; the invocation fails so it is retried or dead-lettered. */
export class IngestPutEventsError extends Error {
  override name = 'IngestPutEventsError';
  constructor(
    readonly failures: Array<{ errorCode?: string; errorMessage?: string; detailType: string }>,
    options?: { cause?: unknown },
  ) {
    super(
      `PutEvents failed for ${failures.length} entr${failures.length === 1 ? 'y' : 'ies'} after retries: ${failures
        .map((f) => `${f.detailType}: ${f.errorCode ?? 'Error'} ${f.errorMessage ?? ''}`.trim())
        .slice(0, 3)
        .join('; ')}`,
      options,
    );
  }
}

/** The error sink could not take some invalid records; the valid ones were put all the same. */
export class IngestErrorSinkError extends Error {
  override name = 'IngestErrorSinkError';
  constructor(
    readonly failed: number,
    options?: { cause?: unknown },
  ) {
    super(
      `error sink failed for ${failed} invalid record${failed === 1 ? '' : 's'}: ${(options?.cause as Error | undefined)?.message ?? 'unknown error'}`,
      options,
    );
  }
}

/** Counters across invocations, for metrics. */
export interface IngestStats {
  received: number;
  put: number;
  invalid: number;
  retried: number;
  /** Records that are no door's event (a claim client's presence), dropped on purpose. */
  ignored: number;
}

/**
 * The ingest function's core, the same on Lambda and locally: topic rule outputs (one or
 * many) in, EventBridge events out. Invalid records go to the error sink with the reason
 * and never block the valid ones; entries PutEvents refuses (FailedEntryCount) are retried
 * alone, with exponential backoff and full jitter.
 */
export class IngestHandler {
  readonly #p: IngestPorts;
  readonly #stats: IngestStats = {
    received: 0,
    put: 0,
    invalid: 0,
    retried: 0,
    ignored: 0,
  };

  constructor(ports: IngestPorts) {
    this.#p = ports;
  }

  get stats(): IngestStats {
    return { ...this.#stats };
  }

  /** Lambda-style entry: `(event) => result`. An array is a batch of rule outputs. */
  handle = async (event: unknown): Promise<IngestResult> => {
    const records = Array.isArray(event) ? event : [event];
    this.#stats.received += records.length;
    const valid: Array<{ entry: BusEntry }> = [];
    const refused: Array<{ record: unknown; reason: string }> = [];
    for (const record of records) {
      try {
        const entry = toEntry(record, this.#p.target);
        if (entry) valid.push({ entry });
        else {
          this.#stats.ignored++;
          this.#p.logger.debug('ignored ingest record: not a door event', { record });
        }
      } catch (err) {
        refused.push({ record, reason: reasonOf(err) });
      }
    }
    const failures: IngestPutEventsError['failures'] = [];
    for (const batch of batches(valid))
      failures.push(...(await this.#putWithRetries(batch.map((b) => b.entry))));
    const put = valid.length - failures.length;
    this.#stats.put += put;
    // After the puts: a failing error sink must not hold back the valid records.
    const sinkFailures = await this.#refuse(refused);
    if (failures.length > 0) throw new IngestPutEventsError(failures);
    if (sinkFailures.length > 0)
      throw new IngestErrorSinkError(sinkFailures.length, { cause: sinkFailures[0] });
    return { received: records.length, put, invalid: refused.length };
  };

  /** Sends invalid records to the error sink; returns the sink's errors. */
  async #refuse(refused: Array<{ record: unknown; reason: string }>): Promise<unknown[]> {
    const errors: unknown[] = [];
    for (const { record, reason } of refused) {
      this.#stats.invalid++;
      this.#p.logger.warn('invalid ingest record', { reason });
      try {
        await this.#p.errors.send({ reason, record, at: this.#p.clock.now() });
      } catch (err) {
        this.#p.logger.error('error sink failed', { reason, error: (err as Error).message });
        errors.push(err);
      }
    }
    return errors;
  }

  /** Returns the entries that still failed after the last attempt. */
  async #putWithRetries(entries: BusEntry[]): Promise<IngestPutEventsError['failures']> {
    const maxAttempts = this.#p.maxAttempts ?? 5;
    let pending = entries;
    let lastErrors: Array<{ errorCode?: string; errorMessage?: string }> = [];
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (attempt > 1) {
        this.#stats.retried += pending.length;
        await this.#p.clock.sleep(this.#delay(attempt - 1));
      }
      let output: PutEventsCommandOutput;
      try {
        output = await this.#p.eventBridge.send(new PutEventsCommand({ Entries: pending.map(toSdkEntry) }));
      } catch (err) {
        // The SDK already retried throttling and 5xx; keep trying the whole request.
        this.#p.logger.warn('PutEvents call failed', { attempt, error: (err as Error).message });
        lastErrors = pending.map(() => ({
          errorCode: (err as Error).name,
          errorMessage: (err as Error).message,
        }));
        continue;
      }
      if (!output.FailedEntryCount) return [];
      const results = output.Entries ?? [];
      const still: BusEntry[] = [];
      lastErrors = [];
      pending.forEach((entry, i) => {
        const r = results[i];
        // An entry without an EventId failed; the response keeps the request's order.
        if (!r?.EventId) {
          still.push(entry);
          lastErrors.push({
            ...(r?.ErrorCode === undefined ? {} : { errorCode: r.ErrorCode }),
            ...(r?.ErrorMessage === undefined ? {} : { errorMessage: r.ErrorMessage }),
          });
        }
      });
      this.#p.logger.warn('PutEvents partial failure', { attempt, failed: still.length, of: pending.length });
      pending = still;
      if (pending.length === 0) return [];
    }
    return pending.map((entry, i) => ({ ...lastErrors[i], detailType: entry.DetailType }));
  }

  #delay(retry: number): number {
    const base = this.#p.baseDelayMs ?? 100;
    const cap = Math.min(this.#p.maxDelayMs ?? 5_000, base * 2 ** (retry - 1));
    return Math.floor((this.#p.random ?? Math.random)() * cap);
  }
}

function toSdkEntry(entry: BusEntry): PutEventsRequestEntry {
  return {
    Source: entry.Source,
    DetailType: entry.DetailType,
    Detail: entry.Detail,
    ...(entry.Time ? { Time: entry.Time } : {}),
    ...(entry.Resources ? { Resources: entry.Resources } : {}),
    ...(entry.EventBusName ? { EventBusName: entry.EventBusName } : {}),
  };
}
