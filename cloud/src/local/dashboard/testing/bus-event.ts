import type { BusEvent } from '@smartdoor/shared';

let seq = 0;

/**
 * A bus event as the dashboard receives it, for the dashboard's tests: `detail` is `body`
 * with the metadata the dashboard reads (a fresh idempotency key unless one is given). A
 * device event carries `occurredAt` as ingest writes it: `options.occurredAt`, else `time`.
 */
export function dashboardBusEvent(
  detailType: string,
  body: Record<string, unknown>,
  options: {
    source?: string;
    thingName?: string;
    key?: string;
    time?: string;
    occurredAt?: string;
    causedBy?: string[];
  } = {},
): BusEvent {
  seq++;
  const source = options.source ?? 'smartdoor.device';
  const time = options.time ?? '2026-11-22T12:00:00.000Z';
  const occurredAt = options.occurredAt ?? (source === 'smartdoor.device' ? time : undefined);
  return {
    version: '0',
    id: `id-${seq}`,
    'detail-type': detailType,
    source,
    account: '000000000000',
    time,
    region: 'us-east-1',
    resources: [],
    detail: {
      metadata: {
        'idempotency-key': options.key ?? `0193a1b2-0000-7000-8000-${String(seq).padStart(12, '0')}`,
        thingName: options.thingName ?? 'door-001',
        seq,
        ...(occurredAt ? { occurredAt } : {}),
        ...(options.causedBy ? { causedBy: options.causedBy } : {}),
      },
      ...body,
    },
  };
}
