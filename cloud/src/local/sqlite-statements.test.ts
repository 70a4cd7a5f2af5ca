import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStatements } from './sqlite-statements.js';

describe('Class: SqliteStatements', () => {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (v TEXT)');
  const sql = new SqliteStatements(db);
  const insert = (v: string) => sql.get('INSERT INTO t (v) VALUES (?)').run(v);
  const rows = () => db.prepare('SELECT v FROM t ORDER BY rowid').pluck().all();
  afterEach(() => db.exec('DELETE FROM t'));

  it('prepares each statement once', () => {
    // Prepare / Act / Assess
    expect(sql.get('SELECT 1')).toBe(sql.get('SELECT 1'));
  });

  it('runs a nested call inside the open transaction, committed once with it', () => {
    // Prepare
    let nestedSawTransaction = false;
    // Act
    sql.transaction(() => {
      insert('outer');
      sql.transaction(() => {
        nestedSawTransaction = db.inTransaction;
        insert('inner');
      });
    });
    // Assess
    expect(nestedSawTransaction).toBe(true);
    expect(db.inTransaction).toBe(false);
    expect(rows()).toEqual(['outer', 'inner']);
  });

  it('rolls back the whole transaction when a nested call fails', () => {
    // Prepare / Act
    const run = () =>
      sql.transaction(() => {
        insert('outer');
        sql.transaction(() => {
          insert('inner');
          throw new Error('disk full');
        });
      });
    // Assess
    expect(run).toThrow('disk full');
    expect(rows()).toEqual([]);
    expect(db.inTransaction).toBe(false);
  });
});
