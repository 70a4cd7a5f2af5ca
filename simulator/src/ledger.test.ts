import type { BusEvent } from '@smartdoor/shared';
import { describe, expect, it } from 'vitest';
import { busSummary, RunLedger } from './ledger.js';

const K1 = '0193a1b2-0000-7000-8000-000000000001';
const K2 = '0193a1b2-0000-7000-8000-000000000002';
const R1 = '0193a1b2-0000-5000-8000-0000000000a1';

function ev(source: string, key: string, causedBy?: string[], detailType = 'Door State Changed'): BusEvent {
  return {
    version: '0',
    id: 'x',
    'detail-type': detailType,
    source,
    account: '000000000000',
    time: '2026-11-22T12:00:00.000Z',
    region: 'us-east-1',
    resources: [],
    detail: {
      metadata: { 'idempotency-key': key, thingName: 'door-001', ...(causedBy ? { causedBy } : {}) },
    },
  };
}

describe('Class: RunLedger', () => {
  describe('Method: ackedNotIngested', () => {
    it('counts the events the broker acknowledged that are not on the bus yet', () => {
      // Prepare: K1 acknowledged and on the bus, K2 acknowledged only, K3 neither.
      const l = new RunLedger();
      for (const k of [K1, K2, '0193a1b2-0000-7000-8000-000000000003']) l.created(k, 1_000);
      l.acked(K1);
      l.acked(K2);
      l.busEvent(ev('smartdoor.device', K1), 1_010);
      // Act / Assess
      expect(l.ackedNotIngested()).toBe(1);
    });
  });

  describe('Method: summary', () => {
    it('counts created, acknowledged, ingested and lost events', () => {
      // Prepare
      const l = new RunLedger();
      l.created(K1, 1_000);
      l.created(K2, 1_100);
      l.acked(K1);
      l.acked(K2);
      // Act
      l.busEvent(ev('smartdoor.device', K1), 1_010);
      const s = l.summary({ scenario: 'x', seed: 1, doors: 1, durationMs: 1 });
      // Assess
      expect(s).toMatchObject({ created: 2, acknowledged: 2, ingested: 1, lost: 1, lostAfterAck: 1 });
      expect(s.ingestLatencyMs).toEqual({ p50: 10, p95: 10, p99: 10, samples: 1 });
    });

    it('counts a repeated device event as suppressed and a repeated result as a duplicate effect', () => {
      // Prepare
      const l = new RunLedger();
      l.created(K1, 1_000);
      // Act
      l.busEvent(ev('smartdoor.device', K1), 1_005);
      l.busEvent(ev('smartdoor.device', K1), 1_006);
      l.busEvent(ev('smartdoor.identification', R1, [K1]), 1_050);
      l.busEvent(ev('smartdoor.identification', R1, [K1]), 1_060);
      const s = l.summary({ scenario: 'x', seed: 1, doors: 1, durationMs: 1 });
      // Assess
      expect(s.duplicatesSuppressed).toBe(1);
      expect(s.duplicateEffects).toBe(1);
      expect(s.subscriberResults).toBe(1);
      expect(s.latencyMs.p50).toBe(50);
    });

    it('counts the distinct events on the bus by detail-type, copies once', () => {
      // Prepare
      const l = new RunLedger();
      l.created(K1, 1_000);
      l.created(K2, 1_000);
      // Act
      l.busEvent(ev('smartdoor.device', K1, undefined, 'Door Held Open'), 1_005);
      l.busEvent(ev('smartdoor.device', K1, undefined, 'Door Held Open'), 1_006);
      l.busEvent(ev('smartdoor.device', K2, undefined, 'Badge Read'), 1_007);
      l.busEvent(ev('smartdoor.notification', R1, [K1], 'Notification Sent'), 1_050);
      l.busEvent(ev('smartdoor.notification', R1, [K1], 'Notification Sent'), 1_060);
      l.busEvent(ev('smartdoor.device', 'not-ours', undefined, 'Badge Read'), 1_070);
      const s = l.summary({ scenario: 'x', seed: 1, doors: 1, durationMs: 1 });
      // Assess
      expect(s.busEventsByType).toEqual({ 'Badge Read': 1, 'Door Held Open': 1, 'Notification Sent': 1 });
    });

    it('counts door openings on the bus and those still without an identification result', () => {
      // Prepare
      const l = new RunLedger();
      const open = (key: string) => {
        const e = ev('smartdoor.device', key);
        (e.detail as Record<string, unknown>).state = 'open';
        return e;
      };
      const closed = ev('smartdoor.device', R1);
      (closed.detail as Record<string, unknown>).state = 'closed';
      for (const k of [K1, K2, R1]) l.created(k, 1_000);
      // Act
      l.busEvent(open(K1), 1_005);
      l.busEvent(open(K2), 1_006);
      l.busEvent(closed, 1_007);
      l.busEvent(ev('smartdoor.identification', '0193a1b2-0000-5000-8000-0000000000b1', [K1]), 1_050);
      // A notification naming K2 does not settle it: only identification does.
      l.busEvent(ev('smartdoor.notification', '0193a1b2-0000-5000-8000-0000000000b2', [K2]), 1_060);
      const s = l.summary({ scenario: 'x', seed: 1, doors: 1, durationMs: 1 });
      // Assess
      expect(s).toMatchObject({ openings: 2, openingsUnsettled: 1 });
    });

    it('ignores bus events it did not create (another door, another run)', () => {
      // Prepare
      const l = new RunLedger();
      // Act
      l.busEvent(ev('smartdoor.device', K1), 1);
      l.delivered(K1);
      // Assess
      expect(l.summary({ scenario: 'x', seed: 1, doors: 1, durationMs: 1 })).toMatchObject({
        created: 0,
        ingested: 0,
        deliveredToSubscribers: 0,
      });
    });
  });
});

