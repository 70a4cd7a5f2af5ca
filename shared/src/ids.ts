import { parse as uuidParse, v5 as uuidv5, v7 as uuidv7 } from 'uuid';

/** A source of randomness and time, injected so that ids are reproducible in tests. */
export interface IdSource {
  /** Milliseconds since the epoch. */
  now(): number;
  /** 16 random bytes. */
  random16(): Uint8Array;
}

/**
 * Make an idempotency key for a new event: a UUIDv7, so keys sort by creation time
 * (cheap to index in an outbox or a DynamoDB table). It is made once, when the event is
 * created, and never again for that event: retries and restarts resend the same key.
 */
export function newIdempotencyKey(source?: IdSource): string {
  if (!source) return uuidv7();
  return uuidv7({ msecs: source.now(), random: source.random16() });
}

/** Namespace for keys derived from other keys (a fixed, random UUID of this project). */
const DERIVED_KEY_NAMESPACE = '6f1c8a52-3c1e-4f7b-9a55-2b8f0d6a9e17';
// Bytes, parsed once: given strings, uuid parses the namespace twice and converts the name
// char by char on every call (a subscriber derives two or three keys per event).
const DERIVED_KEY_NAMESPACE_BYTES = uuidParse(DERIVED_KEY_NAMESPACE);
const utf8 = new TextEncoder();

/**
 * Derive a key from a source event's key and a purpose, e.g. the identification result
 * for a door opening. The same inputs always give the same key (UUIDv5), so a handler
 * that is retried emits an event with the same key, and consumers drop the repeat.
 */
export function deriveIdempotencyKey(sourceKey: string, purpose: string): string {
  return uuidv5(utf8.encode(`${purpose}:${sourceKey}`), DERIVED_KEY_NAMESPACE_BYTES);
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export function isIdempotencyKey(value: string): boolean {
  return UUID_RE.test(value);
}
