/** Root of the errors the local idempotency persistence raises (Powertools' own errors aside). */
export class IdempotencyStoreError extends Error {
  override name = 'IdempotencyStoreError';
}

/** A stored record cannot be read back (corrupt JSON, unknown status). */
export class IdempotencyRecordCorruptError extends IdempotencyStoreError {
  override name = 'IdempotencyRecordCorruptError';
  constructor(
    readonly idempotencyKey: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`idempotency record ${idempotencyKey} is unreadable: ${reason}`, options);
  }
}
