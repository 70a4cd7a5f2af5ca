import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventBusService, type EventBusServiceOptions } from '../../cloud/src/local/events/service.js';
import { LocalQueues } from '../../cloud/src/local/queues/local-queues.js';

// Roles: several EventBusService instances share one SQLite database in turn, as the local
// cloud does across restarts; time is fake.
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const BUS_ARN = `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/default`;

let db: Database.Database;
let queues: LocalQueues;
const running: EventBusService[] = [];

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: new Date('2026-11-22T12:00:00Z') });
  db = new Database(':memory:');
  queues = new LocalQueues({ db });
});

afterEach(async () => {
  for (const s of running.splice(0)) await s.stop();
  queues.stop();
  db.close();
  vi.useRealTimers();
});

function service(extra: Partial<EventBusServiceOptions> = {}): EventBusService {
  const s = new EventBusService({ db, queues, region: REGION, accountId: ACCOUNT, ...extra });
  running.push(s);
  return s;
}

const DAY_MS = 86_400_000;

const put = (s: EventBusService, n: number) =>
  s.putEvents([
    { Source: 'smartdoor.device', DetailType: 'Door State Changed', Detail: JSON.stringify({ n }) },
  ]);

describe('Class: Replayer', () => {
  describe('Method: startReplay', () => {
    it('resumes a replay that had not run when the process stopped', async () => {
      // Prepare
      const a = service();
      a.start();
      const from = Date.now();
      for (let n = 1; n <= 3; n++) put(a, n);
      await vi.advanceTimersByTimeAsync(1000);
      await a.stop();
      const b = service(); // never started: the replay is only recorded
      b.archives.startReplay(
        {
          name: 'later',
          eventSourceArn: 'default-all',
          eventStartTime: from,
          eventEndTime: Date.now(),
          destinationArn: BUS_ARN,
        },
        REGION,
        ACCOUNT,
      );
      const c = service();
      const got: number[] = [];
      c.functions.register('f', async (e) => void got.push((e as { detail: { n: number } }).detail.n));
      // Act
      c.start();
      c.putRule({ name: 'r', eventPattern: '{"source":["smartdoor.device"]}' });
      c.putTargets('r', 'default', [{ id: 't', arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:f` }]);
      await vi.advanceTimersByTimeAsync(1000);
      // Assess
      expect(got.sort()).toEqual([1, 2, 3]);
      expect(c.archives.getReplay('later')).toMatchObject({ state: 'COMPLETED', replayedCount: 3 });
    });

    it('refuses a window that ends in the future or a destination that is another bus', () => {
      // Prepare
      const s = service();
      s.start();
      s.createEventBus('other');
      const base = { name: 'x', eventSourceArn: 'default-all', eventStartTime: Date.now() - 1000 };
      // Act + Assess
      expect(() =>
        s.archives.startReplay(
          { ...base, eventEndTime: Date.now() + 60_000, destinationArn: BUS_ARN },
          REGION,
          ACCOUNT,
        ),
      ).toThrow(/future/);
      expect(() =>
        s.archives.startReplay(
          {
            ...base,
            eventEndTime: Date.now(),
            destinationArn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/other`,
          },
          REGION,
          ACCOUNT,
        ),
      ).toThrow(/Cross event bus/);
    });
  });

  describe('Method: createArchive', () => {
    it('drops events older than RetentionDays and keeps the bus archive whole', async () => {
      // Prepare
      const s = service();
      s.start();
      s.archives.createArchive({ name: 'short', busName: 'default', retentionDays: 1 }, REGION, ACCOUNT);
      put(s, 1);
      // Act
      await vi.advanceTimersByTimeAsync(2 * 86_400_000);
      // Assess
      expect(s.archives.getArchive('short').eventCount).toBe(0);
      expect(s.archives.getArchive('default-all').eventCount).toBe(1);
    });
  });
});

