import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteKnownDoors } from './door-store.js';

describe('Class: SqliteKnownDoors', () => {
  it('keeps the doors it was given for the next start, once each', () => {
    // Prepare
    const db = new Database(':memory:');
    const before = new SqliteKnownDoors(db);
    // Act: door-002 twice, as every device event of it says so
    before.add('door-002', 1);
    before.add('door-001', 2);
    before.add('door-002', 3);
    const after = new SqliteKnownDoors(db);
    // Assess
    expect(after.all()).toEqual(['door-001', 'door-002']);
    expect([after.has('door-001'), after.has('ops-monitor')]).toEqual([true, false]);
    expect(db.prepare('SELECT COUNT(*) AS n FROM dashboard_doors').get()).toEqual({ n: 2 });
    db.close();
  });
});
