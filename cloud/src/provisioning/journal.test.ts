import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JOURNAL_FILE, ProvisionJournal } from './journal.js';

describe('Class: ProvisionJournal', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'journal-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  describe('Method: open', () => {
    it('reads back the steps and certificate of each door an earlier run recorded', () => {
      // Prepare
      const first = new ProvisionJournal(dir);
      first.open();
      first.record({ thingName: 'door-1', step: 'thing' });
      first.record({ thingName: 'door-1', step: 'certificate', certificateId: 'abc', certificatePem: 'PEM' });
      first.close();

      // Act
      const second = new ProvisionJournal(dir);
      second.open();

      // Assess
      const p = second.progress('door-1');
      expect([...p.steps]).toEqual(['thing', 'certificate']);
      expect(p.certificateId).toBe('abc');
      expect(second.progress('door-2').steps.size).toBe(0);
      expect(statSync(join(dir, JOURNAL_FILE)).mode & 0o777).toBe(0o600);
      second.close();
    });

    it('ignores a line torn by a crash and appends on a fresh line', () => {
      // Prepare
      const first = new ProvisionJournal(dir);
      first.open();
      first.record({ thingName: 'door-1', step: 'thing' });
      first.close();
      appendFileSync(join(dir, JOURNAL_FILE), '{"thingName":"door-1","step":"certif');

      // Act
      const second = new ProvisionJournal(dir);
      second.open();
      second.record({ thingName: 'door-1', step: 'policy' });
      second.close();
      const third = new ProvisionJournal(dir);
      third.open();

      // Assess
      expect([...third.progress('door-1').steps]).toEqual(['thing', 'policy']);
      expect(readFileSync(join(dir, JOURNAL_FILE), 'utf8').split('\n').filter(Boolean)).toHaveLength(3);
      third.close();
    });
  });

  describe('Method: record', () => {
    it('refuses to record before open', () => {
      // Prepare
      const journal = new ProvisionJournal(dir);

      // Act
      const act = () => journal.record({ thingName: 'door-1', step: 'thing' });

      // Assess
      expect(act).toThrow(/not open/);
    });
  });
});
