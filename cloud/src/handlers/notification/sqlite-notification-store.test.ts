import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotificationConfigError } from './errors.js';
import { SqliteNotificationStore } from './sqlite-notification-store.js';

const H = 3600_000;
const TABLES = [
  'notification_windows',
  'notification_window_members',
  'notification_deliveries',
  'notification_presence',
] as const;

describe('Class: SqliteNotificationStore', () => {
  let db: Database.Database;
  let clock: number;
  let store: SqliteNotificationStore;
  const rows = () =>
    Object.fromEntries(
      TABLES.map((t) => [t, (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n]),
    );
  const join = (key: string, nowMs: number, windowMs = 60_000) => {
    clock = nowMs;
    return store.joinWindow({
      thingName: 'door-1',
      reason: 'door-held-open',
      subject: 'Door Held Open',
      key,
      windowId: `w-${key}`,
      nowMs,
      windowMs,
    });
  };

  beforeEach(() => {
    db = new Database(':memory:');
    clock = 0;
    store = new SqliteNotificationStore(db, { now: () => clock });
  });
  afterEach(() => {
    db.close();
  });

  describe('Method: purgeExpired', () => {
    it('deletes the rows of a day-old window, its members, deliveries and presence, and no others', async () => {
      // Prepare
      await join('a', 0);
      await join('b', 10_000);
      await join('c', 20_000);
      clock = 0;
      await store.markDelivered('n-a', 'log');
      await store.recordDisconnected('door-1', 0, 'k1');
      await join('d', 2 * H);
      await join('e', 2 * H + 10_000);
      clock = 2 * H;
      await store.markDelivered('n-d', 'log');
      await store.recordDisconnected('door-2', 2 * H, 'k2');
      // Act
      clock = 24 * H; // a day after the first writes, not yet after a's window ended (60 s)
      const early = store.purgeExpired();
      clock = 25 * H;
      const purged = store.purgeExpired();
      // Assess
      expect(early).toBe(0);
      expect(purged).toBe(5); // window a, members b and c, delivery n-a, presence door-1
      expect(rows()).toEqual({
        notification_windows: 1,
        notification_window_members: 1,
        notification_deliveries: 1,
        notification_presence: 1,
      });
      expect(await store.getWindow('w-d')).toMatchObject({ repeats: 1 });
    });

    it('keeps a window longer than the retention while it is open and a day after it ends', async () => {
      // Prepare
      await join('a', 0, 48 * H);
      // Act
      clock = 47 * H;
      store.purgeExpired();
      const member = await join('b', 47 * H);
      clock = 71 * H;
      store.purgeExpired();
      const beforeDayAfter = await store.getWindow('w-a');
      clock = 72 * H + 1;
      store.purgeExpired();
      // Assess
      expect(member).toMatchObject({ role: 'member', window: { windowId: 'w-a' }, repeats: 1 });
      expect(beforeDayAfter).toMatchObject({ repeats: 1 });
      expect(await store.getWindow('w-a')).toBeUndefined();
      expect(rows().notification_window_members).toBe(0);
    });

    it('does not renew presence on a stale connect, as the DynamoDB conditional update does not', async () => {
      // Prepare
      await store.recordConnected('door-1', 5_000);
      clock = 20 * H;
      await store.recordConnected('door-1', 1_000);
      // Act
      clock = 24 * H + 1;
      const purged = store.purgeExpired();
      // Assess
      expect(purged).toBe(1);
      expect(rows().notification_presence).toBe(0);
    });

    it('follows the retention option', async () => {
      // Prepare
      store = new SqliteNotificationStore(db, { now: () => clock, retentionSeconds: 60 });
      await store.markDelivered('n1', 'log');
      // Act
      clock = 60_000;
      const kept = store.purgeExpired();
      clock = 60_001;
      const purged = store.purgeExpired();
      // Assess
      expect([kept, purged]).toEqual([0, 1]);
    });
  });

  describe('Constructor', () => {
    it('adds the expiry to the tables of an earlier version, giving their rows a full retention', async () => {
      // Prepare
      const old = new Database(':memory:');
      old.exec(`CREATE TABLE notification_deliveries (
          notification_id TEXT NOT NULL, channel TEXT NOT NULL, PRIMARY KEY (notification_id, channel));
        CREATE TABLE notification_presence (
          thing TEXT PRIMARY KEY, connected_at INTEGER, disconnected_at INTEGER, disconnect_key TEXT);
        INSERT INTO notification_deliveries VALUES ('n1', 'log');
        INSERT INTO notification_presence VALUES ('door-1', NULL, 1000, 'k1');`);
      let now = 10 * H;
      // Act
      const migrated = new SqliteNotificationStore(old, { now: () => now });
      const kept = migrated.purgeExpired();
      now = 20 * H;
      await migrated.markDelivered('n1', 'webhook');
      now = 34 * H + 1;
      const purged = migrated.purgeExpired();
      // Assess
      expect(kept).toBe(0);
      expect(purged).toBe(1); // the presence; the delivery was renewed at 20 h
      expect(await migrated.deliveredChannels('n1')).toEqual(['log', 'webhook']);
      expect(await migrated.isStillOffline('door-1', 'k1')).toBe(false);
      expect(() => new SqliteNotificationStore(old)).not.toThrow(); // opened again: nothing to add
      old.close();
    });

    it.each([
      0,
      -1,
      Number.NaN,
      Number.POSITIVE_INFINITY,
    ])('refuses a retention of %s seconds', (retentionSeconds) => {
      // Act / Assess
      expect(() => new SqliteNotificationStore(db, { retentionSeconds })).toThrow(NotificationConfigError);
      expect(() => new SqliteNotificationStore(db, { retentionSeconds })).toThrow(
        `retentionSeconds must be a positive number of seconds, got ${retentionSeconds}`,
      );
    });
  });
});
