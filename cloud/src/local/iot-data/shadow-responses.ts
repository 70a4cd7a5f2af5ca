import type { ShadowRejectedError } from './errors.js';
import { computeDelta, type JsonObject, type ShadowDocument } from './shadow-document.js';

/**
 * The response documents of get, delete and errors (pure), as "Device Shadow service
 * documents" shows them (https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-document.html).
 */

function tail(nowSeconds: number, clientToken: string | undefined): JsonObject {
  return { timestamp: nowSeconds, ...(clientToken === undefined ? {} : { clientToken }) };
}

/**
 * /get/accepted and GetThingShadow: the complete state with the delta between desired and
 * reported, the metadata, version and timestamp ("Retrieving a shadow document").
 */
export function getResponse(doc: ShadowDocument, nowSeconds: number, clientToken?: string): JsonObject {
  const delta = computeDelta(doc.state.desired, doc.state.reported);
  return {
    state: { ...(doc.state as JsonObject), ...(delta ? { delta } : {}) },
    metadata: doc.metadata as JsonObject,
    version: doc.version,
    ...tail(nowSeconds, clientToken),
  };
}

/** /delete/accepted and DeleteThingShadow: the abbreviated document `{ version, timestamp }`. */
export function deleteResponse(version: number, nowSeconds: number, clientToken?: string): JsonObject {
  return { version, ...tail(nowSeconds, clientToken) };
}

/** The error response document on .../rejected: `{ code, message, timestamp, clientToken }`. */
export function errorDocument(err: ShadowRejectedError, nowSeconds: number): JsonObject {
  return { code: err.httpCode, message: err.message, ...tail(nowSeconds, err.clientToken) };
}
