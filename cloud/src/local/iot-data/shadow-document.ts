import { ShadowRejectedError } from './errors.js';
import { isObject, type JsonObject, jsonEqual, own, put } from './json.js';
import { SHADOW_LIMITS, type UpdateRequest } from './shadow-request.js';

export type { Json, JsonObject } from './json.js';
export {
  parseOptionalClientToken,
  parseUpdateRequest,
  SHADOW_LIMITS,
  type UpdateRequest,
} from './shadow-request.js';

/**
 * The Device Shadow service's document logic, with no I/O: request checks, merge with
 * null deletion, per-leaf metadata, delta and version checks. Behaviour from
 * "Device Shadow service documents"
 * (https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-document.html),
 * "Interacting with shadows" (.../device-shadow-data-flow.html) and
 * "Device Shadow error messages" (.../device-shadow-error-messages.html).
 */

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
      if (!isObject(own(values, key))) {
        put(values, key, {});
        put(stamps, key, {});
      }
      if (!isObject(own(stamps, key))) put(stamps, key, {});
      const child = own(values, key) as JsonObject;
      mergeInto(child, own(stamps, key) as JsonObject, value, ts);
      // An object whose every key was deleted goes too, as an emptied section does.
      if (Object.keys(child).length === 0 && Object.keys(value).length > 0) {
        delete values[key];
        delete stamps[key];
      }
    } else {
      // Arrays are values: "an update to an array replaces the whole array".
      put(values, key, value);
      put(stamps, key, { timestamp: ts });
    }
  }
}

/** `{ "timestamp": ts }` at every leaf of a request section (nulls included). */
function stampLeaves(patch: JsonObject, ts: number): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(patch)) {
    put(out, key, isObject(value) ? stampLeaves(value, ts) : { timestamp: ts });
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
    const have = own(reported, key);
    if (have === undefined) put(out, key, want);
    else if (isObject(want) && isObject(have)) {
      const sub = computeDelta(want, have);
      if (sub) put(out, key, sub);
    } else if (!jsonEqual(want, have)) put(out, key, want);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The desired metadata of the delta's leaves: when each differing value was asked for. */
function pickMetadata(desired: JsonObject, stamps: JsonObject, delta: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(delta)) {
    const stamp = own(stamps, key);
    const want = own(desired, key);
    put(
      out,
      key,
      isObject(want) && isObject(value) && isObject(stamp)
        ? pickMetadata(want, stamp, value)
        : (stamp ?? null),
    );
  }
  return out;
}
