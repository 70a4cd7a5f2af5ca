import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutboxCorruptError } from '../core/errors.js';
import { EventFactory } from '../core/event-factory.js';
import { LogOutbox } from './log-outbox.js';
import { describeOutboxContract } from './outbox.contract.js';

describeOutboxContract('append-only log', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smartdoor-log-outbox-'));
  return {
    create: (options) => new LogOutbox(join(dir, 'outbox.log'), options),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe('Class: LogOutbox', () => {
  const factory = new EventFactory({ thingName: 'door-001' });
  let dir: string;
  let path: string;
  const add = (o: LogOutbox) =>
    o.append((seq) => factory.create({ type: 'door.state.changed', state: 'open' }, seq, 0), 0);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smartdoor-log-'));
    path = join(dir, 'outbox.log');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('Method: start', () => {
    it('drops a torn last record, as after a power cut mid-write', async () => {
      // Prepare
      const outbox = new LogOutbox(path);
      await outbox.start();
      add(outbox);
      add(outbox);
      await outbox.stop();
      appendFileSync(path, '1234abcd {"a":[3,"k","door.state.chan');
      // Act
      const reopened = new LogOutbox(path);
      await reopened.start();
      const next = add(reopened).entry;
      await reopened.stop();
      // Assess
      expect(next.seq).toBe(3);
      expect(readFileSync(path, 'utf8')).not.toContain('door.state.chan"');
    });

    it('throws an OutboxCorruptError when a record before the tail fails its checksum', async () => {
      // Prepare
      const outbox = new LogOutbox(path);
      await outbox.start();
      add(outbox);
      add(outbox);
      await outbox.stop();
      const text = readFileSync(path, 'utf8');
      writeFileSync(path, text.replace('open', 'shut'));
      // Act / Assess
      await expect(new LogOutbox(path).start()).rejects.toBeInstanceOf(OutboxCorruptError);
    });
  });

  describe('Method: ack', () => {
    it('compacts the log once removed records outnumber live ones', async () => {
      // Prepare
      const outbox = new LogOutbox(path);
      await outbox.start();
      for (let i = 0; i < 1_100; i++) add(outbox);
      const before = readFileSync(path).length;
      // Act
      for (let seq = 1; seq <= 1_050; seq++) outbox.ack(seq);
      const afterCompaction = outbox.read(0, 100);
      add(outbox);
      await outbox.stop();
      // Assess
      expect(readFileSync(path).length).toBeLessThan(before / 5);
      const reopened = new LogOutbox(path);
      await reopened.start();
      expect(afterCompaction.map((e) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 1_051 + i));
      expect(JSON.parse(afterCompaction[0]!.payload)).toMatchObject({ seq: 1_051 });
      expect(reopened.stats()).toMatchObject({ depth: 51, oldestSeq: 1_051, nextSeq: 1_102 });
      expect(reopened.read(1_100, 5).map((e) => e.idempotencyKey)).toHaveLength(1);
      await reopened.stop();
    });
  });
});
