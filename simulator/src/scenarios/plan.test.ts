import { describe, expect, it } from 'vitest';
import { SimulatorOptionError } from '../errors.js';
import { SCENARIOS } from './catalog.js';
import { parseDuration, planRun } from './plan.js';

const base = { doors: 10, rate: 2, durationMs: 60_000, seed: 1, knownBadges: ['0A00000001', '0A00000002'] };

describe('Function: planRun', () => {
  it('plans the same steps for the same seed, for every scenario', () => {
    for (const s of SCENARIOS) {
      // Prepare
      const options = { ...base, scenario: s.name };
      // Act
      const a = planRun(options);
      const b = planRun(options);
      // Assess
      expect(a.steps, s.name).toEqual(b.steps);
      expect(a.steps.length, s.name).toBeGreaterThan(0);
    }
  });

  it('plans different steps for a different seed', () => {
    // Prepare / Act
    const a = planRun({ ...base, scenario: 'office-day' });
    const b = planRun({ ...base, scenario: 'office-day', seed: 2 });
    // Assess
    expect(a.steps).not.toEqual(b.steps);
  });

  it('keeps steps in time order, inside the run, on existing doors', () => {
    for (const s of SCENARIOS) {
      // Act
      const { steps } = planRun({ ...base, scenario: s.name });
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
    const { steps } = planRun({ ...base, scenario: 'office-day', rate: 5, doors: 500, durationMs: 100_000 });
    // Assess
    const opens = steps.filter((s) => s.action.kind === 'open').length;
    expect(opens).toBeGreaterThan(400);
    expect(opens).toBeLessThan(520);
  });

  it('uses mostly known badges in office-day and mostly unknown ones in unknown-badges', () => {
    // Prepare
    const known = (name: string) => {
      const scans = planRun({ ...base, scenario: name, durationMs: 600_000 }).steps.flatMap((s) =>
        s.action.kind === 'scan' ? [s.action.badgeId] : [],
      );
      return scans.filter((id) => base.knownBadges.includes(id)).length / scans.length;
    };
    // Act / Assess
    expect(known('office-day')).toBeGreaterThan(0.8);
    expect(known('unknown-badges')).toBeLessThan(0.35);
  });

  it('cuts and heals the network in network-partition', () => {
    // Act
    const { steps } = planRun({ ...base, scenario: 'network-partition' });
    // Assess
    const fleet = steps.filter((s) => s.door === undefined).map((s) => [s.atMs, s.action.kind]);
    expect(fleet).toEqual([
      [18_000, 'partition'],
      [36_000, 'heal'],
    ]);
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
  });
});