describe('Class: RunLedger (a broker this process does not run)', () => {
  it('counts what the broker acknowledged and leaves what lies past it unknown, not lost', () => {
    // Prepare
    const l = new RunLedger({ observesBus: false });
    l.created(K1, 1_000);
    l.created(K2, 1_100);
    // Act
    l.acked(K1, 1_004);
    const outstanding = l.outstanding();
    const s = l.summary({ scenario: 'x', seed: 1, doors: 1, durationMs: 1 });
    // Assess
    expect(outstanding).toBe(1);
    expect(s).toMatchObject({
      observed: 'broker',
      created: 2,
      acknowledged: 1,
      lost: 1,
      ingested: null,
      lostAfterAck: null,
      openings: null,
      duplicateEffects: null,
      busEventsByType: null,
    });
    expect(s.ackLatencyMs).toEqual({ p50: 4, p95: 4, p99: 4, samples: 1 });
    expect(() => busSummary(s)).toThrow(/saw only the broker/);
  });

  it('says a run on the local cloud observed the bus', () => {
    // Prepare
    const l = new RunLedger();
    l.created(K1, 1_000);
    // Act
    const s = busSummary(l.summary({ scenario: 'x', seed: 1, doors: 1, durationMs: 1 }));
    // Assess
    expect(s.observed).toBe('bus');
    expect(s.lost).toBe(1);
  });
});

describe('Class: RunLedger (spans)', () => {
  it('measures the span from the first measured edge to the last arrival on the bus and the last PUBACK', () => {
    // Prepare
    const l = new RunLedger();
    l.measureFrom = 1_000;
    l.created(K1, 900);
    l.created(K2, 1_100);
    // Act
    l.acked(K2, 1_150);
    l.busEvent(ev('smartdoor.device', K2), 1_300);
    const s = l.summary({ scenario: 'x', seed: 1, doors: 1, durationMs: 1 });
    // Assess
    expect(s.spanMs).toBe(200);
    expect(s.ackSpanMs).toBe(50);
    expect(s.ackLatencyMs.samples).toBe(1);
  });

  it('counts an event from before the measured span once, not as a duplicate', () => {
    // Prepare: the door's state at connect, before measureFrom, then a real repeat of K2.
    const l = new RunLedger();
    l.measureFrom = 1_000;
    l.created(K1, 900);
    l.created(K2, 1_100);
    // Act
    l.busEvent(ev('smartdoor.device', K1), 950);
    l.busEvent(ev('smartdoor.device', K2), 1_200);
    l.busEvent(ev('smartdoor.device', K2), 1_250);
    const s = l.summary({ scenario: 'x', seed: 1, doors: 1, durationMs: 1 });
    // Assess
    expect(s.ingested).toBe(2);
    expect(s.duplicatesSuppressed).toBe(1);
    expect(s.ingestLatencyMs.samples).toBe(1);
  });
});

