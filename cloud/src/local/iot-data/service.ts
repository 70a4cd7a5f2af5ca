import { parseTopic, type ShadowOperation, THING_NAME_RE, topics } from '@smartdoor/shared';
import { InvalidRequestError, ShadowRejectedError } from './errors.js';
import {
  applyUpdate,
  type JsonObject,
  parseOptionalClientToken,
  parseUpdateRequest,
} from './shadow-document.js';
import { deleteResponse, errorDocument, getResponse } from './shadow-responses.js';
import { CLASSIC_SHADOW, type ShadowStore, type StoredShadow } from './store.js';

/** The broker as the shadow service uses it: IotBroker has both methods. */
export interface ShadowBroker {
  onMessage(filter: string, handler: (message: { topic: string; payload: Buffer }) => void): () => void;
  publish(message: { topic: string; payload: Buffer | string; qos?: 0 | 1 }): Promise<void>;
}

type LogFn = (obj: object, msg?: string) => void;
export interface ShadowServiceLogger {
  debug: LogFn;
  warn: LogFn;
  error: LogFn;
}

export interface ShadowServiceOptions {
  store: ShadowStore;
  /** @default Date.now */
  now?: () => number;
  /** @default silent */
  logger?: ShadowServiceLogger;
  /**
   * How long a deleted shadow's version number is kept for a re-creation to continue from
   * ("deleted within the past 48 hours", Interacting with shadows: DELETE).
   * @default 48 hours
   */
  deletedVersionRetentionMs?: number;
}

/** Named shadow names as IoT Core allows them (UpdateThingShadow: shadowName, 1-64 of [a-zA-Z0-9:_-]). */
export const SHADOW_NAME_RE = /^[a-zA-Z0-9:_-]{1,64}$/;

const SILENT: ShadowServiceLogger = { debug: () => {}, warn: () => {}, error: () => {} };
const REQUESTS = new Set<ShadowOperation>(['update', 'get', 'delete']);

/**
 * The Device Shadow service: one store, the pure document logic, and the broker. Requests
 * arrive over MQTT (`$aws/things/{thing}/shadow[/name/{shadow}]/update|get|delete`) or from
 * the Data Plane API (api.ts); answers and notifications go out on the reserved topics
 * (https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-mqtt.html).
 */
export class ShadowService {
  readonly #store: ShadowStore;
  readonly #now: () => number;
  readonly #log: ShadowServiceLogger;
  readonly #retentionMs: number;
  #broker: ShadowBroker | undefined;
  #off: (() => void) | undefined;
  /** Publishes go out one after another, so that accepted comes before delta and documents. */
  #publishing: Promise<void> = Promise.resolve();

  constructor(options: ShadowServiceOptions) {
    this.#store = options.store;
    this.#now = options.now ?? Date.now;
    this.#log = options.logger ?? SILENT;
    this.#retentionMs = options.deletedVersionRetentionMs ?? 48 * 3600 * 1000;
  }

