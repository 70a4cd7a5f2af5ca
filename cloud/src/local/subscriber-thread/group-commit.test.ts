import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.js';

// Roles: `db` is the owning connection the group commits on; `reader` a second connection
// on the same file, which sees only what was committed.
let dir: string;
let db: Database.Database;
let reader: Database.Database;
const rows = () =>
  (reader.prepare('SELECT v FROM t ORDER BY v').all() as Array<{ v: string }>).map((r) => r.v);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'smartdoor-group-'));
  db = new Database(join(dir, 'g.db'));
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE t (v TEXT)');
  reader = new Database(join(dir, 'g.db'), { readonly: true });
});
afterEach(() => {
  reader.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Class: GroupCommit', () => {
  it('answers work only once its writes are committed, and commits work that overlaps in one group', async () => {
    // Prepare
    const group = new GroupCommit(db);
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    // Act
    const slow = group.run(async () => {
      db.prepare('INSERT INTO t VALUES (?)').run('slow-1');
      await gate;
      db.prepare('INSERT INTO t VALUES (?)').run('slow-2');
    });
    const fast = group.run(async () => {
      db.prepare('INSERT INTO t VALUES (?)').run('fast');
    });
    await new Promise((r) => setImmediate(r));
    // Assess: nothing visible while the group is open
    expect(rows()).toEqual([]);
    await fast;
    expect(rows()).toEqual(['fast', 'slow-1']);
    release();
    await slow;
    expect(rows()).toEqual(['fast', 'slow-1', 'slow-2']);
    expect(db.inTransaction).toBe(false);
  });

  it('commits the writes of work that failed and passes its error on', async () => {
    // Prepare
    const group = new GroupCommit(db);
    // Act
    const failing = group.run(async () => {
      db.prepare('INSERT INTO t VALUES (?)').run('before the error');
      throw new Error('badge directory down');
    });
    // Assess
    await expect(failing).rejects.toThrow('badge directory down');
    expect(rows()).toEqual(['before the error']);
  });

  it('is idle once work in flight is committed and answered, and says when it waited in vain', async () => {
    // Prepare
    const group = new GroupCommit(db);
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const order: string[] = [];
    const work = group
      .run(async () => {
        db.prepare('INSERT INTO t VALUES (?)').run('w');
        await gate;
      })
      .then(() => order.push('answered'));
    // Act
    const early = await group.idle(20);
    const idle = group.idle(5_000).then((v) => {
      order.push('idle');
      return v;
    });
    release();
    await work;
    // Assess
    expect(early).toBe(false);
    expect(await idle).toBe(true);
    expect(order).toEqual(['answered', 'idle']);
    expect(rows()).toEqual(['w']);
    expect(await group.idle(0)).toBe(true);
  });
});
