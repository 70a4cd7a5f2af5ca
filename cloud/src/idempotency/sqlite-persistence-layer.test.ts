import {
  IdempotencyConfig,
  IdempotencyRecordStatus,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import Database from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import { IdempotencyRecordCorruptError } from './errors.js';
import { describePersistenceLayerContract } from './persistence-layer.contract.js';
import { SqlitePersistenceLayer } from './sqlite-persistence-layer.js';

describePersistenceLayerContract('SQLite', async () => {
  const db = new Database(':memory:');
  return {
    layer: new SqlitePersistenceLayer({ db }),
    close: () => {
      db.close();
    },
  };
});

describe('Class: SqlitePersistenceLayer', () => {
  const config = () => new IdempotencyConfig({ eventKeyJmesPath: 'id', expiresAfterSeconds: 60 });
  const ctx = { getRemainingTimeInMillis: () => 10_000 };

  describe('Method: constructor', () => {
    it('refuses a table name that is not a plain SQL identifier', () => {
      // Prepare
      const db = new Database(':memory:');
      // Act
      const make = () => new SqlitePersistenceLayer({ db, tableName: 'x; DROP TABLE y' });
      // Assess
      expect(make).toThrow(/invalid SQLite table name/);
      db.close();
    });
  });

  describe('Method: purgeExpired', () => {
    it('removes only records whose expiry has passed', async () => {
      // Prepare
      vi.useFakeTimers({ toFake: ['Date'], now: 1_000_000_000_000 });
      const db = new Database(':memory:');
      const layer = new SqlitePersistenceLayer({ db });
      const handler = makeIdempotent(async (_e: unknown, _c: unknown) => 'r', {
        persistenceStore: layer,
        config: config(),
      });
      await handler({ id: 'old' }, ctx);
      vi.setSystemTime(1_000_000_000_000 + 50_000);
      await handler({ id: 'new' }, ctx);
      vi.setSystemTime(1_000_000_000_000 + 70_000);
      // Act
      const purged = layer.purgeExpired();
      // Assess
      expect(purged).toBe(1);
      expect(db.prepare('SELECT COUNT(*) AS n FROM idempotency_records').get()).toEqual({ n: 1 });
      db.close();
      vi.useRealTimers();
    });
  });

  describe('Method: getRecord', () => {
    it('raises a readable error when a stored row is corrupt', async () => {
      // Prepare
      const db = new Database(':memory:');
      const layer = new SqlitePersistenceLayer({ db });
      layer.configure({ config: config() });
      const key = (
        layer as unknown as { getHashedIdempotencyKey(d: unknown): string }
      ).getHashedIdempotencyKey({
        id: 'x',
      });
      db.prepare('INSERT INTO idempotency_records (id, status, expiration, data) VALUES (?, ?, ?, ?)').run(
        key,
        IdempotencyRecordStatus.COMPLETED,
        Math.floor(Date.now() / 1000) + 60,
        '{not json',
      );
      // Act
      const read = layer.getRecord({ id: 'x' });
      // Assess
      await expect(read).rejects.toBeInstanceOf(IdempotencyRecordCorruptError);
      await expect(layer.getRecord({ id: 'x' })).rejects.toThrow(/stored response is not JSON/);
      db.close();
    });
  });

  describe('Method: saveInProgress', () => {
    it('keeps one winner when two layers share one database file', async () => {
      // Prepare: two layers over two connections, as two processes would hold them.
      const { mkdtempSync, rmSync } = await import('node:fs');
      const { tmpdir } = await import('node:os');
      const { join } = await import('node:path');
      const dir = mkdtempSync(join(tmpdir(), 'idem-'));
      const a = new Database(join(dir, 'state.db'));
      a.pragma('journal_mode = WAL');
      const b = new Database(join(dir, 'state.db'));
      const fn = vi.fn(async (_e: unknown) => {
        await new Promise((r) => setTimeout(r, 5));
        return 'once';
      });
      const mk = (db: Database.Database) =>
        makeIdempotent(async (e: unknown, _c: unknown) => fn(e), {
          persistenceStore: new SqlitePersistenceLayer({ db }),
          config: config(),
        });
      // Act
      const settled = await Promise.allSettled([mk(a)({ id: 'shared' }, ctx), mk(b)({ id: 'shared' }, ctx)]);
      // Assess
      expect(fn).toHaveBeenCalledTimes(1);
      expect(settled.map((s) => s.status).sort()).toEqual(['fulfilled', 'rejected']);
      a.close();
      b.close();
      rmSync(dir, { recursive: true, force: true });
    });
  });
  describe('Method: saveSuccess', () => {
    it('completes both records when two handlers with their own layers interleave on one table (regression: one shared layer finished a record under the other handler prefix)', async () => {
      // Prepare
      const db = new Database(':memory:');
      let releaseA!: () => void;
      const gateA = new Promise<void>((r) => {
        releaseA = r;
      });
      const a = makeIdempotent(
        async (_e: unknown, _c: unknown) => {
          await gateA;
          return 'a';
        },
        { persistenceStore: new SqlitePersistenceLayer({ db }), config: config(), keyPrefix: 'handler-a' },
      );
      const b = makeIdempotent(async (_e: unknown, _c: unknown) => 'b', {
        persistenceStore: new SqlitePersistenceLayer({ db }),
        config: config(),
        keyPrefix: 'handler-b',
      });
      // Act
      const pendingA = a({ id: 'same-key' }, ctx);
      await b({ id: 'same-key' }, ctx);
      releaseA();
      await pendingA;
      // Assess
      const rows = db.prepare('SELECT id, status FROM idempotency_records ORDER BY id').all() as Array<{
        id: string;
        status: string;
      }>;
      expect(rows.map((r) => [r.id.split('#')[0], r.status])).toEqual([
        ['handler-a', 'COMPLETED'],
        ['handler-b', 'COMPLETED'],
      ]);
      db.close();
    });
  });
});
