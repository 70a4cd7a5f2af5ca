import type { BusEvent } from '@smartdoor/shared';
import { LIMITS } from '@smartdoor/shared';

/** A PutEvents entry as it arrives on the wire (every field may be missing or wrong). */
export interface PutEventsEntryInput {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  Time?: unknown;
  Resources?: unknown;
  EventBusName?: unknown;
  TraceHeader?: unknown;
}

export type EntryCheck =
  | { ok: true; busName: string; event: Omit<BusEvent, 'id'> }
  | { ok: false; errorCode: string; errorMessage: string };

export interface EntryContext {
  region: string;
  account: string;
  /** Epoch ms, used when the entry has no Time. */
  now: number;
}

/**
 * Checks one entry and builds the event it puts on the bus. Failures are per entry, as
 * PutEvents reports them (ErrorCode InvalidArgument / MalformedDetail), never thrown
 * (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsResultEntry.html).
 */
export function checkEntry(entry: PutEventsEntryInput, ctx: EntryContext): EntryCheck {
  for (const field of ['Source', 'DetailType', 'Detail'] as const) {
    const v = entry[field];
    if (typeof v !== 'string' || v.length === 0) {
      return invalid(`Parameter ${field} is not valid. Reason: ${field} is a required argument.`);
    }
  }
  const source = entry.Source as string;
  const detailType = entry.DetailType as string;
  const detailText = entry.Detail as string;
  const resources = entry.Resources ?? [];
  if (!Array.isArray(resources) || resources.some((r) => typeof r !== 'string')) {
    return invalid('Parameter Resources is not valid. Reason: Resources must be a list of strings.');
  }
  // Entry size as EventBridge counts it (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html).
  const size =
    (entry.Time !== undefined ? 14 : 0) +
    Buffer.byteLength(source) +
    Buffer.byteLength(detailType) +
    Buffer.byteLength(detailText) +
    (resources as string[]).reduce((n, r) => n + Buffer.byteLength(r), 0);
  if (size > LIMITS.PUT_EVENTS_MAX_ENTRY_BYTES) {
    return invalid(
      `Entry size ${size} bytes exceeds the ${LIMITS.PUT_EVENTS_MAX_ENTRY_BYTES}-byte (256 KB) limit.`,
    );
  }
  let detail: unknown;
  try {
    detail = JSON.parse(detailText);
  } catch {
    return { ok: false, errorCode: 'MalformedDetail', errorMessage: 'Detail is malformed.' };
  }
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) {
    return {
      ok: false,
      errorCode: 'MalformedDetail',
      errorMessage: 'Detail is malformed: it must be a JSON object.',
    };
  }
  const time = parseTime(entry.Time, ctx.now);
  if (time === undefined) return invalid('Parameter Time is not valid.');
  const busName =
    typeof entry.EventBusName === 'string' && entry.EventBusName !== '' ? entry.EventBusName : 'default';
  return {
    ok: true,
    busName,
    event: {
      version: '0',
      'detail-type': detailType,
      source,
      account: ctx.account,
      time: formatEventTime(time),
      region: ctx.region,
      resources: resources as string[],
      detail: detail as Record<string, unknown>,
    },
  };
}

function invalid(errorMessage: string): EntryCheck {
  return { ok: false, errorCode: 'InvalidArgument', errorMessage };
}

/** The SDK sends Time as epoch seconds; also take ISO text. */
function parseTime(value: unknown, now: number): number | undefined {
  if (value === undefined || value === null) return now;
  if (typeof value === 'number' && Number.isFinite(value)) return value * 1000;
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/** EventBridge's `time` has second precision: 2015-11-11T21:29:54Z. */
export function formatEventTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
