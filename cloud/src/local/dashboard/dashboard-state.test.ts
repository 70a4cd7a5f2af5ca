import { describe, expect, it } from 'vitest';
import { DashboardState } from './dashboard-state.js';
import { FiguresTracker, pct } from './figures.js';
import { dashboardBusEvent } from './testing/bus-event.js';

/** A bus event for the dashboard, from `source` (the door's by default). */
const ev = (detailType: string, body: Record<string, unknown>, source?: string) =>
  dashboardBusEvent(detailType, body, source ? { source } : {});

/** A state where every thing is a door (the directory's answer). */
const doorsOnly = (options: { maxStream?: number } = {}) =>
  new DashboardState({ ...options, isDoor: () => true });

describe('Class: DashboardState', () => {
  describe('Method: apply', () => {
    it('opens and closes the tile, and clears held-open when the door closes', () => {
      // Prepare
      const s = doorsOnly();
      // Act
      s.apply(ev('Door State Changed', { state: 'open' }), 1);
      s.apply(ev('Door Held Open', { limitSeconds: 30 }), 2);
      const held = { ...s.doors.get('door-001')! };
      s.apply(ev('Door State Changed', { state: 'closed' }), 3);
      // Assess
      expect(held).toMatchObject({ state: 'open', heldOpen: true, lastEvent: 'held open over 30 s' });
      expect(s.doors.get('door-001')).toMatchObject({ state: 'closed', heldOpen: false, connected: true });
    });

    it('raises an alert for an unidentified entry and an active fault, not for a cleared one', () => {
      // Prepare
      const s = doorsOnly();
      // Act
      s.apply(ev('Entry Unidentified', { reason: 'unknown-badge' }, 'smartdoor.identification'), 1);
      s.apply(ev('Device Fault', { fault: 'sensor.flapping', active: true }), 2);
      s.apply(ev('Device Fault', { fault: 'sensor.flapping', active: false }), 3);
      // Assess
      expect(s.alerts.map((a) => a.summary)).toEqual([
        'unidentified entry (unknown-badge)',
        'sensor.flapping active',
      ]);
      expect(s.doors.get('door-001')!.fault).toBeUndefined();
    });

    it('keeps the outbox depth of the last heartbeat and sums it over doors', () => {
      // Prepare
      const s = doorsOnly();
      // Act
      s.apply(ev('Device Heartbeat', { outboxDepth: 7, doorState: 'closed' }), 1);
      // Assess
      expect(s.outboxBacklog()).toBe(7);
      expect(s.doors.get('door-001')!.lastEvent).toBeUndefined();
    });

    it('keeps only the newest stream items', () => {
      // Prepare
      const s = doorsOnly({ maxStream: 3 });
      // Act
      for (let i = 0; i < 5; i++) s.apply(ev('Door State Changed', { state: i % 2 ? 'open' : 'closed' }), i);
      // Assess
      expect(s.stream.map((i) => i.at)).toEqual([2, 3, 4]);
    });

    it('gives a tile to doors only: any other thing is in the stream, not the grid', () => {
      // Prepare: the directory knows door-001; an ops client and a made-up thing are no door
      const s = new DashboardState({ isDoor: (name) => name === 'door-001' });
      // Act
      s.apply(
        dashboardBusEvent('Device Connected', {}, { source: 'smartdoor.presence', thingName: 'ops-monitor' }),
        1,
      );
      s.apply(dashboardBusEvent('Door State Changed', { state: 'open' }, { thingName: 'ghost-7' }), 2);
      const presence = s.setConnected('ops-monitor', true);
      s.apply(dashboardBusEvent('Door State Changed', { state: 'open' }, { thingName: 'door-001' }), 3);
      // Assess
      expect(presence).toBeUndefined();
      expect([...s.doors.keys()]).toEqual(['door-001']);
      expect(s.stream.map((i) => i.thingName)).toEqual(['ops-monitor', 'ghost-7', 'door-001']);
    });
  });

  describe('Method: addDoor', () => {
    it('makes a tile for a door the directory does not know, once', () => {
      // Prepare
      const s = new DashboardState();
      // Act
      const first = s.addDoor('door-009', false);
      const again = s.addDoor('door-009');
      s.apply(dashboardBusEvent('Door State Changed', { state: 'closed' }, { thingName: 'door-009' }), 1);
      // Assess
      expect([first.added, again.added]).toEqual([true, false]);
      expect(s.doors.get('door-009')).toMatchObject({ state: 'closed', connected: false });
    });
  });
});

describe('Class: FiguresTracker', () => {
  describe('Method: sample', () => {
    it('turns a second of events into throughput, latency percentiles and error rate', () => {
      // Prepare
      const f = new FiguresTracker();
      f.deviceEvent('a', 1_000, 1_010);
      f.deviceEvent('b', 1_000, 1_030);
      f.resultEvent(['a'], 1_100);
      f.error();
      // Act
      const p = f.sample(2_000, { outbox: 1, queues: 2, deadLetters: 3 });
      // Assess
      expect(p).toMatchObject({
        throughput: 3,
        ingestP50: 10,
        ingestP99: 30,
        resultP99: 100,
        errorRate: 0.25,
        outboxBacklog: 1,
        queueBacklog: 2,
        deadLetters: 3,
      });
      expect(f.sample(3_000, { outbox: 0, queues: 0, deadLetters: 0 })).toMatchObject({
        throughput: 0,
        ingestP99: null,
      });
    });

    it('times a result from the newest device event behind it (what it answers), once per result', () => {
      // Prepare: a badge read 2 s before the opening; the entry result comes 50 ms after the opening
      const f = new FiguresTracker();
      f.deviceEvent('badge', 1_000, 1_005);
      f.deviceEvent('opening', 3_000, 3_004);
      // Act
      const found = f.resultEvent(['opening', 'badge'], 3_050);
      const p = f.sample(4_000, { outbox: 0, queues: 0, deadLetters: 0 });
      // Assess
      expect(found).toBe(50);
      expect(p.resultP99).toBe(50);
    });

    it('rates errors over everything that came in: 2 events and 2 failures are half', () => {
      // Prepare
      const f = new FiguresTracker();
      f.deviceEvent('a', 1_000, 1_010);
      f.deviceEvent('b', 1_000, 1_020);
      f.error(2);
      // Act
      const p = f.sample(2_000, { outbox: 0, queues: 0, deadLetters: 0 });
      // Assess
      expect(p.errorRate).toBe(0.5);
    });

    it('leaves skewed device clocks out of the latency', () => {
      // Prepare
      const f = new FiguresTracker();
      f.deviceEvent('a', 5_000, 1_000);
      // Act
      const p = f.sample(2_000, { outbox: 0, queues: 0, deadLetters: 0 });
      // Assess
      expect(p.ingestP99).toBeNull();
      expect(p.throughput).toBe(1);
    });
  });

  it('computes nearest-rank percentiles', () => {
    // Act / Assess
    expect(pct([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(pct([], 99)).toBeNull();
  });
});
