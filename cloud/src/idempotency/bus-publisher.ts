import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import type { BusEventMetadata } from '@smartdoor/shared';
import { SubscriberRuntimeError } from './errors.js';

/** The EventBridge client port: the real SDK client, here or against the local endpoint. */
export type EventBridgePort = Pick<EventBridgeClient, 'send'>;

/** An event a subscriber emits: detail with smartdoor metadata. */
export interface EmittedEvent {
  source: string;
  detailType: string;
  detail: { metadata: BusEventMetadata } & Record<string, unknown>;
  time: Date;
  resources?: string[];
}

/** PutEvents reported entries it did not take (FailedEntryCount > 0). */
export class PutEventsFailedError extends SubscriberRuntimeError {
  override name = 'PutEventsFailedError';
  constructor(readonly failures: Array<{ detailType: string; errorCode?: string; errorMessage?: string }>) {
    super(
      `PutEvents refused ${failures.length} entr${failures.length === 1 ? 'y' : 'ies'}: ${failures
        .map((f) => `${f.detailType} (${f.errorCode ?? 'unknown'}: ${f.errorMessage ?? ''})`)
        .join('; ')}`,
    );
  }
}

/**
 * Put events on the bus. PutEvents answers 200 even when entries fail; the failed ones
 * carry ErrorCode (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html),
 * so check FailedEntryCount and throw: the message is retried, and since every emitted
 * key is derived from the source key, a retry emits the same events again, which
 * consumers drop.
 */
export async function putBusEvents(
  client: EventBridgePort,
  busName: string,
  events: EmittedEvent[],
): Promise<void> {
  if (events.length === 0) return;
  const entries: PutEventsRequestEntry[] = events.map((e) => ({
    Source: e.source,
    DetailType: e.detailType,
    Detail: JSON.stringify(e.detail),
    Time: e.time,
    Resources: e.resources ?? [],
    EventBusName: busName,
  }));
  const out = await client.send(new PutEventsCommand({ Entries: entries }));
  if ((out.FailedEntryCount ?? 0) === 0) return;
  const failures = (out.Entries ?? [])
    .map((r, i) => ({ r, i }))
    .filter(({ r }) => r.ErrorCode !== undefined)
    .map(({ r, i }) => ({
      detailType: events[i]?.detailType ?? '?',
      errorCode: r.ErrorCode,
      errorMessage: r.ErrorMessage,
    }));
  throw new PutEventsFailedError(failures);
}
