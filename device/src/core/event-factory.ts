import { createHmac, randomBytes } from 'node:crypto';
import {
  type DeviceEvent,
  type DeviceEventBody,
  type IdSource,
  newIdempotencyKey,
  SCHEMA_VERSION,
} from '@smartdoor/shared';

/**
 * Turns event bodies into full device events: the envelope (schema version, thing,
 * seq, time, idempotency key) is added here, once. The key is made at creation and
 * travels with the event through the outbox; retries never make a new one.
 */
export interface EventFactoryOptions {
  thingName: string;
  /** Time and randomness for idempotency keys. @default Date.now and crypto.randomBytes */
  ids?: IdSource;
}

export const cryptoIdSource: IdSource = {
  now: () => Date.now(),
  random16: () => randomBytes(16),
};

export class EventFactory {
  readonly #thingName: string;
  readonly #ids: IdSource;

  constructor(options: EventFactoryOptions) {
    this.#thingName = options.thingName;
    this.#ids = options.ids ?? cryptoIdSource;
  }

  /**
   * Build an event. `seq` is given by the outbox, in the same transaction that stores it.
   * `at` is when the device observed the fact (ms since the epoch).
   */
  create(body: DeviceEventBody, seq: number, at: number): DeviceEvent {
    return {
      schemaVersion: SCHEMA_VERSION,
      thingName: this.#thingName,
      seq,
      occurredAt: new Date(at).toISOString(),
      idempotencyKey: newIdempotencyKey(this.#ids),
      ...body,
    } as DeviceEvent;
  }
}

/**
 * A badge reference: HMAC-SHA256 of the badge id with the device's secret, in hex. The
 * cloud can match it against references it computes the same way; the id itself (a
 * personal datum) never leaves the device.
 */
export function badgeRef(secret: Uint8Array | string, badgeId: string): string {
  return createHmac('sha256', secret).update(badgeId, 'utf8').digest('hex');
}
