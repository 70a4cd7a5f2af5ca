import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { FAILURE_REASON } from '../../idempotency/sqs-batch.js';
import type { DeadLetterView } from '../dashboard/types.js';
import type { EventBusService } from '../events/index.js';
import { BatchNotTakenError, type LocalQueues, queueArn, type ReceivedMessage } from '../queues/index.js';
import { LocalIotError } from './errors.js';

/**
 * A subscriber failed a message (threw, or listed it in batchItemFailures). Its message is
 * what the queue keeps with the message and the dead-letter queue shows as the reason.
 */
export class SubscriberMessageFailedError extends LocalIotError {
  override name = 'SubscriberMessageFailedError';
  constructor(
    readonly subscriber: string,
    readonly messageId: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${subscriber} failed message ${messageId}: ${reason}`, options);
  }
}

/**
 * A subscriber's invocation ran past its function's timeout: its batch fails, as Lambda
 * stops the invocation and fails it with this message.
 */
export class SubscriberTimeoutError extends LocalIotError {
  override name = 'Task.TimedOut';
  constructor(readonly timeoutMs: number) {
    super(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`);
  }
}

/** The SQS event a subscriber receives, as Lambda's SQS event source builds it (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html). */
export interface LocalSqsEvent {
  Records: Array<{
    messageId: string;
    receiptHandle: string;
    body: string;
    attributes: { ApproximateReceiveCount: string; SentTimestamp: string; [name: string]: string };
    messageAttributes: Record<string, { stringValue?: string; binaryValue?: string; dataType: string }>;
    md5OfBody: string;
    eventSource: 'aws:sqs';
    eventSourceARN: string;
    awsRegion: string;
  }>;
}

export interface LocalSqsContext {
  awsRequestId: string;
  functionName: string;
  getRemainingTimeInMillis(): number;
}

/** A subscriber as Lambda runs it: an SQS batch in, the failed items (ReportBatchItemFailures) out. */
export type LocalSqsHandler = (
  event: LocalSqsEvent,
  context: LocalSqsContext,
) => Promise<{ batchItemFailures?: Array<{ itemIdentifier: string }> } | undefined | unknown>;

export interface SubscriberQueuesOptions {
  queues: LocalQueues;
  bus: EventBusService;
  logger: Logger;
  region: string;
  accountId: string;
  /** Receives before a message moves to the DLQ (SQS maxReceiveCount). @default 5 */
  maxReceiveCount?: number;
  /** Seconds a failed message stays hidden before its retry. @default 30 */
  visibilityTimeoutSeconds?: number;
  /**
   * The subscribers' function timeout (Lambda's Timeout), in seconds: an invocation still
   * running then fails its batch with "Task timed out after N seconds" and frees its slot.
   * On AWS the queue's visibility timeout must be at least this.
   * @default 30
   */
  timeoutSeconds?: number;
  /** How often an idle subscriber queue is polled. @default 250 */
  pollIntervalMs?: number;
  /**
   * Invocations of one subscriber in flight at once while its queue is busy (the event
   * source mapping's MaximumConcurrency), each with a batch of up to 10 messages that the
   * subscriber handles one after another. Each message waits on its writes' commit and its
   * PutEvents round trip, so few invocations leave the subscriber's thread idle: 4 capped a
   * subscriber near 500 messages/s and 16 near 1,500/s (with PutEvents over HTTP and one
   * message per invocation); at 5,000 events/s, 256 kept result p99 at 0.3-0.8 s where 64
   * let it grow to 1.2-1.6 s on a busy host.
   * @default 256
   */
  concurrency?: number;
  /** Extra queues whose messages the dashboard lists as dead letters (rule errors, ingest errors). */
  errorQueues?: readonly string[];
}

/**
 * Bus rule -> queue (with DLQ and max receive count) -> subscriber, as on AWS: each
 * subscriber's rule targets `smartdoor-{name}`, which an SQS event source mapping drains
 * into the subscriber's function. Messages wait in SQLite until a handler is registered.
 */
export class SubscriberQueues {
  readonly #o: SubscriberQueuesOptions;
  readonly #subscriptions = new Map<string, () => void>();

  constructor(options: SubscriberQueuesOptions) {
    this.#o = options;
  }

  static queueName(subscriber: string): string {
    return `smartdoor-${subscriber}`;
  }

