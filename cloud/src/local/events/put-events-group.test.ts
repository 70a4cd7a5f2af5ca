import { describe, expect, it } from 'vitest';
import { EventsValidationError } from './errors.js';
import type { PutEventsEntryInput } from './put-events.js';
import { PUT_EVENTS_GROUP_MAX, PutEventsGroup } from './put-events-group.js';
import type { PutEventsResult } from './service.js';

const entry = (source: string) => ({ Source: source }) as PutEventsEntryInput;

/**
 * A transaction that records its commits (and its attempts), and a putEvents that fails on
 * request: with a validation error for `failOn`, with a crash after writing for `crashOn`.
 */
function setup(failOn?: string, storeFails = false, crashOn?: string) {
  const commits: string[][] = [];
  let attempts = 0;
  let current: string[] | undefined;
  const group = new PutEventsGroup(
    (fn) => {
      attempts++;
      current = [];
      fn();
      if (storeFails) throw new Error('disk I/O error');
      commits.push(current);
      current = undefined;
    },
    (entries): PutEventsResult => {
      const source = String(entries[0]?.Source ?? '');
      if (source === failOn) throw new EventsValidationError(`bad ${source}`);
      current?.push(source);
      if (source === crashOn) throw new RangeError('Maximum call stack size exceeded');
      return { failedEntryCount: 0, entries: [{ eventId: `id-${source}` }] };
    },
  );
  return { group, commits, attempts: () => attempts };
}

describe('Class: PutEventsGroup', () => {
  describe('Method: put', () => {
    it('writes the requests of one turn in one transaction and answers each after it', async () => {
      // Prepare
      const { group, commits } = setup();
      // Act
      const results = await Promise.all(['a', 'b', 'c'].map((s) => group.put([entry(s)])));
      // Assess
      expect(commits).toEqual([['a', 'b', 'c']]);
      expect(results.map((r) => r.entries[0]?.eventId)).toEqual(['id-a', 'id-b', 'id-c']);
    });

    it('fails only the request whose validation failed', async () => {
      // Prepare
      const { group, commits } = setup('b');
      // Act
      const settled = await Promise.allSettled(['a', 'b', 'c'].map((s) => group.put([entry(s)])));
      // Assess
      expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((settled[1] as PromiseRejectedResult).reason).toBeInstanceOf(EventsValidationError);
      expect(commits).toEqual([['a', 'c']]);
    });

    it('fails only the request whose processing threw, committing the rest of its group without it', async () => {
      // Prepare
      const { group, commits } = setup(undefined, false, 'b');
      // Act
      const settled = await Promise.allSettled(['a', 'b', 'c'].map((s) => group.put([entry(s)])));
      // Assess: b's writes were rolled back with the first attempt; a and c committed once.
      expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((settled[1] as PromiseRejectedResult).reason).toBeInstanceOf(RangeError);
      expect(commits).toEqual([['a', 'c']]);
    });

    it('isolates several throwing requests of one group, one retry each', async () => {
      // Prepare
      const { group, commits, attempts } = setup(undefined, false, 'b');
      // Act
      const settled = await Promise.allSettled(['a', 'b', 'c', 'b', 'd'].map((s) => group.put([entry(s)])));
      // Assess
      expect(settled.map((s) => s.status)).toEqual([
        'fulfilled',
        'rejected',
        'fulfilled',
        'rejected',
        'fulfilled',
      ]);
      expect(commits).toEqual([['a', 'c', 'd']]);
      expect(attempts()).toBe(3);
    });

    it('fails every request of the group when the store fails, answering none as accepted', async () => {
      // Prepare
      const { group, commits } = setup(undefined, true);
      // Act
      const settled = await Promise.allSettled(['a', 'b'].map((s) => group.put([entry(s)])));
      // Assess
      expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
      expect(commits).toEqual([]);
    });

    it('commits at once when the group is full, without waiting for the turn to end', () => {
      // Prepare
      const { group, commits } = setup();
      // Act
      for (let i = 0; i < PUT_EVENTS_GROUP_MAX; i++) void group.put([entry(`s${i}`)]);
      // Assess
      expect(commits).toHaveLength(1);
      expect(commits[0]).toHaveLength(PUT_EVENTS_GROUP_MAX);
    });
  });
});
