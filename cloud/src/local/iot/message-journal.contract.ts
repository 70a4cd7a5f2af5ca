import { describe, expect, it } from 'vitest';
import type { MessageJournal } from './message-journal.js';

/** The contract every MessageJournal meets (STYLE rule 9): run by each implementation's test. */
export function describeMessageJournalContract(
  name: string,
  factory: () => { journal: MessageJournal; reopen?: () => MessageJournal },
) {
  describe(`Contract: MessageJournal (${name})`, () => {
    it('returns appended messages in order until they are removed', () => {
      // Prepare
      const { journal } = factory();
      const a = journal.append({
        topic: 'a',
        payload: Buffer.from('1'),
        qos: 1,
        retain: false,
        clientId: 'door-1',
        principal: 'p',
      });
      const b = journal.append({ topic: 'b', payload: Buffer.from([0, 255]), qos: 1, retain: false });

      // Act
      journal.remove(a);
      const left = journal.pending();

      // Assess
      expect(b).toBeGreaterThan(a);
      expect(left).toEqual([
        { id: b, message: { topic: 'b', payload: Buffer.from([0, 255]), qos: 1, retain: false } },
      ]);
    });

    it('ignores removing an id it does not hold', () => {
      // Prepare
      const { journal } = factory();

      // Act
      journal.remove(42);

      // Assess
      expect(journal.pending()).toEqual([]);
    });
  });
}
