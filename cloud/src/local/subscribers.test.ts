import { DetailType, EventSource, parseCloudConfig } from '@smartdoor/shared';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Notification } from '../handlers/notification/notification.js';
import { SqliteNotificationStore } from '../handlers/notification/sqlite-notification-store.js';
import { deviceEvent, lambdaContext, sqsOf } from '../idempotency/testing/bus-events.js';
import { createLocalSubscribers, type LocalSubscribers } from './subscribers.js';

const H = 3600_000;
const T0 = Date.parse('2026-11-23T12:00:00.000Z');

describe('Function: createLocalSubscribers', () => {
  describe('Purge', () => {
    let db: Database.Database;
    let clock: number;
    let timers: Array<{ fn: () => void; ms: number }>;
    let enqueued: Array<{ body: string; delaySeconds: number }>;
    let dashboard: Notification[];
    let subscribers: LocalSubscribers | undefined;
    const make = (config: Record<string, unknown> = {}) =>
      createLocalSubscribers({
        config: parseCloudConfig(config),
        db,
        eventBridge: { send: async () => ({}) } as never,
        iotData: { send: async () => ({}) } as never,
        enqueue: (_name, body, delaySeconds) => {
          enqueued.push({ body, delaySeconds });
        },
        dashboardSink: (n) => {
          dashboard.push(n);
        },
        logger: pino({ level: 'silent' }),
        now: () => clock,
        timers: {
          setTimeout: (fn, ms) => timers.push({ fn, ms }),
          clearTimeout: () => {},
        },
      });
    const notificationRows = () =>
      (
        db
          .prepare(
            `SELECT (SELECT COUNT(*) FROM notification_windows) + (SELECT COUNT(*) FROM notification_window_members)
             + (SELECT COUNT(*) FROM notification_deliveries) + (SELECT COUNT(*) FROM notification_presence) AS n`,
          )
          .get() as { n: number }
      ).n;

    beforeEach(() => {
      db = new Database(':memory:');
      clock = T0;
      timers = [];
      enqueued = [];
      dashboard = [];
    });
    afterEach(() => {
      subscribers?.stop();
      subscribers = undefined;
      db.close();
    });

    it('purges expired notification state at start and then hourly', async () => {
      // Prepare: state written through another handle on the same tables.
      subscribers = make();
      const state = new SqliteNotificationStore(db, { now: () => clock });
      const writeState = async (atMs: number) => {
        clock = atMs;
        const w = {
          thingName: 'door-1',
          reason: 'door-held-open',
          subject: 'Door Held Open',
          windowMs: 60_000,
        };
        await state.joinWindow({ ...w, key: `a${atMs}`, windowId: `w${atMs}`, nowMs: atMs });
        await state.joinWindow({ ...w, key: `b${atMs}`, windowId: `x${atMs}`, nowMs: atMs });
        await state.markDelivered(`n${atMs}`, 'log');
        await state.recordDisconnected('door-1', atMs, `k${atMs}`);
      };
      await writeState(T0);
      const written = notificationRows();
      clock = T0 + 25 * H;
      // Act
      await subscribers.start();
      const afterStart = notificationRows();
      await writeState(T0 + 25 * H);
      clock = T0 + 50 * H;
      timers.at(-1)!.fn();
      // Assess
      expect(written).toBe(4); // a window, its member, a delivery, a presence row
      expect(afterStart).toBe(0);
      expect(notificationRows()).toBe(0);
      expect(timers.map((t) => t.ms)).toEqual([H, H]);
    });

    it('keeps a door’s presence until its offline check, even with a grace beyond a day', async () => {
      // Prepare
      subscribers = make({ offlineGraceSeconds: 2 * 86_400 });
      await subscribers.start();
      const disconnected = {
        ...deviceEvent(DetailType.DeviceDisconnected, 'door-1', new Date(T0).toISOString(), {
          clientId: 'door-1',
        }),
        source: EventSource.Presence,
      };
      await subscribers.notification(sqsOf(disconnected), lambdaContext());
      const check = enqueued.splice(0);
      // Act: hourly purges through the grace, then the check comes due.
      for (let h = 1; h <= 48; h++) {
        clock = T0 + h * H;
        timers.at(-1)!.fn();
      }
      const res = await subscribers.notification(sqsOf(JSON.parse(check[0]!.body)), lambdaContext());
      // Assess
      expect(check).toHaveLength(1);
      expect(res.batchItemFailures).toEqual([]);
      expect(dashboard.map((n) => [n.thingName, n.reason])).toEqual([['door-1', 'device-offline']]);
    });

    it('keeps purging hourly after a purge fails', async () => {
      // Prepare: a store whose tables are gone fails its purge.
      subscribers = make();
      await subscribers.start();
      db.exec('DROP TABLE notification_presence');
      // Act
      const next = timers.at(-1)!;
      next.fn();
      // Assess: the failure did not escape, and the next purge is scheduled an hour on.
      expect(timers).toHaveLength(2);
      expect(timers.at(-1)!.ms).toBe(H);
    });
  });
});
