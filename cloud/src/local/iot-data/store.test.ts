import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteShadowStore } from './sqlite-store.js';
import { describeShadowStoreContract } from './store.contract.js';
import { CLASSIC_SHADOW, MemoryShadowStore } from './store.js';

const dbs: Database.Database[] = [];
const dir = mkdtempSync(join(tmpdir(), 'shadow-store-'));
afterAll(() => {
  for (const db of dbs) db.close();
  rmSync(dir, { recursive: true, force: true });
});

describeShadowStoreContract('memory', () => new MemoryShadowStore());
describeShadowStoreContract('sqlite', () => {
  const db = new Database(':memory:');
  dbs.push(db);
  return new SqliteShadowStore(db);
});

describe('Class: SqliteShadowStore', () => {
  describe('Method: get', () => {
    it('reads back shadows and deleted versions after the database is reopened', () => {
      // Prepare
      const file = join(dir, 'state.db');
      const first = new Database(file);
      const store = new SqliteShadowStore(first);
      store.put('door-1', CLASSIC_SHADOW, { state: { desired: { a: 1 } }, metadata: {}, version: 3 }, 1000);
      store.put('door-1', 'gone', { state: {}, metadata: {}, version: 8 }, 1000);
      store.markDeleted('door-1', 'gone', 2000);
      first.close();

      // Act
      const second = new Database(file);
      dbs.push(second);
      const reopened = new SqliteShadowStore(second);

      // Assess
      expect(reopened.get('door-1', CLASSIC_SHADOW)?.document).toEqual({
        state: { desired: { a: 1 } },
        metadata: {},
        version: 3,
      });
      expect(reopened.get('door-1', 'gone')).toMatchObject({
        version: 8,
        deletedAt: 2000,
        document: undefined,
      });
    });
  });
});
