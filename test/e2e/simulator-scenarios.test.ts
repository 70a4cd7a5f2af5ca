// Scenarios end to end: virtual doors running the real DoorAgent over mTLS (through the
// simulator's TCP proxy in network-partition), to the in-process LocalCloud (broker, rules, ingest, bus,
// subscribers). Each test uses its own door names.
//
// A scenario plays in real time and mostly waits (the file took 110 s played one after
// another, for about 10 s of CPU), so the scenarios play at once, each on a cloud of its
// own, taken from a pool of CLOUDS: a run counts every identification and notification on
// its cloud's bus (not only its own doors'), and the broker restart stops its cloud's
// broker under every door on it.

import { type InProcessCloud, startInProcessCloud } from '@smartdoor/simulator/in-process-cloud';
import { type BusRunSummary, busSummary } from '@smartdoor/simulator/ledger';
import { Simulation } from '@smartdoor/simulator/simulation';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Clouds, so scenarios at once: each about 1.3 s of CPU to start and 80 MB. */
const CLOUDS = 3;
const idle: InProcessCloud[] = [];
const waiting: Array<(cloud: InProcessCloud) => void> = [];

beforeAll(async () => {
  // A short badge window: an opening without a badge gets its result when the window passes.
  const started = await Promise.allSettled(
    Array.from({ length: CLOUDS }, () =>
      startInProcessCloud({ logger: pino({ level: 'silent' }), config: { badgeWindowSeconds: 6 } }),
    ),
  );
  for (const s of started) if (s.status === 'fulfilled') idle.push(s.value);
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
}, 60_000);

afterAll(async () => {
  await Promise.all(idle.splice(0).map((c) => c.stop()));
});

/** Run `use` on a cloud no other test is using (waiting for one to be free). */
async function withCloud<T>(use: (cloud: InProcessCloud) => Promise<T>): Promise<T> {
  const cloud = idle.pop() ?? (await new Promise<InProcessCloud>((r) => waiting.push(r)));
  try {
    return await use(cloud);
  } finally {
    const next = waiting.shift();
    if (next) next(cloud);
    else idle.push(cloud);
  }
}

function play(
  scenario: string,
  prefix: string,
  extra: { durationMs?: number; rate?: number; doors?: number } = {},
): Promise<BusRunSummary> {
  return withCloud(async (cloud) => {
    const sim = new Simulation({
      cloud,
      scenario,
      doors: extra.doors ?? 4,
      rate: extra.rate ?? 2,
      durationMs: extra.durationMs ?? 6_000,
      drainMs: 15_000,
      seed: 7,
      prefix,
    });
    try {
      await sim.start();
      return busSummary(await sim.run());
    } finally {
      await sim.stop();
    }
  });
}

function expectNothingLost(s: BusRunSummary): void {
  expect(s.created).toBeGreaterThan(0);
  expect(s.acknowledged).toBe(s.created);
  expect(s.lost).toBe(0);
  expect(s.lostAfterAck).toBe(0);
  expect(s.duplicateEffects).toBe(0);
}