  /** Answers the shadow topics of every thing on this broker. */
  start(broker: ShadowBroker): void {
    if (this.#broker) return;
    this.#broker = broker;
    this.#off = broker.onMessage('$aws/things/+/shadow/#', (m) => this.#onMessage(m.topic, m.payload));
  }

  /** Stops answering; waits for the publishes already under way. */
  async stop(): Promise<void> {
    this.#off?.();
    this.#off = undefined;
    await this.#publishing;
    this.#broker = undefined;
  }

  /**
   * UpdateThingShadow / .../update: merges the request, publishes update/accepted,
   * update/delta (when desired and reported still differ) and update/documents.
   * Throws ShadowRejectedError.
   */
  update(thingName: string, shadowName: string | undefined, payload: Buffer | string): JsonObject {
    const name = checkNames(thingName, shadowName);
    const request = parseUpdateRequest(payload);
    const row = this.#store.get(thingName, name);
    const at = this.#now();
    const outcome = applyUpdate(row?.document, this.#baseVersion(row, at), request, seconds(at));
    this.#store.put(thingName, name, outcome.next, at);
    const topic = (op: ShadowOperation) => topics.shadow(thingName, op, shadowName);
    this.#publish(topic('update/accepted'), outcome.accepted);
    if (outcome.delta) this.#publish(topic('update/delta'), outcome.delta);
    this.#publish(topic('update/documents'), outcome.documents);
    return outcome.accepted;
  }

  /** GetThingShadow / .../get: the full document with its delta. Throws ShadowRejectedError (404). */
  get(thingName: string, shadowName: string | undefined, clientToken?: string): JsonObject {
    const name = checkNames(thingName, shadowName);
    const doc = this.#store.get(thingName, name)?.document;
    if (!doc) throw notFound(thingName, shadowName, clientToken);
    return getResponse(doc, seconds(this.#now()), clientToken);
  }

  /** DeleteThingShadow / .../delete: publishes delete/accepted. Throws ShadowRejectedError (404). */
  delete(thingName: string, shadowName: string | undefined, clientToken?: string): JsonObject {
    const name = checkNames(thingName, shadowName);
    const row = this.#store.get(thingName, name);
    if (!row?.document) throw notFound(thingName, shadowName, clientToken);
    const at = this.#now();
    this.#store.markDeleted(thingName, name, at);
    const response = deleteResponse(row.version, seconds(at), clientToken);
    this.#publish(topics.shadow(thingName, 'delete/accepted', shadowName), response);
    return response;
  }

  /** ListNamedShadowsForThing: a page of names and the token of the next one. */
  listNamedShadows(
    thingName: string,
    after: string | undefined,
    pageSize: number,
  ): { results: string[]; more: boolean } {
    checkNames(thingName, undefined);
    const page = this.#store.listNamed(thingName, after, pageSize + 1);
    return { results: page.slice(0, pageSize), more: page.length > pageSize };
  }

  /** The version a new shadow continues from: a delete less than 48 hours ago keeps it. */
  #baseVersion(row: StoredShadow | undefined, at: number): number {
    if (!row) return 0;
    if (row.document || row.deletedAt === undefined) return row.version;
    return at - row.deletedAt <= this.#retentionMs ? row.version : 0;
  }

  #onMessage(topic: string, payload: Buffer): void {
    const parsed = parseTopic(topic);
    // The service's own answers (accepted, delta, ...) come through here too: requests only.
    if (parsed.kind !== 'shadow' || !REQUESTS.has(parsed.operation)) return;
    const { thingName, shadowName, operation } = parsed;
    const rejected = topics.shadow(thingName, `${operation}/rejected` as ShadowOperation, shadowName);
    try {
      if (operation === 'update') this.update(thingName, shadowName, payload);
      else {
        const token = parseOptionalClientToken(payload);
        if (operation === 'delete') this.delete(thingName, shadowName, token);
        else
          this.#publish(
            topics.shadow(thingName, 'get/accepted', shadowName),
            this.get(thingName, shadowName, token),
          );
      }
    } catch (err) {
      if (err instanceof ShadowRejectedError) {
        this.#log.debug({ topic, code: err.httpCode, reason: err.message }, 'shadow request rejected');
        this.#publish(rejected, errorDocument(err, seconds(this.#now())));
        return;
      }
      const badName = err instanceof InvalidRequestError;
      if (!badName) this.#log.error({ err, topic }, 'shadow request failed');
      this.#publish(rejected, {
        code: badName ? 400 : 500,
        message: badName ? (err as Error).message : 'Internal service failure',
        timestamp: seconds(this.#now()),
      });
    }
  }

  #publish(topic: string, document: JsonObject): void {
    const broker = this.#broker;
    if (!broker) return;
    const payload = JSON.stringify(document);
    this.#publishing = this.#publishing
      .then(() => broker.publish({ topic, payload, qos: 1 }))
      .catch((err: unknown) => this.#log.warn({ err, topic }, 'shadow message not published'));
  }
}

function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** Checks the names; returns the store key of the shadow. */
function checkNames(thingName: string, shadowName: string | undefined): string {
  if (!THING_NAME_RE.test(thingName)) {
    throw new InvalidRequestError(
      `Invalid thing name ${JSON.stringify(thingName)}: 1-128 of a-z, A-Z, 0-9, :, _ or -`,
    );
  }
  if (shadowName === undefined) return CLASSIC_SHADOW;
  if (!SHADOW_NAME_RE.test(shadowName)) {
    throw new InvalidRequestError(
      `Invalid shadow name ${JSON.stringify(shadowName)}: 1-64 of a-z, A-Z, 0-9, :, _ or -`,
    );
  }
  return shadowName;
}

function notFound(
  thingName: string,
  shadowName: string | undefined,
  clientToken?: string,
): ShadowRejectedError {
  return new ShadowRejectedError(
    404,
    `No shadow exists with name: '${shadowName ?? thingName}'`,
    clientToken,
  );
}