describe('Class: RunLedger (result chains)', () => {
  it('times a notification that answers an identification result back to the door edge', () => {
    // Prepare
    const l = new RunLedger();
    const N1 = '0193a1b2-0000-5000-8000-0000000000b1';
    l.created(K1, 1_000);
    // Act
    l.busEvent(ev('smartdoor.identification', R1, [K1]), 1_040);
    l.busEvent(ev('smartdoor.notification', N1, [R1]), 1_100);
    const s = l.summary({ scenario: 'x', seed: 1, doors: 1, durationMs: 1 });
    // Assess
    expect(s.identificationLatencyMs.p50).toBe(40);
    expect(s.notificationLatencyMs.p50).toBe(100);
    expect(s.latencyMs.samples).toBe(2);
  });
});

describe('Class: RunLedger (long runs)', () => {
  const key = (i: number, kind = 7) => `0193a1b3-0000-${kind}000-8000-${String(i).padStart(12, '0')}`;

  it('folds settled events into counts once they are older than the books keep, with the same summary', () => {
    // Prepare: an hour at 10 events/s, books kept 60 s; each event on the bus 5 ms after its
    // edge, every other one delivered, every tenth answered by a result 40 ms after it.
    const kept = new RunLedger({ keptMs: 60_000 });
    const all = new RunLedger({ keptMs: Number.POSITIVE_INFINITY });
    let mostHeld = 0;
    // Act
    for (let i = 0; i < 36_000; i++) {
      const edge = i * 100;
      for (const l of [kept, all]) {
        l.created(key(i), edge);
        l.acked(key(i), edge + 2);
        l.busEvent(ev('smartdoor.device', key(i)), edge + 5);
        if (i % 2 === 0) l.delivered(key(i));
        if (i % 10 === 0) l.busEvent(ev('smartdoor.identification', key(i, 5), [key(i)]), edge + 40);
      }
      mostHeld = Math.max(mostHeld, kept.held);
    }
    const run = { scenario: 'x', seed: 1, doors: 1, durationMs: 3_600_000 };
    // Assess: about 70 s of events held at most, and the figures as if every event were kept.
    expect(mostHeld).toBeLessThan(800);
    expect(all.held).toBe(39_600);
    expect(kept.summary(run)).toEqual(all.summary(run));
    expect(kept.summary(run)).toMatchObject({
      created: 36_000,
      ingested: 36_000,
      deliveredToSubscribers: 18_000,
      subscriberResults: 3_600,
      lost: 0,
    });
  });

  it('keeps an event that never reached the bus, however old: it stays lost', () => {
    // Prepare
    const l = new RunLedger({ keptMs: 1_000 });
    l.created(K1, 0);
    l.acked(K1, 1);
    // Act: a minute of other events, each on the bus.
    for (let i = 1; i <= 600; i++) {
      l.created(key(i), i * 100);
      l.busEvent(ev('smartdoor.device', key(i)), i * 100 + 1);
    }
    // Assess
    expect(l.ackedNotIngested()).toBe(1);
    expect(l.summary({ scenario: 'x', seed: 1, doors: 1, durationMs: 1 })).toMatchObject({
      created: 601,
      ingested: 600,
      lost: 1,
      lostAfterAck: 1,
    });
  });

  it('gives nearest-rank percentiles from its histograms, to 0.1 ms', () => {
    // Prepare: PUBACKs 1 ms to 100 ms after their edges.
    const l = new RunLedger();
    // Act
    for (let i = 1; i <= 100; i++) {
      l.created(key(i), 0);
      l.acked(key(i), i);
    }
    // Assess
    const s = l.summary({ scenario: 'x', seed: 1, doors: 1, durationMs: 1 });
    expect(s.ackLatencyMs).toEqual({ p50: 50, p95: 95, p99: 99, samples: 100 });
  });
});
