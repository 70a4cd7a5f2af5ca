import { describe, expect, it } from 'vitest';
import type { MessageJournal } from './message-journal.js';

/** The contract every MessageJournal meets (STYLE rule 9): run by each implementation's test. */
export function describeMessageJournalContract(
  name: string,
  factory: () => { journal: MessageJournal; reopen?: () => MessageJournal },
) {
  describe(`Contract: MessageJournal (${name})`, () => {
    it('returns appended messages in order until they are removed', async () => {
      // Prepare
      const { journal } = factory();
      const a = await journal.append({
        topic: 'a',
        payload: Buffer.from('1'),
        qos: 1,
        retain: false,
        clientId: 'door-1',
        principal: 'p',
      });
      const b = await journal.append({ topic: 'b', payload: Buffer.from([0, 255]), qos: 1, retain: false });

      // Act
      journal.remove(a);
      const left = journal.pending();

      // Assess
      expect(b).toBeGreaterThan(a);
      expect(left).toEqual([
        { id: b, message: { topic: 'b', payload: Buffer.from([0, 255]), qos: 1, retain: false } },
      ]);
    });

    it('appends a burst in order, each resolving with its own id', async () => {
      // Prepare
      const { journal } = factory();
      const message = (topic: string) => ({
        topic,
        payload: Buffer.from(topic),
        qos: 1 as const,
        retain: false,
      });
      // Act
      const ids = await Promise.all(['x', 'y', 'z'].map((t) => journal.append(message(t))));
      // Assess
      expect(new Set(ids).size).toBe(3);
      expect(journal.pending().map((p) => [p.id, p.message.topic])).toEqual([
        [ids[0], 'x'],
        [ids[1], 'y'],
        [ids[2], 'z'],
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
