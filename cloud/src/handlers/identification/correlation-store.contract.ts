import { UnidentifiedReason } from '@smartdoor/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CorrelationStore, OpeningRef, Resolution } from './correlation-store.js';

/** The behaviour every correlation store shows (STYLE rule 9): SQLite, memory, DynamoDB. */
export function describeCorrelationStoreContract(
  name: string,
  factory: () => Promise<{ store: CorrelationStore; close(): Promise<void> | void }>,
  /** `ttl`: the database expires records itself (DynamoDB), so purgeBefore is a no-op. */
  expiry: 'purge' | 'ttl' = 'purge',
) {
  describe(`Contract: correlation store (${name})`, () => {
    let store: CorrelationStore;
    let close: () => Promise<void> | void;
    beforeEach(async () => {
      ({ store, close } = await factory());
    });
    afterEach(async () => {
      await close();
    });

    const ref = (key: string, atMs: number, thingName = 'door-1'): OpeningRef => ({ key, thingName, atMs });
    const identified: Resolution = {
      kind: 'identified',
      personId: 'alice',
      badgeKey: 'b1',
      badgeRef: 'a'.repeat(64),
      badgeReadAtMs: 900,
    };
    const noBadge: Resolution = { kind: 'unidentified', reason: UnidentifiedReason.NoBadge };

    it('keeps the first copy when an opening is put twice', async () => {
      // Prepare
      await store.putOpening(ref('o1', 1000));
      await store.claimOpening(ref('o1', 1000), noBadge, 'o1');
      // Act
      const again = await store.putOpening(ref('o1', 1000));
      // Assess
      expect(again).toMatchObject({
        key: 'o1',
        thingName: 'door-1',
        atMs: 1000,
        done: false,
        resolution: noBadge,
      });
    });

    it('finds the nearest badge read each side of a time, at that door and within the window', async () => {
      // Prepare
      for (const [key, thingName, atMs] of [
        ['b1', 'door-1', 1000],
        ['b2', 'door-1', 1800],
        ['b3', 'door-2', 2000],
        ['b4', 'door-1', 2500],
        ['b5', 'door-1', 2900],
        ['b6', 'door-1', 9000],
      ] as const) {
        await store.putBadgeRead({ key, thingName, atMs, badgeRef: `r-${key}` });
      }
      // Act
      const around = await store.nearestBadgeReads('door-1', 2000, 1000);
      const exact = await store.nearestBadgeReads('door-1', 1800, 100);
      const none = await store.nearestBadgeReads('door-1', 5000, 1000);
      const onlyAfter = await store.nearestBadgeReads('door-1', 8500, 1000);
      // Assess
      expect(around).toEqual([
        { key: 'b2', thingName: 'door-1', atMs: 1800, badgeRef: 'r-b2' },
        { key: 'b4', thingName: 'door-1', atMs: 2500, badgeRef: 'r-b4' },
      ]);
      expect(exact.map((r) => r.key)).toEqual(['b2']);
      expect(none).toEqual([]);
      expect(onlyAfter.map((r) => r.key)).toEqual(['b6']);
    });

    it('lets only the first resolution stand when two resolvers claim', async () => {
      // Prepare
      await store.putOpening(ref('o2', 1000));
      // Act
      const first = await store.claimOpening(ref('o2', 1000), identified, 'badge-key');
      const second = await store.claimOpening(ref('o2', 1000), noBadge, 'check-key');
      // Assess
      expect(first).toEqual({ resolution: identified, claimedBy: 'badge-key' });
      expect(second).toEqual({ resolution: identified, claimedBy: 'badge-key' });
      expect(await store.getOpening(ref('o2', 1000))).toMatchObject({ claimedBy: 'badge-key', done: false });
    });

    it('lists only openings not done, in the range', async () => {
      // Prepare
      await store.putOpening(ref('o3', 1000));
      await store.putOpening(ref('o4', 2000));
      await store.putOpening(ref('o5', 9000));
      await store.claimOpening(ref('o3', 1000), noBadge, 'o3');
      await store.markDone(ref('o3', 1000));
      // Act
      const open = await store.findOpenOpenings('door-1', 0, 5000);
      // Assess
      expect(open.map((o) => o.key)).toEqual(['o4']);
      expect((await store.getOpening(ref('o3', 1000)))?.done).toBe(true);
    });

    it.runIf(expiry === 'purge')('drops records older than the cut-off', async () => {
      // Prepare
      await store.putOpening(ref('o6', 1000));
      await store.putBadgeRead({ key: 'b6', thingName: 'door-1', atMs: 1000, badgeRef: 'r' });
      await store.putOpening(ref('o7', 5000));
      // Act
      const purged = await store.purgeBefore(2000);
      // Assess
      expect(purged).toBe(2);
      expect(await store.getOpening(ref('o6', 1000))).toBeUndefined();
      expect(await store.getOpening(ref('o7', 5000))).toBeDefined();
    });
  });
}
