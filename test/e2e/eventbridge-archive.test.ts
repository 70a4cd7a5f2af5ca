import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventBusService } from '../../cloud/src/local/events/service.js';
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

function service(): EventBusService {
  const s = new EventBusService({ db, queues, region: REGION, accountId: ACCOUNT });
  running.push(s);
  return s;
}

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
