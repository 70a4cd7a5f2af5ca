import { ContractValidationError, describeValue } from '../errors.js';
import { LIMITS } from '../limits.js';
import { parseWith } from '../validation.js';
import { DEVICE_EVENT_TYPES } from './catalog.js';
import { DEVICE_EVENT_SCHEMAS, type DeviceEvent } from './device-event.js';

export interface ParseDeviceEventOptions {
  /**
   * The thing name taken from the connection (topic and certificate). When given, the
   * payload's `thingName` must equal it: a device cannot speak for another.
   */
  thingName?: string;
}

/**
 * Validate a device event from the wire (bytes, a string, or parsed JSON). Throws a
 * ContractValidationError whose message names the field, what was expected and what came:
 * oversize payloads, malformed JSON, unknown types, missing or mistyped fields, bad
 * timestamps, bad `seq`, and a thing name that is not the sender's.
 */
export function parseDeviceEvent(
  payload: Uint8Array | string | unknown,
  options: ParseDeviceEventOptions = {},
): DeviceEvent {
  let input: unknown = payload;
  if (typeof payload === 'string' || payload instanceof Uint8Array) {
    const size = typeof payload === 'string' ? Buffer.byteLength(payload, 'utf8') : payload.byteLength;
    if (size > LIMITS.IOT_MAX_PAYLOAD_BYTES) {
      throw new ContractValidationError('device event', [
        {
          path: '',
          expected: `a payload of at most ${LIMITS.IOT_MAX_PAYLOAD_BYTES} bytes`,
          received: `${size} bytes`,
        },
      ]);
    }
    const text = typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8');
    try {
      input = JSON.parse(text);
    } catch (err) {
      throw new ContractValidationError(
        'device event',
        [{ path: '', expected: 'a JSON document', received: `malformed JSON (${(err as Error).message})` }],
        { cause: err },
      );
    }
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ContractValidationError('device event', [
      { path: '', expected: 'a JSON object', received: describeValue(input) },
    ]);
  }
  const type = (input as { type?: unknown }).type;
  if (typeof type !== 'string' || !(type in DEVICE_EVENT_SCHEMAS)) {
    throw new ContractValidationError('device event', [
      { path: 'type', expected: `one of ${DEVICE_EVENT_TYPES.join(', ')}`, received: describeValue(type) },
    ]);
  }
  const event = parseWith(
    DEVICE_EVENT_SCHEMAS[type as keyof typeof DEVICE_EVENT_SCHEMAS],
    input,
    'device event',
  ) as DeviceEvent;
  if (options.thingName !== undefined && event.thingName !== options.thingName) {
    throw new ContractValidationError('device event', [
      {
        path: 'thingName',
        expected: `the sender's thing name ${JSON.stringify(options.thingName)}`,
        received: describeValue(event.thingName),
      },
    ]);
  }
  return event;
}