  /** Creates the subscriber's queue and DLQ (idempotent); returns the queue name. */
  ensureQueue(subscriber: string): string {
    const name = SubscriberQueues.queueName(subscriber);
    this.#o.queues.createQueue(`${name}-dlq`);
    this.#o.queues.createQueue(name, {
      visibilityTimeoutSeconds: this.#o.visibilityTimeoutSeconds ?? 30,
      maxReceiveCount: this.#o.maxReceiveCount ?? 5,
      deadLetterQueue: `${name}-dlq`,
    });
    return name;
  }

  /**
   * Registers the subscriber's function on its queue (its event source mapping), in place of
   * any before it. Returns the unregister function, which stops this mapping only.
   */
  register(subscriber: string, handler: LocalSqsHandler): () => void {
    const queue = this.ensureQueue(subscriber);
    this.#subscriptions.get(subscriber)?.();
    const arn = queueArn(this.#o.region, this.#o.accountId, queue);
    const functionName = `smartdoor-${subscriber}`;
    const timeoutMs = (this.#o.timeoutSeconds ?? 30) * 1000;
    // One invocation per batch received, as Lambda's event source mapping invokes with up
    // to BatchSize (10) records; the handler reports the records it failed.
    const off = this.#o.queues.subscribe(
      queue,
      async (messages) => {
        const records = messages.map((m) => toRecord(m, arn, this.#o.region));
        const started = Date.now();
        let result: { batchItemFailures?: Array<{ itemIdentifier: string }> } | undefined;
        try {
          result = (await this.#invoke(handler, { Records: records }, timeoutMs, {
            awsRequestId: randomUUID(),
            functionName,
            getRemainingTimeInMillis: () => Math.max(0, started + timeoutMs - Date.now()),
          })) as typeof result;
        } catch (err) {
          // The function is stopping and did not take the batch: it goes back as it was.
          if (err instanceof BatchNotTakenError) throw err;
          const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
          return records.map((r) => ({
            receiptHandle: r.receiptHandle,
            error: new SubscriberMessageFailedError(subscriber, r.messageId, reason, { cause: err }),
          }));
        }
        return failedRecords(subscriber, records, result?.batchItemFailures ?? []);
      },
      { pollIntervalMs: this.#o.pollIntervalMs ?? 250, concurrency: this.#o.concurrency ?? 256 },
    );
    this.#subscriptions.set(subscriber, off);
    return () => {
      if (this.#subscriptions.get(subscriber) !== off) return;
      this.#subscriptions.delete(subscriber);
      off();
    };
  }

  /**
   * Runs one invocation, failed with a {@link SubscriberTimeoutError} past the function's
   * timeout, as Lambda stops it: otherwise one that never settles would hold its slot of the
   * mapping's concurrency forever. One timer per batch, cleared when it settles. A late
   * settlement of a timed-out invocation changes nothing (its batch failed already).
   */
  #invoke(
    handler: LocalSqsHandler,
    event: LocalSqsEvent,
    timeoutMs: number,
    context: LocalSqsContext,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        reject(new SubscriberTimeoutError(timeoutMs));
      }, timeoutMs);
      // A hung invocation must not keep the process alive after the cloud stops.
      timer.unref?.();
      const late = (outcome: string, err?: unknown) =>
        this.#o.logger.debug(
          { functionName: context.functionName, awsRequestId: context.awsRequestId, outcome, err },
          'a timed-out invocation settled late; ignored',
        );
      let invocation: Promise<unknown>;
      try {
        invocation = Promise.resolve(handler(event, context));
      } catch (err) {
        invocation = Promise.reject(err);
      }
      invocation.then(
        (value) => {
          clearTimeout(timer);
          if (timedOut) late('resolved');
          else resolve(value);
        },
        (err: unknown) => {
          clearTimeout(timer);
          if (timedOut) late('rejected', err);
          else reject(err);
        },
      );
    });
  }

  stop(): void {
    for (const off of this.#subscriptions.values()) off();
    this.#subscriptions.clear();
  }

  /** Every dead letter and error-queue message, for the dashboard. */
  deadLetters(): DeadLetterView[] {
    const out: DeadLetterView[] = [];
    const redrivable = new Set(this.#subscriberDlqs());
    for (const queue of this.#deadLetterQueues()) {
      for (const m of this.#o.queues.peek(queue, 100)) {
        const view: DeadLetterView = {
          id: m.messageId,
          queue,
          attempts: m.receiveCount,
          at: m.sentAt,
          ...describeBody(m.body),
          redrivable: redrivable.has(queue),
        };
        // The subscriber's own error beats anything read from the body.
        if (m.lastError !== undefined) view.reason = m.lastError;
        out.push(view);
      }
    }
    return out;
  }

  /**
   * Moves dead letters back to their subscriber queue (all when `ids` is empty). Error-queue
   * messages have no subscriber to go back to: they stay (see `dismiss`).
   */
  redrive(ids: readonly string[]): number {
    let moved = 0;
    for (const queue of this.#subscriberDlqs()) {
      const source = queue.slice(0, -'-dlq'.length);
      if (ids.length === 0) {
        moved += this.#o.queues.redrive(queue, source);
        continue;
      }
      for (const m of this.#o.queues.peek(queue, 1000)) {
        if (!ids.includes(m.messageId)) continue;
        this.#o.queues.send(source, m.body, m.attributes, { attributeTypes: m.attributeTypes });
        this.#o.queues.deleteById(queue, m.messageId);
        moved++;
      }
    }
    return moved;
  }

  /**
   * Deletes the given error-queue messages; returns how many went. Only those: they are
   * malformed input or failed rules that no redrive can fix, where a subscriber's dead
   * letter waits for its redrive. No ids, nothing deleted.
   */
  dismiss(ids: readonly string[]): number {
    let deleted = 0;
    for (const queue of this.#errorQueues()) {
      for (const id of ids) if (this.#o.queues.deleteById(queue, id)) deleted++;
    }
    return deleted;
  }

  backlog(): { queues: number; deadLetters: number } {
    let queues = 0;
    let deadLetters = 0;
    const dlqs = new Set(this.#deadLetterQueues());
    for (const { name } of this.#o.queues.listQueues()) {
      const d = this.#o.queues.depth(name);
      if (dlqs.has(name)) deadLetters += d.visible + d.inFlight;
      else queues += d.visible + d.inFlight;
    }
    return { queues, deadLetters };
  }

  #subscriberDlqs(): string[] {
    const errors = this.#o.errorQueues ?? [];
    return this.#o.queues
      .listQueues()
      .map((q) => q.name)
      .filter((n) => n.startsWith('smartdoor-') && n.endsWith('-dlq') && !errors.includes(n));
  }

  #errorQueues(): string[] {
    return (this.#o.errorQueues ?? []).filter((q) => this.#o.queues.hasQueue(q));
  }

  #deadLetterQueues(): string[] {
    return [...this.#subscriberDlqs(), ...this.#errorQueues()];
  }
}

function toRecord(message: ReceivedMessage, arn: string, region: string): LocalSqsEvent['Records'][number] {
  return {
    messageId: message.messageId,
    receiptHandle: message.receiptHandle,
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(message.receiveCount),
      SentTimestamp: String(message.sentAt),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.attributes).map(([k, v]) => {
        const dataType = message.attributeTypes?.[k] ?? 'String';
        return [
          k,
          dataType.startsWith('Binary') ? { binaryValue: v, dataType } : { stringValue: v, dataType },
        ];
      }),
    ),
    md5OfBody: createHash('md5').update(message.body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: arn,
    awsRegion: region,
  };
}

/**
 * The records a batch response failed, each with the reason the subscriber gave. As Lambda
 * does, an item identifier that names no record of the batch fails the whole batch
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting).
 */
function failedRecords(
  subscriber: string,
  records: LocalSqsEvent['Records'],
  failures: ReadonlyArray<{ itemIdentifier: string }>,
): Array<{ receiptHandle: string; error: SubscriberMessageFailedError }> {
  const byId = new Map(records.map((r) => [r.messageId, r]));
  const unknown = failures.find((f) => !byId.has(f.itemIdentifier));
  if (unknown) {
    const reason = `batchItemFailures names ${JSON.stringify(unknown.itemIdentifier)}, not a message of this batch: the whole batch failed`;
    return records.map((r) => ({
      receiptHandle: r.receiptHandle,
      error: new SubscriberMessageFailedError(subscriber, r.messageId, reason),
    }));
  }
  return failures.map((f) => {
    const reason = (f as { [FAILURE_REASON]?: unknown })[FAILURE_REASON];
    const record = byId.get(f.itemIdentifier)!;
    return {
      receiptHandle: record.receiptHandle,
      error: new SubscriberMessageFailedError(
        subscriber,
        record.messageId,
        typeof reason === 'string' ? reason : 'reported in batchItemFailures (no reason given)',
      ),
    };
  });
}

/**
 * What the dashboard shows of a message: the bus event's detail-type and door, or an error
 * reason. An ingest error (`{reason, record, at}`) names its door in the refused record:
 * the events rule's `thingName` (from the topic), or a lifecycle event's `clientId`.
 */
function describeBody(body: string): Pick<DeadLetterView, 'reason' | 'detailType' | 'thingName'> {
  try {
    const v = JSON.parse(body) as Record<string, unknown>;
    const detail = (v.detail ?? {}) as { metadata?: { thingName?: unknown } };
    const record = (v.record ?? {}) as { thingName?: unknown; clientId?: unknown };
    const out: Pick<DeadLetterView, 'reason' | 'detailType' | 'thingName'> = {};
    if (typeof v['detail-type'] === 'string') out.detailType = v['detail-type'];
    const thingName = [detail.metadata?.thingName, record.thingName, record.clientId].find(
      (n): n is string => typeof n === 'string',
    );
    if (thingName !== undefined) out.thingName = thingName;
    if (typeof v.reason === 'string') out.reason = v.reason;
    if (Array.isArray(v.failures))
      out.reason = `rule ${String(v.ruleName)}: ${JSON.stringify(v.failures[0])}`;
    return out;
  } catch {
    return { reason: 'not JSON' };
  }
}
