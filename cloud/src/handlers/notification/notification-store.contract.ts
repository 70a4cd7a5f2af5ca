import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NotificationStore } from './notification-store.js';

/** A store built for one contract case. */
export interface NotificationStoreUnderTest {
  store: NotificationStore;
  close(): Promise<void> | void;
  /**
   * Remove what has expired by the test clock: the store's own purge, or for a database
   * that expires items itself a stand-in for its sweep. Needed unless `expiry` is `none`.
   */
  expire?(): Promise<void>;
}

/** The behaviour every notification store shows (STYLE rule 9). */
export function describeNotificationStoreContract(
  name: string,
  /** `now`: the test clock, for the store's own stamps (expiry). */
  factory: (now: () => number) => Promise<NotificationStoreUnderTest>,
  /**
   * How state expires: `purge` (the store removes it when told, SQLite), `ttl` (the
   * database does in the background, DynamoDB: `expire` stands in for its sweep), `none`
   * (kept while the store lives, memory: nothing to test).
   */
  expiry: 'purge' | 'ttl' | 'none',
) {
  describe(`Contract: notification store (${name})`, () => {
    let store: NotificationStore;
    let close: () => Promise<void> | void;
    let expire: (() => Promise<void>) | undefined;
    let clock = 0;
    beforeEach(async () => {
      clock = 0;
      ({ store, close, expire } = await factory(() => clock));
    });
    afterEach(async () => {
      await close();
    });

    const join = (key: string, nowMs: number, thingName = 'door-1', reason = 'door-held-open') =>
      store.joinWindow({
        thingName,
        reason,
        subject: 'Door Held Open',
        key,
        windowId: `w-${key}`,
        nowMs,
        windowMs: 60_000,
      });

    it('opens a window for the first alert and counts each other key once', async () => {
      // Prepare
      const first = await join('a', 0);
      // Act
      const again = await join('a', 1_000);
      await join('b', 2_000);
      const dup = await join('b', 3_000);
      const c = await join('c', 4_000);
      // Assess
      expect(first).toMatchObject({
        role: 'leader',
        window: { windowId: 'w-a', leaderKey: 'a', startedAtMs: 0, endsAtMs: 60_000 },
      });
      expect(again.role).toBe('leader');
      expect(dup).toMatchObject({ role: 'member', repeats: 1 });
      expect(c).toMatchObject({ role: 'member', repeats: 2 });
      expect(await store.getWindow('w-a')).toMatchObject({
        repeats: 2,
        window: { reason: 'door-held-open' },
      });
    });

    it('keeps doors and reasons apart, and opens a new window once one has ended', async () => {
      // Prepare
      await join('a', 0);
      // Act
      const otherDoor = await join('b', 1_000, 'door-2');
      const otherReason = await join('c', 1_000, 'door-1', 'device-offline');
      const later = await join('d', 60_000);
      // Assess
      expect([otherDoor.role, otherReason.role, later.role]).toEqual(['leader', 'leader', 'leader']);
      expect(await store.getWindow('nope')).toBeUndefined();
    });

    it('gives a leader retried after its window ended that window unchanged, and the next alert a new one', async () => {
      // Prepare: the window's Window Closed check has run; a reopened window under the
      // same id would collapse later alerts into a summary that never comes.
      await join('a', 0);
      // Act
      const retry = await join('a', 180_000);
      const next = await join('b', 200_000);
      // Assess
      expect(retry).toMatchObject({
        role: 'leader',
        window: { windowId: 'w-a', startedAtMs: 0, endsAtMs: 60_000 },
      });
      expect(next).toMatchObject({ role: 'leader', window: { windowId: 'w-b', startedAtMs: 200_000 } });
      expect(await store.getWindow('w-a')).toMatchObject({ repeats: 0, window: { endsAtMs: 60_000 } });
    });

    it('keeps a leader’s ended window unchanged when it is retried after a later window ended too', async () => {
      // Prepare
      await join('a', 0);
      await join('b', 70_000);
      // Act
      const retry = await join('a', 180_000);
      const next = await join('c', 190_000);
      // Assess
      expect(retry).toMatchObject({
        role: 'leader',
        window: { windowId: 'w-a', startedAtMs: 0, endsAtMs: 60_000 },
      });
      expect(next).toMatchObject({ role: 'leader', window: { windowId: 'w-c', startedAtMs: 190_000 } });
      expect(await store.getWindow('w-a')).toMatchObject({ repeats: 0, window: { endsAtMs: 60_000 } });
    });

    it('remembers delivered channels per notification', async () => {
      // Prepare
      await store.markDelivered('n1', 'webhook');
      await store.markDelivered('n1', 'log');
      await store.markDelivered('n1', 'log');
      // Act
      const channels = await store.deliveredChannels('n1');
      // Assess
      expect(channels).toEqual(['log', 'webhook']);
      expect(await store.deliveredChannels('n2')).toEqual([]);
    });

    it('keeps a door offline until a later connect', async () => {
      // Prepare
      expect(await store.recordDisconnected('door-1', 1_000, 'k1')).toBe(true);
      // Act
      const offline = await store.isStillOffline('door-1', 'k1');
      await store.recordConnected('door-1', 2_000);
      const afterConnect = await store.isStillOffline('door-1', 'k1');
      const stale = await store.recordDisconnected('door-1', 1_500, 'k0');
      // Assess
      expect(offline).toBe(true);
      expect(afterConnect).toBe(false);
      expect(stale).toBe(false);
      expect(await store.isStillOffline('door-9', 'k1')).toBe(false);
    });

    // Memory keeps everything for the life of its (test) process, so there is no expiry to test.
    it.skipIf(expiry === 'none')(
      'forgets state a day after its last use, keeps what is still needed, and works on after',
      async () => {
        // Prepare: the default retention is a day; the expiry runs at 26 h.
        const h = 3600_000;
        const at = async <T>(ms: number, act: () => Promise<T>): Promise<T> => {
          clock = ms;
          return act();
        };
        await at(0, () => join('a', 0));
        await at(30_000, () => join('b', 30_000));
        await at(3 * h, () => join('c', 3 * h, 'door-2'));
        await at(3 * h + 10_000, () => join('d', 3 * h + 10_000, 'door-2'));
        await at(0, () => store.markDelivered('n-old', 'log'));
        await at(1 * h, () => store.markDelivered('n-new', 'log'));
        await at(3 * h, () => store.markDelivered('n-new', 'webhook'));
        await at(0, () => store.recordDisconnected('door-1', 0, 'k1'));
        await at(0, () => store.recordConnected('door-3', 0));
        await at(3 * h, () => store.recordDisconnected('door-2', 3 * h, 'k2'));
        await at(3 * h, () => store.recordDisconnected('door-3', 3 * h, 'k3'));
        // Act
        clock = 26 * h;
        await expire!();
        // Assess: the old window (with its member), delivery and presence are gone; the
        // later window, both channels of a delivery renewed at 3 h, and doors still
        // waiting on their offline check are kept.
        expect(await store.getWindow('w-a')).toBeUndefined();
        expect(await store.deliveredChannels('n-old')).toEqual([]);
        expect(await store.isStillOffline('door-1', 'k1')).toBe(false);
        expect(await store.getWindow('w-c')).toMatchObject({ repeats: 1, window: { leaderKey: 'c' } });
        expect(await store.deliveredChannels('n-new')).toEqual(['log', 'webhook']);
        expect(await store.isStillOffline('door-2', 'k2')).toBe(true);
        expect(await store.isStillOffline('door-3', 'k3')).toBe(true);
        // ...and the same door and reason open a new window that counts from zero.
        const next = await at(26 * h, () => join('e', 26 * h));
        const repeat = await at(26 * h + 1_000, () => join('f', 26 * h + 1_000));
        expect(next).toMatchObject({ role: 'leader', window: { windowId: 'w-e', startedAtMs: 26 * h } });
        expect(repeat).toMatchObject({ role: 'member', window: { windowId: 'w-e' }, repeats: 1 });
        expect(await at(26 * h, () => store.recordDisconnected('door-1', 26 * h, 'k4'))).toBe(true);
        expect(await store.isStillOffline('door-1', 'k4')).toBe(true);
      },
    );

    it.skipIf(expiry === 'none')('keeps a window longer than the retention until it ends', async () => {
      // Prepare: a 2-day collapse window, and a repeat a day into it.
      const h = 3600_000;
      clock = 0;
      await store.joinWindow({
        thingName: 'door-1',
        reason: 'device-offline',
        subject: 'Device Offline',
        key: 'long',
        windowId: 'w-long',
        nowMs: 0,
        windowMs: 48 * h,
      });
      clock = 20 * h;
      await join('again', 20 * h, 'door-1', 'device-offline');
      // Act
      clock = 40 * h;
      await expire!();
      // Assess: still open at 40 h, with its member, and repeats still join it.
      expect(await store.getWindow('w-long')).toMatchObject({ repeats: 1 });
      expect(await join('late', 40 * h, 'door-1', 'device-offline')).toMatchObject({
        role: 'member',
        window: { windowId: 'w-long' },
      });
    });

    it('follows only the latest disconnect', async () => {
      // Prepare
      await store.recordDisconnected('door-1', 1_000, 'k1');
      // Act
      await store.recordDisconnected('door-1', 3_000, 'k2');
      // Assess
      expect(await store.isStillOffline('door-1', 'k1')).toBe(false);
      expect(await store.isStillOffline('door-1', 'k2')).toBe(true);
    });
  });
}
