import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventFactory } from '../core/event-factory.js';
import { describeOutboxContract } from './outbox.contract.js';
import { SqliteOutbox } from './sqlite-outbox.js';

describeOutboxContract('sqlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smartdoor-sqlite-outbox-'));
  return {
    create: (options) => new SqliteOutbox(join(dir, 'outbox.db'), options),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe('Class: SqliteOutbox', () => {
  const factory = new EventFactory({ thingName: 'door-001' });
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smartdoor-sqlite-'));
  });
  afterEach(() => {
    vi.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('Method: start', () => {
    it('opens its database in WAL mode with synchronous=FULL, and is back to FULL after a removal', async () => {
      // Prepare: synchronous is a setting of the connection, so read it on the outbox's own
      // (the first `this` its pragma calls see). FULL (2) syncs the WAL at every commit, so an
      // appended event survives a power cut; NORMAL (1) or OFF (0) would not.
      const pragma = vi.spyOn(Database.prototype, 'pragma');
      const outbox = new SqliteOutbox(join(dir, 'outbox.db'));
      // Act
      await outbox.start();
      const db = pragma.mock.contexts[0] as Database.Database;
      const afterStart = {
        journal: db.pragma('journal_mode', { simple: true }),
        synchronous: db.pragma('synchronous', { simple: true }),
      };
      const { entry } = outbox.append(
        (seq) => factory.create({ type: 'door.state.changed', state: 'open' }, seq, 0),
        0,
      );
      outbox.ack(entry.seq);
      const afterRemoval = db.pragma('synchronous', { simple: true });
      await outbox.stop();
      // Assess
      expect(afterStart).toEqual({ journal: 'wal', synchronous: 2 });
      expect(afterRemoval).toBe(2);
    });
  });
});
