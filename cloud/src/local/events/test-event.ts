import { jsonDepth } from '@smartdoor/shared';
import { EventsValidationError } from './errors.js';
import { PUT_EVENTS_MAX_DETAIL_DEPTH } from './put-events.js';

/** The envelope fields TestEventPattern requires of its event, as EventBridge does. */
const TEST_EVENT_FIELDS = ['id', 'account', 'source', 'time', 'region', 'resources', 'detail-type'] as const;

/**
 * The event of a TestEventPattern call, parsed and checked as EventBridge checks it: JSON,
 * no deeper than a put event may be, and a whole event (every envelope field present).
 * Throws EventsValidationError naming what is wrong. Shared by the API and
 * `smartdoor events test-event-pattern`, so both answer the same.
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_TestEventPattern.html
 */
export function parseTestEvent(eventJson: string): object {
  let event: unknown;
  try {
    event = JSON.parse(eventJson);
  } catch (cause) {
    throw new EventsValidationError(
      `Parameter Event is not valid. Reason: it is not JSON (${(cause as Error).message}).`,
      { cause },
    );
  }
  // As deep as a put event may be (its detail's levels and the envelope's), so that
  // matching never walks deeper than it does for PutEvents.
  if (jsonDepth(event, PUT_EVENTS_MAX_DETAIL_DEPTH + 1) > PUT_EVENTS_MAX_DETAIL_DEPTH + 1) {
    throw new EventsValidationError(
      `Parameter Event is not valid. Reason: it nests deeper than ${PUT_EVENTS_MAX_DETAIL_DEPTH + 1} levels.`,
    );
  }
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    throw new EventsValidationError('Parameter Event is not valid. Reason: it is not a JSON object.');
  }
  const missing = TEST_EVENT_FIELDS.filter((f) => !(f in event));
  if (missing.length > 0) {
    throw new EventsValidationError(
      `Parameter Event is not valid. Reason: missing field(s) ${missing.join(', ')}.`,
    );
  }
  return event;
}
