import {
  IdempotencyItemAlreadyExistsError,
  IdempotencyItemNotFoundError,
} from '@aws-lambda-powertools/idempotency';
import { BasePersistenceLayer, IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import { mayReplace, type StoredRecordState } from './put-condition.js';

interface StoredRecord extends StoredRecordState {
  /** The response as JSON text, as a store would serialise it. */
  data: string | undefined;
  validation: string | undefined;
}

/**
 * Powertools idempotency records in a Map: for unit tests of handler cores. It runs the
 * same contract suite as the SQLite layer and applies the same put condition.
 */
export class MemoryPersistenceLayer extends BasePersistenceLayer {
  readonly #records = new Map<string, StoredRecord>();

  /** How many records are held (expired ones included until replaced). */
  get size(): number {
    return this.#records.size;
  }

  protected async _getRecord(idempotencyKey: string): Promise<IdempotencyRecord> {
    const stored = this.#records.get(idempotencyKey);
    if (!stored) throw new IdempotencyItemNotFoundError(`no idempotency record for ${idempotencyKey}`);
    return toRecord(idempotencyKey, stored);
  }

  protected async _putRecord(record: IdempotencyRecord): Promise<void> {
    const existing = this.#records.get(record.idempotencyKey);
    if (!mayReplace(existing, Date.now())) {
      throw new IdempotencyItemAlreadyExistsError(
        `Failed to put record for already existing idempotency key: ${record.idempotencyKey}`,
        toRecord(record.idempotencyKey, existing!),
      );
    }
    this.#records.set(record.idempotencyKey, {
      status: record.getStatus(),
      expiration: record.expiryTimestamp ?? null,
      inProgressExpiration: record.inProgressExpiryTimestamp ?? null,
      data: undefined,
      validation: this.isPayloadValidationEnabled() ? record.payloadHash : undefined,
    });
  }

  protected async _updateRecord(record: IdempotencyRecord): Promise<void> {
    const existing = this.#records.get(record.idempotencyKey);
    this.#records.set(record.idempotencyKey, {
      status: record.getStatus(),
      expiration: record.expiryTimestamp ?? null,
      inProgressExpiration: existing?.inProgressExpiration ?? null,
      data: record.responseData === undefined ? undefined : JSON.stringify(record.responseData),
      validation: this.isPayloadValidationEnabled() ? record.payloadHash : existing?.validation,
    });
  }

  protected async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    this.#records.delete(record.idempotencyKey);
  }
}

function toRecord(idempotencyKey: string, stored: StoredRecord): IdempotencyRecord {
  return new IdempotencyRecord({
    idempotencyKey,
    status: stored.status as ReturnType<IdempotencyRecord['getStatus']>,
    expiryTimestamp: stored.expiration ?? undefined,
    inProgressExpiryTimestamp: stored.inProgressExpiration ?? undefined,
    responseData: stored.data === undefined ? undefined : JSON.parse(stored.data),
    payloadHash: stored.validation,
  });
}
