import {
  IdempotencyItemAlreadyExistsError,
  IdempotencyItemNotFoundError,
  IdempotencyRecordStatus,
} from '@aws-lambda-powertools/idempotency';
import { BasePersistenceLayer, IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import type { Database, Statement } from 'better-sqlite3';
import { IdempotencyRecordCorruptError } from './errors.js';
import { mayReplace, type StoredRecordState } from './put-condition.js';

/** Options of the SQLite persistence layer. */
export interface SqlitePersistenceLayerOptions {
  /** An open better-sqlite3 database; the local cloud shares one file between its services. */
  db: Database;
  /**
   * Table holding the records; created when missing.
   * @default 'idempotency_records'
   */
  tableName?: string;
  /**
   * The clock for the put condition. Powertools stamps records with Date.now(), so keep
   * this on the same clock (tests fake Date rather than inject another one).
   * @default Date.now
   */
  now?: () => number;
}

interface Row {
  id: string;
  status: string;
  expiration: number | null;
  in_progress_expiration: number | null;
  data: string | null;
  validation: string | null;
}

const TABLE_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Powertools idempotency records in SQLite, for the local cloud: the same conditional
 * write as DynamoDBPersistenceLayer, done inside one IMMEDIATE transaction so that two
 * processes sharing the file cannot both take the same key. Expired rows are ignored by
 * the condition and removed by {@link purgeExpired} (DynamoDB's TTL does that on AWS).
 */
export class SqlitePersistenceLayer extends BasePersistenceLayer {
  readonly #now: () => number;
  readonly #get: Statement<[string], Row>;
  readonly #upsert: Statement<[Row]>;
  readonly #update: Statement<[Omit<Row, 'in_progress_expiration'>]>;
  readonly #delete: Statement<[string]>;
  readonly #purge: Statement<[number]>;
  readonly #putTx: (row: Row, nowMs: number) => Row | undefined;
  readonly #writeGroup: (ops: Array<() => void>) => void;
  #pending: Array<{ op: () => void; resolve: () => void; reject: (e: unknown) => void }> = [];
  #flushQueued = false;

  constructor(options: SqlitePersistenceLayerOptions) {
    super();
    const table = options.tableName ?? 'idempotency_records';
    if (!TABLE_NAME_RE.test(table)) throw new TypeError(`invalid SQLite table name ${JSON.stringify(table)}`);
    this.#now = options.now ?? Date.now;
    const db = options.db;
    db.exec(`CREATE TABLE IF NOT EXISTS ${table} (
      id TEXT PRIMARY KEY, status TEXT NOT NULL, expiration INTEGER,
      in_progress_expiration INTEGER, data TEXT, validation TEXT)`);
    this.#get = db.prepare(`SELECT * FROM ${table} WHERE id = ?`);
    this.#upsert = db.prepare(
      `INSERT OR REPLACE INTO ${table} (id, status, expiration, in_progress_expiration, data, validation)
       VALUES (@id, @status, @expiration, @in_progress_expiration, @data, @validation)`,
    );
    this.#update = db.prepare(
      `UPDATE ${table} SET status = @status, expiration = @expiration, data = @data,
       validation = COALESCE(@validation, validation) WHERE id = @id`,
    );
    this.#delete = db.prepare(`DELETE FROM ${table} WHERE id = ?`);
    this.#purge = db.prepare(`DELETE FROM ${table} WHERE expiration IS NOT NULL AND expiration < ?`);
    const putTx = db.transaction((row: Row, nowMs: number): Row | undefined => {
      const existing = this.#get.get(row.id);
      if (!mayReplace(existing && toState(existing), nowMs)) return existing;
      this.#upsert.run(row);
      return undefined;
    });
    this.#putTx = (row, nowMs) => putTx.immediate(row, nowMs);
    const group = db.transaction((ops: Array<() => void>) => {
      for (const op of ops) op();
    });
    this.#writeGroup = (ops) => group.immediate(ops);
  }

  /**
   * Group commit: the writes asked in one turn of the event loop (many handlers saving
   * records at once) run in one IMMEDIATE transaction; each caller resumes after the commit.
   * Each write's own outcome (a key already taken) is its own; a failed commit fails all.
   */
  #write(op: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ op, resolve, reject });
      if (!this.#flushQueued) {
        this.#flushQueued = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#flushQueued = false;
    const group = this.#pending;
    this.#pending = [];
    const errors = new Map<number, unknown>();
    try {
      this.#writeGroup(
        group.map(({ op }, i) => () => {
          try {
            op();
          } catch (err) {
            // A refused put (key taken) writes nothing: only its caller hears of it.
            if (!(err instanceof IdempotencyItemAlreadyExistsError)) throw err;
            errors.set(i, err);
          }
        }),
      );
    } catch (err) {
      for (const w of group) w.reject(err);
      return;
    }
    group.forEach((w, i) => {
      if (errors.has(i)) w.reject(errors.get(i));
      else w.resolve();
    });
  }

  /** Remove records whose expiry has passed; returns how many went. */
  purgeExpired(): number {
    return this.#purge.run(Math.floor(this.#now() / 1000)).changes;
  }

  protected async _getRecord(idempotencyKey: string): Promise<IdempotencyRecord> {
    const row = this.#get.get(idempotencyKey);
    if (!row) throw new IdempotencyItemNotFoundError(`no idempotency record for ${idempotencyKey}`);
    return toRecord(row);
  }

  protected async _putRecord(record: IdempotencyRecord): Promise<void> {
    const row: Row = {
      id: record.idempotencyKey,
      status: record.getStatus(),
      expiration: record.expiryTimestamp ?? null,
      in_progress_expiration: record.inProgressExpiryTimestamp ?? null,
      data: null,
      validation: this.isPayloadValidationEnabled() ? (record.payloadHash ?? null) : null,
    };
    await this.#write(() => {
      const existing = this.#putTx(row, this.#now());
      if (existing) {
        throw new IdempotencyItemAlreadyExistsError(
          `Failed to put record for already existing idempotency key: ${record.idempotencyKey}`,
          toRecord(existing),
        );
      }
    });
  }

  protected async _updateRecord(record: IdempotencyRecord): Promise<void> {
    const row = {
      id: record.idempotencyKey,
      status: record.getStatus(),
      expiration: record.expiryTimestamp ?? null,
      data: record.responseData === undefined ? null : JSON.stringify(record.responseData),
      validation: this.isPayloadValidationEnabled() ? (record.payloadHash ?? null) : null,
    };
    await this.#write(() => this.#update.run(row));
  }

  protected async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    this.#delete.run(record.idempotencyKey);
  }
}

function toState(row: Row): StoredRecordState {
  return { status: row.status, expiration: row.expiration, inProgressExpiration: row.in_progress_expiration };
}

function toRecord(row: Row): IdempotencyRecord {
  if (!(Object.values(IdempotencyRecordStatus) as string[]).includes(row.status)) {
    throw new IdempotencyRecordCorruptError(row.id, `unknown status ${JSON.stringify(row.status)}`);
  }
  let responseData: unknown;
  if (row.data !== null) {
    try {
      responseData = JSON.parse(row.data);
    } catch (cause) {
      throw new IdempotencyRecordCorruptError(row.id, 'stored response is not JSON', { cause });
    }
  }
  return new IdempotencyRecord({
    idempotencyKey: row.id,
    status: row.status as ReturnType<IdempotencyRecord['getStatus']>,
    expiryTimestamp: row.expiration ?? undefined,
    inProgressExpiryTimestamp: row.in_progress_expiration ?? undefined,
    responseData: responseData as IdempotencyRecord['responseData'],
    payloadHash: row.validation ?? undefined,
  });
}
