import { describe, expect, it } from 'vitest';
import { EventsValidationError } from './errors.js';
import type { PutEventsEntryInput } from './put-events.js';
import { PUT_EVENTS_GROUP_MAX, PutEventsGroup } from './put-events-group.js';
import type { PutEventsResult } from './service.js';

const entry = (source: string) => ({ Source: source }) as PutEventsEntryInput;

/** A transaction that records its commits, and a putEvents that fails on request. */
function setup(failOn?: string, storeFails = false) {
  const commits: string[][] = [];
  let current: string[] | undefined;
  const group = new PutEventsGroup(
    (fn) => {
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
      return { failedEntryCount: 0, entries: [{ eventId: `id-${source}` }] };
    },
  );
  return { group, commits };
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
