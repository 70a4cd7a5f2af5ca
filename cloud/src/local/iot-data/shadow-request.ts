import { jsonDepth, LIMITS } from '@smartdoor/shared';
import { ShadowRejectedError } from './errors.js';
import { isObject, type Json, type JsonObject } from './json.js';
import type { ShadowSection } from './shadow-document.js';

/**
 * Request state documents, checked as the Device Shadow service checks them, with its error
 * messages (https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-error-messages.html).
 */

/** A checked request state document. */
export interface UpdateRequest {
  /** `null` clears both sections ("Setting the device's shadow state to null"). */
  state: Partial<Record<ShadowSection, JsonObject | null>> | null;
  clientToken?: string;
  version?: number;
}

/** The Device Shadow service's limits (https://docs.aws.amazon.com/general/latest/gr/iot-core.html#device-shadow-limits). */
export const SHADOW_LIMITS = {
  /** desired + reported, metadata not counted (Diagnosing shadows: "8 KB of data only"). */
  maxStateBytes: 8192,
  /** "JSON contains too many levels of nesting; maximum is 6". */
  maxDepth: 6,
  /** "A client token that is longer than 64 bytes will cause this response." */
  maxClientTokenBytes: 64,
  /** A request is an IoT Core message: 128 KB at most, over HTTP as over MQTT. */
  maxRequestBytes: LIMITS.IOT_MAX_PAYLOAD_BYTES,
} as const;

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes and parses a payload as AWS does: UTF-8 only (415), valid JSON (400). */
function parseJson(payload: Buffer | string): unknown {
  let text: string;
  try {
    text = typeof payload === 'string' ? payload : UTF8.decode(payload);
  } catch {
    throw new ShadowRejectedError(415, 'Unsupported documented encoding; supported encoding is UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ShadowRejectedError(400, 'Invalid JSON');
  }
}

/** The clientToken of a request, checked; undefined when there is none. */
function clientTokenOf(doc: JsonObject): string | undefined {
  const token = doc.clientToken;
  if (token === undefined) return undefined;
  if (typeof token !== 'string' || Buffer.byteLength(token) > SHADOW_LIMITS.maxClientTokenBytes) {
    throw new ShadowRejectedError(400, 'Invalid clientToken');
  }
  return token;
}

/**
 * The clientToken of a get or delete request over MQTT. Their payload is usually empty
 * ("publish an empty message"); a JSON object may carry a clientToken to echo.
 */
export function parseOptionalClientToken(payload: Buffer | string): string | undefined {
  if (payload.length === 0) return undefined;
  const doc = parseJson(payload);
  return isObject(doc) ? clientTokenOf(doc) : undefined;
}

/** Checks a request state document; throws ShadowRejectedError with AWS's message. */
export function parseUpdateRequest(payload: Buffer | string): UpdateRequest {
  // Before reading it: the state it holds could not fit in 8 KB, and parsing and walking a
  // request of any size would let one client hold the service.
  const bytes = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  if (bytes > SHADOW_LIMITS.maxRequestBytes) {
    throw new ShadowRejectedError(413, 'The payload exceeds the maximum size allowed');
  }
  const doc = parseJson(payload);
  if (!isObject(doc)) throw new ShadowRejectedError(400, 'Invalid JSON');
  const clientToken = clientTokenOf(doc);
  const reject = (message: string) => new ShadowRejectedError(400, message, clientToken);
  if (!('state' in doc)) throw reject('Missing required node: state');
  const version = doc.version;
  if (version !== undefined && !(Number.isSafeInteger(version) && (version as number) >= 0)) {
    throw reject('Invalid version');
  }
  const request: UpdateRequest = { state: null };
  if (clientToken !== undefined) request.clientToken = clientToken;
  if (version !== undefined) request.version = version as number;
  const state = doc.state;
  if (state === null) return request;
  if (!isObject(state)) throw reject('State node must be an object');
  const sections: NonNullable<UpdateRequest['state']> = {};
  for (const [key, value] of Object.entries(state)) {
    if (key !== 'desired' && key !== 'reported') throw reject('State contains an invalid node');
    if (value !== null && !isObject(value)) {
      throw reject(`${key === 'desired' ? 'Desired' : 'Reported'} node must be an object`);
    }
    if (value !== null) {
      // Checked first, without recursion, stopping past the limit: the walks below recurse.
      if (jsonDepth(value, SHADOW_LIMITS.maxDepth) > SHADOW_LIMITS.maxDepth) {
        throw reject(`JSON contains too many levels of nesting; maximum is ${SHADOW_LIMITS.maxDepth}`);
      }
      // "Arrays can't have null values" (Array values in shadow documents).
      if (hasNullInArray(value)) throw reject('Invalid JSON');
    }
    sections[key] = value;
  }
  request.state = sections;
  return request;
}

function hasNullInArray(value: Json): boolean {
  if (Array.isArray(value)) return value.some((v) => v === null || hasNullInArray(v));
  if (isObject(value)) return Object.values(value).some(hasNullInArray);
  return false;
}

/** What an accepted update produces: the new document and the messages AWS sends for it. */
