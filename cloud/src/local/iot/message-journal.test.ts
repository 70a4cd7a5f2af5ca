import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { describeMessageJournalContract } from './message-journal.contract.js';
import { MemoryMessageJournal, SqliteMessageJournal } from './message-journal.js';

const dir = mkdtempSync(join(tmpdir(), 'journal-'));
const dbs: Database.Database[] = [];
let n = 0;

afterAll(() => {
  for (const db of dbs) db.close();
  rmSync(dir, { recursive: true, force: true });
});

describeMessageJournalContract('memory', () => ({ journal: new MemoryMessageJournal() }));
describeMessageJournalContract('sqlite', () => {
  const db = new Database(join(dir, `j${n++}.db`));
  dbs.push(db);
  return { journal: new SqliteMessageJournal(db) };
});

describe('Class: SqliteMessageJournal', () => {
  it('keeps what was not removed across a reopen of the database', async () => {
    // Prepare
    const path = join(dir, 'reopen.db');
    const db1 = new Database(path);
    const journal = new SqliteMessageJournal(db1);
    await journal.append({
      topic: 'smartdoor/door-1/events',
      payload: Buffer.from('{}'),
      qos: 1,
      retain: false,
      clientId: 'door-1',
    });
    db1.close();

    // Act
    const db2 = new Database(path);
    dbs.push(db2);
    const pending = new SqliteMessageJournal(db2).pending();

    // Assess
    expect(pending.map((p) => [p.message.topic, p.message.clientId])).toEqual([
      ['smartdoor/door-1/events', 'door-1'],
    ]);
  });

  it('fails the appends it could not write, so their publishes are not acknowledged', async () => {
    // Prepare
    const db = new Database(join(dir, 'closed.db'));
    const journal = new SqliteMessageJournal(db);
    db.close();
    // Act
    const append = journal.append({ topic: 't', payload: Buffer.from('{}'), qos: 1, retain: false });
    // Assess
    await expect(append).rejects.toThrow(/not open/);
  });
});