describe('Class: EventBusService (archive retention)', () => {
  describe('Method: start', () => {
    it("keeps a week in the bus's own archive by default: older events leave the bus's log", async () => {
      // Prepare
      const s = service();
      s.start();
      put(s, 1);
      await vi.advanceTimersByTimeAsync(6 * DAY_MS);
      put(s, 2);
      // Act: the hourly retention pass runs past the first event's 7th day.
      await vi.advanceTimersByTimeAsync(1 * DAY_MS + 3_600_000);
      // Assess
      expect(s.archives.getArchive('default-all')).toMatchObject({ retentionDays: 7, eventCount: 1 });
      expect(s.store.countEvents('default')).toBe(1);
    });

    it('gives an existing data folder its own archives the configured retention, and leaves the others theirs', async () => {
      // Prepare: a folder of an earlier version, its own archive unmarked and kept forever,
      // beside a user's archive of every device event, also kept forever.
      const before = service();
      before.start();
      const own = before.store.getArchive('default-all')!;
      before.store.putArchive({
        name: own.name,
        arn: own.arn,
        busName: own.busName,
        description: own.description!,
        retentionDays: 0,
        createdAt: own.createdAt,
      });
      before.archives.createArchive(
        { name: 'devices', busName: 'default', eventPattern: '{"source":["smartdoor.device"]}' },
        REGION,
        ACCOUNT,
      );
      put(before, 1);
      before.putEvents([{ Source: 'smartdoor.cloud', DetailType: 'Other', Detail: '{}' }]);
      await before.stop();
      await vi.advanceTimersByTimeAsync(10 * DAY_MS);
      // Act
      const after = service({ archiveRetentionDays: 3 });
      after.start();
      await vi.advanceTimersByTimeAsync(0);
      // Assess
      expect(after.archives.getArchive('default-all')).toMatchObject({ retentionDays: 3, eventCount: 0 });
      expect(after.archives.getArchive('devices')).toMatchObject({ retentionDays: 0, eventCount: 1 });
      // The device event stays for the user's archive; the other one left the log.
      expect(after.store.countEvents('default')).toBe(1);
    });

    it('leaves an archive whose RetentionDays an UpdateArchive set as it is at the next start', async () => {
      // Prepare
      const before = service();
      before.start();
      before.archives.updateArchive({ name: 'default-all', retentionDays: 30 });
      await before.stop();
      // Act
      const after = service({ archiveRetentionDays: 2 });
      after.start();
      // Assess
      expect(after.archives.getArchive('default-all').retentionDays).toBe(30);
    });

    it('refuses an archiveRetentionDays that is not a whole number of days from 0', () => {
      // Act + Assess
      for (const bad of [-1, 1.5, Number.NaN]) {
        expect(() => service({ archiveRetentionDays: bad })).toThrow(
          `archiveRetentionDays must be a whole number of days, 0 or more (0 keeps events forever); received ${bad}`,
        );
      }
    });
  });

  describe('Method: start (a long backlog)', () => {
    it('deletes a log past its retention a batch per turn, all of it before the next hour', async () => {
      // Prepare: 12,000 events, more than two batches, then past the week.
      const s = service();
      s.start();
      for (let n = 0; n < 1_200; n++) {
        s.putEvents(
          Array.from({ length: 10 }, () => ({
            Source: 'smartdoor.device',
            DetailType: 'Door',
            Detail: '{}',
          })),
        );
      }
      await s.stop();
      await vi.advanceTimersByTimeAsync(8 * DAY_MS);
      const again = service();
      // Act
      again.start();
      const afterFirstBatch = again.store.countEvents('default');
      await vi.advanceTimersByTimeAsync(10);
      // Assess
      expect(afterFirstBatch).toBe(7_000);
      expect(again.store.countEvents('default')).toBe(0);
    });
  });
});

describe('Class: EventBusService (restart)', () => {
  describe('Method: start', () => {
    it('reports a stored rule the matcher refuses and still runs the others', async () => {
      // Prepare
      const errors: unknown[] = [];
      const s = new EventBusService({
        db,
        queues,
        region: REGION,
        accountId: ACCOUNT,
        onError: (e) => errors.push(e),
      });
      running.push(s);
      s.store.putBus({ name: 'default', arn: BUS_ARN, createdAt: 0 });
      s.store.putRule({
        name: 'broken',
        busName: 'default',
        arn: 'arn:broken',
        eventPattern: '{"source":"x"}',
        state: 'ENABLED',
      });
      s.store.putRule({
        name: 'fine',
        busName: 'default',
        arn: 'arn:fine',
        eventPattern: '{"source":["x"]}',
        state: 'ENABLED',
      });
      const got: unknown[] = [];
      s.functions.register('f', async (e) => void got.push(e));
      s.store.putTarget('default', 'fine', {
        id: 't',
        arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:f`,
        retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 },
      });
      // Act
      s.start();
      s.putEvents([{ Source: 'x', DetailType: 'd', Detail: '{}' }]);
      await vi.advanceTimersByTimeAsync(100);
      // Assess
      expect(errors.map((e) => (e as Error).message)).toEqual([
        expect.stringMatching(/^Rule arn:broken not loaded/),
      ]);
      expect(got).toHaveLength(1);
    });
  });
});
