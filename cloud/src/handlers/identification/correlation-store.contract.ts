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

    it('finds badge reads by door and time range, oldest first', async () => {
      // Prepare
      await store.putBadgeRead({ key: 'b2', thingName: 'door-1', atMs: 2000, badgeRef: 'r2' });
      await store.putBadgeRead({ key: 'b1', thingName: 'door-1', atMs: 1000, badgeRef: 'r1' });
      await store.putBadgeRead({ key: 'b3', thingName: 'door-2', atMs: 1500, badgeRef: 'r3' });
      await store.putBadgeRead({ key: 'b4', thingName: 'door-1', atMs: 5000, badgeRef: 'r4' });
      // Act
      const found = await store.findBadgeReads('door-1', 1000, 2000);
      // Assess
      expect(found.map((r) => r.key)).toEqual(['b1', 'b2']);
      expect(found[0]).toEqual({ key: 'b1', thingName: 'door-1', atMs: 1000, badgeRef: 'r1' });
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
