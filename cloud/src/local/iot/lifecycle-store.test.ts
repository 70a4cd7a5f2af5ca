import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryLifecycleVersionStore } from './lifecycle.js';
import { SqliteLifecycleVersionStore } from './lifecycle-store.js';

describe('Class: SqliteLifecycleVersionStore', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lifecycle-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('Method: next', () => {
    it('counts per client id from 0 and keeps counting after the database is reopened', () => {
      // Prepare
      const path = join(dir, 'state.db');
      const db1 = new Database(path);
      const first = new SqliteLifecycleVersionStore(db1);

      // Act
      const before = [first.next('door-1'), first.next('door-1'), first.next('door-2')];
      db1.close();
      const db2 = new Database(path);
      const after = new SqliteLifecycleVersionStore(db2).next('door-1');
      db2.close();

      // Assess
      expect(before).toEqual([0, 1, 0]);
      expect(after).toBe(2);
    });
  });
});

describe('Class: MemoryLifecycleVersionStore', () => {
  it('counts per client id from 0', () => {
    // Prepare
    const store = new MemoryLifecycleVersionStore();

    // Act
    const versions = [store.next('a'), store.next('b'), store.next('a')];

    // Assess
    expect(versions).toEqual([0, 0, 1]);
  });
});
