import { describe, expect, it } from 'vitest';
import { SimulatorOptionError } from '../errors.js';
import { SCENARIOS } from './catalog.js';
import { openingShortfall, type PlanOptions, parseDuration, planRun } from './plan.js';
import type { Step } from './types.js';

const base = { doors: 10, rate: 2, durationMs: 60_000, seed: 1, knownBadges: ['0A00000001', '0A00000002'] };

describe('Function: planRun', () => {
  it('plans the same steps for the same seed, for every scenario', () => {
    for (const s of SCENARIOS) {
      // Prepare
      const options = { ...base, scenario: s.name };
      // Act
      const a = stepsOf(options);
      const b = stepsOf(options);
      // Assess
      expect(a, s.name).toEqual(b);
      expect(a.length, s.name).toBeGreaterThan(0);
    }
  });

  it('plans different steps for a different seed', () => {
    // Prepare / Act
    const a = stepsOf({ ...base, scenario: 'office-day' });
    const b = stepsOf({ ...base, scenario: 'office-day', seed: 2 });
    // Assess
    expect(a).not.toEqual(b);
  });

  it('keeps steps in time order, inside the run, on existing doors', () => {
    for (const s of SCENARIOS) {
      // Act
      const steps = stepsOf({ ...base, scenario: s.name });
      // Assess
      for (let i = 1; i < steps.length; i++)
        expect(steps[i]!.atMs).toBeGreaterThanOrEqual(steps[i - 1]!.atMs);
      for (const step of steps) {
        expect(step.atMs).toBeLessThanOrEqual(base.durationMs);
        if (step.door !== undefined) expect(step.door).toBeLessThan(base.doors);
      }
    }
  });

  it('opens doors at about the requested rate in office-day', () => {
    // Act
    const steps = stepsOf({ ...base, scenario: 'office-day', rate: 5, doors: 500, durationMs: 100_000 });
    // Assess
    const opens = steps.filter((s) => s.action.kind === 'open').length;
    expect(opens).toBeGreaterThan(400);
    expect(opens).toBeLessThan(520);
  });

  it('keeps the requested rate while the doors can take it: an arrival at a busy door walks to a free one', () => {
    // Prepare: 10 doors at 1 opening/s; each opening keeps its door busy ~4 s, so 40% busy.
    const seeds = [1, 2, 3, 4, 5];
    // Act
    const planned = seeds.map(
      (seed) => planRun({ ...base, scenario: 'office-day', doors: 10, rate: 1, seed }).openings().planned,
    );
    // Assess: 60 asked per run; dropping the busy doors' arrivals planned ~47.
    const mean = planned.reduce((a, b) => a + b, 0) / seeds.length;
    expect(mean).toBeGreaterThan(56);
    expect(mean).toBeLessThan(66);
  });

  it('says when the doors cannot take the rate asked, and not when they can', () => {
    // Act
    const small = planRun({ ...base, scenario: 'office-day', doors: 2, rate: 5 }).openings();
    const enough = planRun({ ...base, scenario: 'office-day', doors: 50, rate: 5 }).openings();
    // Assess
    expect(small.asked).toBe(300);
    expect(openingShortfall(small, 2)).toMatch(/asks for 300 openings .* 2 doors can take about \d+/);
    expect(openingShortfall(enough, 50)).toBeUndefined();
  });

  it('uses mostly known badges in office-day and mostly unknown ones in unknown-badges', () => {
    // Prepare
    const known = (name: string) => {
      const scans = stepsOf({ ...base, scenario: name, durationMs: 600_000 }).flatMap((s) =>
        s.action.kind === 'scan' ? [s.action.badgeId] : [],
      );
      return scans.filter((id) => base.knownBadges.includes(id)).length / scans.length;
    };
    // Act / Assess
    expect(known('office-day')).toBeGreaterThan(0.8);
    expect(known('unknown-badges')).toBeLessThan(0.35);
  });

  it('gives npm start every kind of entry, every minute: known and unknown badges, held open, flapping', () => {
    // Prepare: as `smartdoor start` plans it (6 doors by default, rate doors / 8).
    const doors = 6;
    const options = { ...base, scenario: 'demo', doors, rate: doors / 8, durationMs: 120_000 };
    const { scenario } = planRun(options);
    const steps = stepsOf(options);
    // Act
    const minutes = [0, 1].map((m) =>
      activity(
        steps.filter((s) => Math.floor(s.atMs / 60_000) === m),
        doors,
      ),
    );
    // Assess
    for (const [minute, m] of minutes.entries()) {
      expect(m.knownScans, `minute ${minute}`).toBeGreaterThan(0);
      expect(m.unknownScans, `minute ${minute}`).toBeGreaterThan(0);
      expect(m.longestOpenMs, `minute ${minute}`).toBeGreaterThan(
        scenario.doorSettings!.heldOpenLimitSeconds! * 1000,
      );
      expect(m.mostChangesIn5s, `minute ${minute}`).toBeGreaterThanOrEqual(10); // the agent's flapping threshold
    }
  });

  it('cuts and heals the network in network-partition', () => {
    // Act
    const steps = stepsOf({ ...base, scenario: 'network-partition' });
    // Assess
    const fleet = steps.filter((s) => s.door === undefined).map((s) => [s.atMs, s.action.kind]);
    expect(fleet).toEqual([
      [18_000, 'partition'],
      [36_000, 'heal'],
    ]);
  });

  it('makes the steps as they are walked: a year-long plan starts at once, for every scenario', () => {
    for (const s of SCENARIOS) {
      // Prepare: 1,000 openings a second for a year, some 95 billion steps.
      const plan = planRun({
        ...base,
        scenario: s.name,
        doors: 5_000,
        rate: 1_000,
        durationMs: 365 * 86_400_000,
      });
      // Act
      const walk = plan.steps()[Symbol.iterator]();
      const first = Array.from({ length: 1_000 }, () => walk.next().value as Step);
      // Assess: the first steps, in order, from the start of the run.
      expect(first.every(Boolean), s.name).toBe(true);
      for (let i = 1; i < first.length; i++)
        expect(first[i]!.atMs).toBeGreaterThanOrEqual(first[i - 1]!.atMs);
      expect(first[0]!.atMs, s.name).toBeLessThan(1_000);
    }
  });

  it('marks exactly the scenarios that cut the network, so only they get the proxy', () => {
    for (const s of SCENARIOS) {
      // Act
      const steps = stepsOf({ ...base, scenario: s.name });
      // Assess
      const cuts = steps.some((step) => step.action.kind === 'partition');
      expect(s.cutsNetwork === true, s.name).toBe(cuts);
    }
  });

  it('refuses an unknown scenario with the list of known ones', () => {
    // Act / Assess
    expect(() => planRun({ ...base, scenario: 'nope' })).toThrow(SimulatorOptionError);
    expect(() => planRun({ ...base, scenario: 'nope' })).toThrow(/office-day, held-open/);
  });

  it('refuses zero doors and a negative rate, naming the option', () => {
    // Act / Assess
    expect(() => planRun({ ...base, scenario: 'office-day', doors: 0 })).toThrow(/--doors/);
    expect(() => planRun({ ...base, scenario: 'office-day', rate: -1 })).toThrow(/--rate/);
  });
});

