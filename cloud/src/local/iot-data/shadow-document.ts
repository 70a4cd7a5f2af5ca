import { ShadowRejectedError } from './errors.js';

/**
 * The Device Shadow service's document logic, with no I/O: request checks, merge with
 * null deletion, per-leaf metadata, delta and version checks. Behaviour from
 * "Device Shadow service documents"
 * (https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-document.html),
 * "Interacting with shadows" (.../device-shadow-data-flow.html) and
 * "Device Shadow error messages" (.../device-shadow-error-messages.html).
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export type ShadowSection = 'desired' | 'reported';
const SECTIONS: readonly ShadowSection[] = ['desired', 'reported'];

/** What a shadow holds between requests. */
export interface ShadowDocument {
  state: Partial<Record<ShadowSection, JsonObject>>;
  /** Mirrors `state`: `{ "timestamp": seconds }` at every leaf. */
  metadata: Partial<Record<ShadowSection, JsonObject>>;
  version: number;
}

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

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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
      if (depthOf(value) > SHADOW_LIMITS.maxDepth) {
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

/** Levels of objects and arrays below a section: `{ "a": 1 }` is 1. */
function depthOf(value: Json): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (isObject(value)) return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  return 0;
}

function hasNullInArray(value: Json): boolean {
  if (Array.isArray(value)) return value.some((v) => v === null || hasNullInArray(v));
  if (isObject(value)) return Object.values(value).some(hasNullInArray);
  return false;
}

/** What an accepted update produces: the new document and the messages AWS sends for it. */
export interface UpdateOutcome {
  next: ShadowDocument;
  /** /update/accepted (and the UpdateThingShadow response). */
  accepted: JsonObject;
  /** /update/delta, when desired and reported still differ. */
  delta?: JsonObject;
  /** /update/documents: previous and current. */
  documents: JsonObject;
}

/**
 * Applies an update. `current` is the live shadow, if any; `baseVersion` the version a new
 * shadow starts from (a shadow deleted within 48 hours keeps its number: "Deleting a
 * shadow does not reset its version number to 0"). Timestamps are epoch seconds.
 */
export function applyUpdate(
  current: ShadowDocument | undefined,
  baseVersion: number,
  request: UpdateRequest,
  nowSeconds: number,
): UpdateOutcome {
  const token = request.clientToken;
  const currentVersion = current?.version ?? baseVersion;
  // Optimistic locking: "the service rejects the request with an HTTP 409 conflict response
  // code if the current version of the state document does not match the version supplied".
  if (request.version !== undefined && request.version !== currentVersion) {
    throw new ShadowRejectedError(409, 'Version conflict', token);
  }
  const state = structuredClone(current?.state ?? {});
  const metadata = structuredClone(current?.metadata ?? {});
  const acceptedMetadata: JsonObject = {};
  for (const section of SECTIONS) {
    const patch = request.state === null ? null : request.state[section];
    if (patch === undefined) continue;
    acceptedMetadata[section] = patch === null ? { timestamp: nowSeconds } : stampLeaves(patch, nowSeconds);
    if (patch === null) {
      // "If an update causes the desired or reported sections to become null, the section is removed."
      delete state[section];
      delete metadata[section];
      continue;
    }
    const values = state[section] ?? {};
    const stamps = metadata[section] ?? {};
    mergeInto(values, stamps, patch, nowSeconds);
    if (Object.keys(values).length === 0) {
      delete state[section];
      delete metadata[section];
    } else {
      state[section] = values;
      metadata[section] = stamps;
    }
  }
  if (Buffer.byteLength(JSON.stringify(state)) > SHADOW_LIMITS.maxStateBytes) {
    throw new ShadowRejectedError(413, 'The payload exceeds the maximum size allowed', token);
  }
  const next: ShadowDocument = { state, metadata, version: currentVersion + 1 };
  const tail = { timestamp: nowSeconds, ...(token === undefined ? {} : { clientToken: token }) };
  const accepted: JsonObject = {
    state: request.state === null ? null : (request.state as JsonObject),
    metadata: request.state === null ? {} : acceptedMetadata,
    version: next.version,
    ...tail,
  };
  const outcome: UpdateOutcome = {
    next,
    accepted,
    documents: { previous: current ? snapshot(current) : null, current: snapshot(next), ...tail },
  };
  const delta = computeDelta(state.desired, state.reported);
  if (delta) {
    outcome.delta = {
      state: delta,
      metadata: pickMetadata(state.desired!, metadata.desired ?? {}, delta),
      version: next.version,
      ...tail,
    };
  }
  return outcome;
}

/** The shape of a document in /update/documents: state and metadata, no delta. */
function snapshot(doc: ShadowDocument): JsonObject {
  return { state: doc.state as JsonObject, metadata: doc.metadata as JsonObject, version: doc.version };
}

/** Merges a patch into a section in place: null deletes, objects merge, anything else replaces. */
function mergeInto(values: JsonObject, stamps: JsonObject, patch: JsonObject, ts: number): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete values[key];
      delete stamps[key];
    } else if (isObject(value)) {
      if (!isObject(values[key])) {
        values[key] = {};
        stamps[key] = {};
      }
      if (!isObject(stamps[key])) stamps[key] = {};
      const child = values[key] as JsonObject;
      mergeInto(child, stamps[key] as JsonObject, value, ts);
      // An object whose every key was deleted goes too, as an emptied section does.
      if (Object.keys(child).length === 0 && Object.keys(value).length > 0) {
        delete values[key];
        delete stamps[key];
      }
    } else {
      // Arrays are values: "an update to an array replaces the whole array".
      values[key] = value;
      stamps[key] = { timestamp: ts };
    }
  }
}

/** `{ "timestamp": ts }` at every leaf of a request section (nulls included). */
function stampLeaves(patch: JsonObject, ts: number): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(patch)) {
    out[key] = isObject(value) ? stampLeaves(value, ts) : { timestamp: ts };
  }
  return out;
}

/**
 * The delta state: desired attributes that differ from reported, nested objects compared
 * key by key ("Delta state"; /update/delta message body details). Undefined when none.
 */
export function computeDelta(desired?: JsonObject, reported?: JsonObject): JsonObject | undefined {
  if (!desired) return undefined;
  const out: JsonObject = {};
  for (const [key, want] of Object.entries(desired)) {
    const have = reported?.[key];
    if (have === undefined) out[key] = want;
    else if (isObject(want) && isObject(have)) {
      const sub = computeDelta(want, have);
      if (sub) out[key] = sub;
    } else if (!jsonEqual(want, have)) out[key] = want;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The desired metadata of the delta's leaves: when each differing value was asked for. */
function pickMetadata(desired: JsonObject, stamps: JsonObject, delta: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(delta)) {
    const stamp = stamps[key];
    out[key] =
      isObject(desired[key]) && isObject(value) && isObject(stamp)
        ? pickMetadata(desired[key] as JsonObject, stamp, value)
        : (stamp ?? null);
  }
  return out;
}

export function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && jsonEqual(a[k], b[k]));
  }
  return false;
}
