import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import { BusEvent, type BusEventMetadata, ContractValidationError, parseWith } from '@smartdoor/shared';
import type { LambdaContext, SqsBatchResponse, SqsEvent, SubscriberLog } from './sqs-types.js';

/**
 * Key of the reason a failed item carries (a symbol, so JSON, and Lambda on AWS, never see
 * it): the local event source mapping keeps it with the message, up to its dead-letter queue.
 */
export const FAILURE_REASON: unique symbol = Symbol.for('smartdoor.sqs.failureReason');

/** A bus event whose detail carries smartdoor metadata. */
export type KeyedBusEvent = BusEvent<Record<string, unknown> & { metadata: BusEventMetadata }>;

export interface SqsBatchHandlerOptions<R> {
  /** Handles one event; throw to have the message retried (and dead-lettered at last). */
  process: (event: KeyedBusEvent, context: LambdaContext) => Promise<R>;
  persistenceStore: BasePersistenceLayer;
  /** Separates the handlers' records when they share one table. */
  keyPrefix: string;
  /**
   * How long a completed key suppresses repeats.
   * @default 86400 (one day: longer than any SQS retention of a retry)
   */
  expiresAfterSeconds?: number;
  /**
   * The longest one record may take. A record after the first is started only with this
   * much of the invocation left (`context.getRemainingTimeInMillis()`); the untried records
   * are reported as failures. A timed-out invocation reports nothing, so every record of its
   * batch, done ones included, would come back after the visibility timeout and count a
   * receive towards the DLQ for a failure that was only the batch's size.
   * @default no limit
   */
  recordBudgetMs?: number;
  log: SubscriberLog;
}

/**
 * An SQS-triggered handler that processes each record once per idempotency key
 * (Powertools makeIdempotent on detail.metadata.idempotency-key) and reports
 * the records that failed, so only those come back
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting).
 * Records run one after another: correlation reads what the previous record wrote.
 * A duplicate still in progress elsewhere fails its record; the retry then finds the
 * completed key and does nothing.
 */
export function createSqsBatchHandler<R>(options: SqsBatchHandlerOptions<R>) {
  const config = new IdempotencyConfig({ expiresAfterSeconds: options.expiresAfterSeconds ?? 86_400 });
  // Called as a Lambda handler is, (payload, context), with the key itself as the payload:
  // Powertools hashes it whole and registers the context, so an in-progress record expires
  // with this invocation's timeout. The hash is the one eventKeyJmesPath
  // 'detail.metadata."idempotency-key"' gives, without a JMESPath search per record (it
  // builds a new interpreter each time: a twentieth of a subscriber's CPU).
  const processOnce = makeIdempotent(
    async (_key: string, context: LambdaContext, event: KeyedBusEvent) => options.process(event, context),
    { persistenceStore: options.persistenceStore, config, keyPrefix: options.keyPrefix },
  );

  return async (event: SqsEvent, context: LambdaContext): Promise<SqsBatchResponse> => {
    const batchItemFailures: SqsBatchResponse['batchItemFailures'] = [];
    for (const [index, record] of event.Records.entries()) {
      // The first record always runs: a batch that starts nothing would only come back.
      const left = index > 0 ? remainingMs(context) : undefined;
      if (options.recordBudgetMs !== undefined && left !== undefined && left < options.recordBudgetMs) {
        const reason = `not started: ${left} ms left, a record may take ${options.recordBudgetMs} ms`;
        const untried = event.Records.slice(index);
        options.log.info('handing the rest of the batch back untried', {
          records: untried.length,
          remainingMs: left,
          recordBudgetMs: options.recordBudgetMs,
        });
        for (const r of untried) {
          batchItemFailures.push(
            Object.assign({ itemIdentifier: r.messageId }, { [FAILURE_REASON]: reason }),
          );
        }
        break;
      }
      try {
        const busEvent = parseKeyedBusEvent(record.body);
        await processOnce(busEvent.detail.metadata['idempotency-key'], context, busEvent);
      } catch (err) {
        options.log.warn('message failed; it will be retried, then dead-lettered', {
          messageId: record.messageId,
          receiveCount: record.attributes.ApproximateReceiveCount,
          error: describeError(err),
        });
        batchItemFailures.push(
          Object.assign({ itemIdentifier: record.messageId }, { [FAILURE_REASON]: describeError(err) }),
        );
      }
    }
    return { batchItemFailures };
  };
}

/** The invocation's remaining time, or undefined where the runtime gives none (a bare local context). */
function remainingMs(context: LambdaContext | undefined): number | undefined {
  if (typeof context?.getRemainingTimeInMillis !== 'function') return undefined;
  const ms = context.getRemainingTimeInMillis();
  return Number.isFinite(ms) ? ms : undefined;
}

/** Parse a message body into a bus event with smartdoor metadata, or throw a readable error. */
export function parseKeyedBusEvent(body: string): KeyedBusEvent {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (cause) {
    throw new ContractValidationError(
      'queued bus event',
      [{ path: '', expected: 'a JSON document', received: `malformed JSON (${(cause as Error).message})` }],
      { cause },
    );
  }
  const event = parseWith(BusEvent, json, 'queued bus event');
  const metadata = event.detail.metadata as Partial<BusEventMetadata> | undefined;
  if (typeof metadata?.['idempotency-key'] !== 'string' || typeof metadata.thingName !== 'string') {
    throw new ContractValidationError('queued bus event', [
      {
        path: 'detail.metadata',
        expected: 'an object with idempotency-key and thingName',
        received: metadata === undefined ? 'nothing (field missing)' : JSON.stringify(metadata).slice(0, 80),
      },
    ]);
  }
  return event as KeyedBusEvent;
}

export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
