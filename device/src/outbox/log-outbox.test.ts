import {
  appendFileSync,
  existsSync,
  fdatasyncSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OutboxCorruptError, OutboxError } from '../core/errors.js';
import { EventFactory } from '../core/event-factory.js';
import { LogOutbox, logOutboxFs } from './log-outbox.js';
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
  afterEach(() => {
    logOutboxFs.writeSync = writeSync;
    logOutboxFs.fdatasyncSync = fdatasyncSync;
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * A disk with `free` bytes left: writes beyond them are cut short (what write(2) does
   * on a full disk), and a write with no room at all fails with ENOSPC.
   */
  const fullDiskAfter = (free: number, only: (length: number) => boolean = () => true) => {
    logOutboxFs.writeSync = (fd, buf, offset = 0, length = buf.length - offset) => {
      if (!only(length)) return writeSync(fd, buf, offset, length);
      if (free <= 0)
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      const n = writeSync(fd, buf, offset, Math.min(length, free));
      free -= n;
      return n;
    };
  };

  describe('Method: start', () => {
    it('refuses a symlink at the log path and leaves its target untouched', async () => {
      // Prepare: a "torn tail" (no newline) the old open would have cut from the target
      const victim = join(dir, 'victim.txt');
      writeFileSync(victim, 'not an outbox');
      symlinkSync(victim, path);
      // Act
      const started = new LogOutbox(path).start();
      // Assess
      await expect(started).rejects.toBeInstanceOf(OutboxError);
      await expect(started).rejects.toThrow(`${path} is a symbolic link; refusing to follow it`);
      expect(readFileSync(victim, 'utf8')).toBe('not an outbox');
    });

    it('creates its folder 0700 and the log 0600 even under umask 0', async () => {
      // Prepare
      const umask = process.umask(0);
      const nested = join(dir, 'data', 'outbox.log');
      // Act
      try {
        const outbox = new LogOutbox(nested);
        await outbox.start();
        await outbox.stop();
      } finally {
        process.umask(umask);
      }
      // Assess
      expect(statSync(join(dir, 'data')).mode & 0o777).toBe(0o700);
      expect(statSync(nested).mode & 0o777).toBe(0o600);
    });

    it('creates the log private to the agent (0600)', async () => {
      // Act
      const outbox = new LogOutbox(path);
      await outbox.start();
      await outbox.stop();
      // Assess
      expect(statSync(path).mode & 0o777).toBe(0o600);
    });

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

  describe('Method: append', () => {
    it('syncs the record to disk (fdatasync of the file it wrote) before it returns', async () => {
      // Prepare: a power cut after append returns must not lose the event, so the write
      // must be followed by a sync of the same file before append returns.
      const outbox = new LogOutbox(path);
      await outbox.start();
      const calls: string[] = [];
      logOutboxFs.writeSync = (fd, buf, offset, length) => {
        calls.push(`write ${fd}`);
        return writeSync(fd, buf, offset, length);
      };
      logOutboxFs.fdatasyncSync = (fd) => {
        calls.push(`sync ${fd}`);
        fdatasyncSync(fd);
      };
      // Act
      add(outbox);
      calls.push('returned');
      await outbox.stop();
      // Assess
      const fd = calls[0]!.split(' ')[1];
      expect(calls).toEqual([`write ${fd}`, `sync ${fd}`, 'returned']);
    });
  });

  describe('Method: append (full disk)', () => {
    it('refuses an event only partly written, and the log stays readable once space returns', async () => {
      // Prepare
      const outbox = new LogOutbox(path);
      await outbox.start();
      add(outbox);
      add(outbox);
      fullDiskAfter(100);
      // Act
      expect(() => add(outbox)).toThrow(/ENOSPC/);
      logOutboxFs.writeSync = writeSync;
      const after = add(outbox).entry;
      // Assess
      expect(after.seq).toBe(3);
      expect(outbox.read(0, 10).map((e) => e.seq)).toEqual([1, 2, 3]);
      await outbox.stop();
      const reopened = new LogOutbox(path);
      await reopened.start();
      expect(reopened.read(0, 10).map((e) => e.seq)).toEqual([1, 2, 3]);
      await reopened.stop();
    });

    it('writes the rest of a record after a short write', async () => {
      // Prepare
      const outbox = new LogOutbox(path);
      await outbox.start();
      let calls = 0;
      logOutboxFs.writeSync = (fd, buf, offset = 0, length = buf.length - offset) => {
        calls++;
        return writeSync(fd, buf, offset, calls === 1 ? Math.min(length, 10) : length);
      };
      // Act
      const entry = add(outbox).entry;
      await outbox.stop();
      // Assess
      expect(calls).toBe(2);
      const reopened = new LogOutbox(path);
      await reopened.start();
      expect(reopened.read(0, 10)).toEqual([entry]);
      await reopened.stop();
    });
  });

  describe('Method: ack', () => {
    it('keeps the old log when compaction cannot write the whole new file', async () => {
      // Prepare
      const warn = vi.fn();
      const outbox = new LogOutbox(path, { logger: { warn } });
      await outbox.start();
      for (let i = 0; i < 1_100; i++) add(outbox);
      for (let seq = 1; seq <= 1_000; seq++) outbox.ack(seq);
      // Only the compacted file (one large write) meets the full disk; removal records fit.
      fullDiskAfter(10_000, (length) => length > 4_096);
      // Act: removed records now outnumber live ones, so the log compacts
      outbox.ack(1_001);
      const live = outbox.read(0, 5_000).map((e) => e.seq);
      add(outbox);
      await outbox.stop();
      // Assess
      expect(warn).toHaveBeenCalledWith(
        expect.objectContaining({ path }),
        expect.stringMatching(/compaction failed/),
      );
      expect(existsSync(`${path}.compact`)).toBe(false);
      expect(live).toEqual(Array.from({ length: 99 }, (_, i) => 1_002 + i));
      logOutboxFs.writeSync = writeSync;
      const reopened = new LogOutbox(path);
      await reopened.start();
      expect(reopened.stats()).toMatchObject({ depth: 100, oldestSeq: 1_002, nextSeq: 1_102 });
      await reopened.stop();
    });

    it('does not compact through a symlink planted at the temp name', async () => {
      // Prepare
      const victim = join(dir, 'victim.txt');
      writeFileSync(victim, 'victim');
      const outbox = new LogOutbox(path);
      await outbox.start();
      for (let i = 0; i < 1_100; i++) add(outbox);
      symlinkSync(victim, `${path}.compact`);
      // Act
      for (let seq = 1; seq <= 1_050; seq++) outbox.ack(seq);
      await outbox.stop();
      // Assess
      expect(readFileSync(victim, 'utf8')).toBe('victim');
      expect(lstatSync(path).isFile()).toBe(true);
      const reopened = new LogOutbox(path);
      await reopened.start();
      expect(reopened.stats()).toMatchObject({ depth: 50, oldestSeq: 1_051 });
      await reopened.stop();
    });

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
