import type { BusEvent } from '@smartdoor/shared';
import { jsonDepth, LIMITS } from '@smartdoor/shared';

/**
 * "PutEvents will only process nested JSON up to 1100 levels deep"
 * (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html). Deeper
 * details would also overflow the stack of every recursive reader (JSON.stringify, matching).
 */
export const PUT_EVENTS_MAX_DETAIL_DEPTH = 1100;

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
  const size = entrySize(entry);
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
  // Each level takes two characters at least, so a short detail (every event of the hot
  // path) cannot be too deep and is not walked.
  if (
    detailText.length > 2 * PUT_EVENTS_MAX_DETAIL_DEPTH &&
    jsonDepth(detail, PUT_EVENTS_MAX_DETAIL_DEPTH) > PUT_EVENTS_MAX_DETAIL_DEPTH
  ) {
    return {
      ok: false,
      errorCode: 'MalformedDetail',
      errorMessage: `Detail is malformed: it nests deeper than ${PUT_EVENTS_MAX_DETAIL_DEPTH} levels, the most PutEvents processes.`,
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

/**
 * An entry's size as EventBridge counts it: Source, DetailType, Detail and Resources in UTF-8
 * bytes, 14 for a Time (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html).
 * Fields of the wrong type count nothing (checkEntry fails them).
 */
export function entrySize(entry: PutEventsEntryInput): number {
  const bytes = (v: unknown) => (typeof v === 'string' ? Buffer.byteLength(v) : 0);
  let size = (entry.Time !== undefined ? 14 : 0) + bytes(entry.Source) + bytes(entry.DetailType);
  size += bytes(entry.Detail);
  if (Array.isArray(entry.Resources)) for (const r of entry.Resources) size += bytes(r);
  return size;
}

/**
 * The request-wide check: "the total entry size must be less than 256 KB" (same page), the
 * sum of its entries, each of which may fit alone. An error text, or undefined.
 */
export function checkRequestSize(entries: readonly PutEventsEntryInput[]): string | undefined {
  let total = 0;
  for (const entry of entries) total += entrySize(entry ?? {});
  if (total <= LIMITS.PUT_EVENTS_MAX_ENTRY_BYTES) return undefined;
  return `Total size of the entries in the request is over the limit: ${total} bytes, more than ${LIMITS.PUT_EVENTS_MAX_ENTRY_BYTES} bytes (256 KB).`;
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
