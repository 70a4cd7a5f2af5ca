/**
 * Root of the errors of the subscriber runtime (idempotent consumption, delayed checks,
 * emitting events); Powertools raises its own idempotency errors besides.
 */
export class SubscriberRuntimeError extends Error {
  override name = 'SubscriberRuntimeError';
}

/** A stored idempotency record cannot be read back (corrupt JSON, unknown status). */
export class IdempotencyRecordCorruptError extends SubscriberRuntimeError {
  override name = 'IdempotencyRecordCorruptError';
  constructor(
    readonly idempotencyKey: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`idempotency record ${idempotencyKey} is unreadable: ${reason}`, options);
  }
}