// A test may wait for a cloud as long as two others play (about 12 s each), then plays.
describe.concurrent('Class: Simulation (scenarios on the local cloud)', { timeout: 60_000 }, () => {
  it('delivers every event of an office day and gets subscriber results', async () => {
    // Act
    const s = await play('office-day', 'office-');
    // Assess
    expectNothingLost(s);
    expect(s.deliveredToSubscribers).toBeGreaterThan(0);
    expect(s.subscriberResults).toBeGreaterThan(0);
    expect(s.openingsUnsettled).toBe(0);
    expect(s.latencyMs.samples).toBeGreaterThan(0);
    expect(s.ingestLatencyMs.p50).toBeLessThan(200);
  });

  it('raises Door Held Open for a door propped open past its limit, and notifies', async () => {
    // Act: the scenario sets a 5 s limit and props doors open at a quarter of the run.
    const s = await play('held-open', 'held-', { durationMs: 10_000 });
    // Assess
    expectNothingLost(s);
    expect(s.busEventsByType['Door Held Open']).toBeGreaterThanOrEqual(1);
    expect(s.busEventsByType['Notification Sent']).toBeGreaterThanOrEqual(
      s.busEventsByType['Door Held Open']!,
    );
  });

  it('answers unknown badges with Entry Unidentified, and notifies', async () => {
    // Act: enough openings (about 15 badges) that most badges are strangers whatever the seed.
    const s = await play('unknown-badges', 'unknown-', { doors: 12, rate: 6, durationMs: 8_000 });
    // Assess
    expectNothingLost(s);
    const unidentified = s.busEventsByType['Entry Unidentified'] ?? 0;
    expect(unidentified).toBeGreaterThan(s.busEventsByType['Entry Identified'] ?? 0);
    expect(s.busEventsByType['Notification Sent']).toBeGreaterThanOrEqual(1);
    expect(s.openingsUnsettled).toBe(0);
  });

  it('identifies entries at doors whose clocks are minutes off', async () => {
    // Act: half the doors run up to 10 minutes ahead or behind.
    const s = await play('clock-skew', 'skewed-');
    // Assess: a door's badge read and opening share its skew, so they still correlate.
    expectNothingLost(s);
    expect(s.busEventsByType['Entry Identified']).toBeGreaterThan(0);
    expect(s.openingsUnsettled).toBe(0);
  });

  it('waits out the badge window: every opening of a flapping sensor (no badge) gets its result', async () => {
    // Act
    const s = await play('flapping-sensor', 'flap-', { durationMs: 4_000 });
    // Assess: the results come 6 s after their openings, past the run's end.
    expectNothingLost(s);
    expect(s.openings).toBeGreaterThan(4);
    expect(s.openingsUnsettled).toBe(0);
  });

  it('loses nothing through a network partition: doors reconnect and send their backlog', async () => {
    // Act
    const s = await play('network-partition', 'partition-');
    // Assess
    expectNothingLost(s);
    expect(s.connects).toBeGreaterThan(4);
  });

  it('loses nothing through a broker restart', async () => {
    // Act
    const s = await play('broker-restart', 'restart-');
    // Assess
    expectNothingLost(s);
    expect(s.connects).toBeGreaterThan(4);
  });

  it('suppresses a duplicate storm: copies reach the bus, subscribers act once', async () => {
    // Act
    const s = await play('duplicate-storm', 'storm-', { rate: 3 });
    // Assess
    expectNothingLost(s);
    expect(s.duplicatesSent).toBeGreaterThan(0);
    expect(s.duplicatesSuppressed).toBeGreaterThan(0);
  });

  it('sends malformed payloads to the error queue, never to the bus', async () => {
    // Act
    const s = await play('malformed-payloads', 'malformed-');
    // Assess
    expectNothingLost(s);
    expect(s.malformedSent).toBeGreaterThanOrEqual(5);
    expect(s.rejected).toBe(s.malformedSent);
  });

  it('plays the same steps for the same seed', async () => {
    // Act
    const [a, b] = await Promise.all([
      play('clock-skew', 'skew-a-', { durationMs: 3_000 }),
      play('clock-skew', 'skew-b-', { durationMs: 3_000 }),
    ]);
    // Assess
    expectNothingLost(a);
    expect(b.created).toBe(a.created);
  });

  it('stops early on stop(), loses nothing, and says how long it played', () =>
    withCloud(async (cloud) => {
      // Prepare
      const sim = new Simulation({
        cloud,
        scenario: 'office-day',
        doors: 2,
        rate: 1,
        durationMs: 60_000,
        drainMs: 15_000,
        seed: 7,
        prefix: 'early-',
      });
      await sim.start();
      // Act
      const running = sim.run();
      await new Promise((r) => setTimeout(r, 1_500));
      await sim.stop();
      const s = busSummary(await running);
      // Assess
      expect(s.durationMs).toBeGreaterThanOrEqual(1_400);
      expect(s.durationMs).toBeLessThan(10_000);
      expect(s.lostAfterAck).toBe(0);
    }));

  it('plays round after round until stop() (npm start), with fresh books each round', () =>
    withCloud(async (cloud) => {
      // Prepare: rounds of 1.5 s.
      const sim = new Simulation({
        cloud,
        scenario: 'office-day',
        doors: 2,
        rate: 4,
        durationMs: 1_500,
        seed: 7,
        prefix: 'rounds-',
      });
      await sim.start();
      const firstRound = sim.ledger;
      // Act
      let ended = false;
      const running = sim.runContinuously().then(() => {
        ended = true;
      });
      await new Promise((r) => setTimeout(r, 4_000));
      const later = sim.ledger;
      await sim.stop();
      await running;
      // Assess: past the first round's end it still plays, on books of its own.
      expect(ended).toBe(true);
      expect(firstRound.createdCount).toBeGreaterThan(0);
      expect(later).not.toBe(firstRound);
      expect(later.createdCount).toBeGreaterThan(0);
    }));
});