describe('Function: parseDuration', () => {
  it('reads seconds, minutes, hours and milliseconds', () => {
    // Act / Assess
    expect(parseDuration('30')).toBe(30_000);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('250ms')).toBe(250);
  });

  it('refuses text that is not a duration', () => {
    // Act / Assess
    expect(() => parseDuration('soon')).toThrow(/--duration: expected e.g. 30s/);
    expect(() => parseDuration('-5s', '--drain')).toThrow(/--drain: expected e.g. 30s/);
  });
});

/** The plan's steps, walked into an array. */
function stepsOf(options: PlanOptions): Step[] {
  return [...planRun(options).steps()];
}

/** What the doors do in these steps: badges scanned, the longest opening, the busiest 5 s of a door. */
function activity(steps: Step[], doors: number) {
  const scans = steps.flatMap((s) => (s.action.kind === 'scan' ? [s.action.badgeId] : []));
  let longestOpenMs = 0;
  let mostChangesIn5s = 0;
  for (let door = 0; door < doors; door++) {
    const changes = steps.filter(
      (s) => s.door === door && (s.action.kind === 'open' || s.action.kind === 'close'),
    );
    changes.forEach((change, i) => {
      const next = changes[i + 1];
      if (change.action.kind === 'open' && next?.action.kind === 'close')
        longestOpenMs = Math.max(longestOpenMs, next.atMs - change.atMs);
      const within = changes.filter((c) => c.atMs >= change.atMs && c.atMs - change.atMs < 5_000).length;
      mostChangesIn5s = Math.max(mostChangesIn5s, within);
    });
  }
  return {
    knownScans: scans.filter((id) => base.knownBadges.includes(id)).length,
    unknownScans: scans.filter((id) => !base.knownBadges.includes(id)).length,
    longestOpenMs,
    mostChangesIn5s,
  };
}
