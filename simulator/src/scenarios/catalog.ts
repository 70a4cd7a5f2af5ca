import { SimulatorOptionError } from '../errors.js';
import { OFFICE_MIX, openings, unknownBadge } from './traffic.js';
import { MALFORMED_VARIANTS, type Scenario, type ScenarioContext, type Step } from './types.js';

/** Known badges walk in and out; a few strangers and a few exits without a badge. */
export const officeDay: Scenario = {
  name: 'office-day',
  description: 'Openings with known badges, a few unknown badges and exits without a badge',
  plan: (ctx) => [openings(ctx, OFFICE_MIX)],
};

/** Doors propped open past the held-open limit (set short so the alarm fires in a demo). */
export const heldOpen: Scenario = {
  name: 'held-open',
  description: 'Some doors stay open past the held-open limit (5 s here) and raise Door Held Open',
  doorSettings: { heldOpenLimitSeconds: 5 },
  plan: (ctx) => {
    const steps: Step[] = [];
    const held = Math.max(1, Math.ceil(ctx.doors / 4));
    for (let i = 0; i < held; i++) {
      const door = (i * 4) % ctx.doors;
      const at = ctx.durationMs * 0.25 + ctx.random.int(0, 1000);
      steps.push({ atMs: at, door, action: { kind: 'open' } });
      steps.push({ atMs: Math.max(at + 7_000, ctx.durationMs * 0.9), door, action: { kind: 'close' } });
    }
    return [openings(ctx, OFFICE_MIX, { fromMs: 0, toMs: ctx.durationMs * 0.2 }), steps];
  },
};

export const unknownBadges: Scenario = {
  name: 'unknown-badges',
  description: 'Most openings follow a badge the directory does not know: Entry Unidentified, buzzer',
  plan: (ctx) => [openings(ctx, { known: 0.2, unknown: 0.7 })],
};

/** A reed switch gone bad: transitions faster than a door can move, then calm again. */
export const flappingSensor: Scenario = {
  name: 'flapping-sensor',
  description:
    'One door in five chatters (open/close every 150 ms for 3 s): sensor.flapping fault, then clear',
  plan: (ctx) => {
    const steps: Step[] = [];
    for (let door = 0; door < ctx.doors; door += 5) {
      const start = ctx.durationMs * 0.2 + ctx.random.int(0, 500);
      for (let i = 0; i < 20; i++) {
        steps.push({ atMs: start + i * 150, door, action: { kind: i % 2 === 0 ? 'open' : 'close' } });
      }
    }
    return [openings(ctx, OFFICE_MIX), steps];
  },
};

export const networkPartition: Scenario = {
  name: 'network-partition',
  description: 'Office traffic; the network between doors and broker is cut for 30% of the run, then heals',
  cutsNetwork: true,
  plan: (ctx) => [
    openings(ctx, OFFICE_MIX),
    [
      { atMs: ctx.durationMs * 0.3, action: { kind: 'partition' } },
      { atMs: ctx.durationMs * 0.6, action: { kind: 'heal' } },
    ],
  ],
};

export const brokerRestart: Scenario = {
  name: 'broker-restart',
  description: 'Office traffic; the broker stops at 40% of the run and comes back 3 s later',
  needsLocalBroker: true,
  plan: (ctx) => [
    openings(ctx, OFFICE_MIX),
    [{ atMs: ctx.durationMs * 0.4, action: { kind: 'broker-restart', downMs: 3_000 } }],
  ],
};

export const duplicateStorm: Scenario = {
  name: 'duplicate-storm',
  description: 'From 20% to 70% of the run every publish goes out 4 more times: subscribers act once',
  plan: (ctx) => {
    const steps: Step[] = [];
    for (let door = 0; door < ctx.doors; door++) {
      steps.push({ atMs: ctx.durationMs * 0.2, door, action: { kind: 'duplicate', copies: 4 } });
      steps.push({ atMs: ctx.durationMs * 0.7, door, action: { kind: 'duplicate', copies: 0 } });
    }
    return [openings(ctx, OFFICE_MIX), steps];
  },
};

export const clockSkew: Scenario = {
  name: 'clock-skew',
  description: 'Half the doors run with clocks up to 10 minutes ahead or behind',
  plan: (ctx) => {
    const steps: Step[] = [];
    for (let door = 0; door < ctx.doors; door += 2) {
      const offsetMs = ctx.random.int(-600_000, 600_000);
      steps.push({ atMs: 0, door, action: { kind: 'skew', offsetMs } });
    }
    return [openings(ctx, OFFICE_MIX), steps];
  },
};

export const malformedPayloads: Scenario = {
  name: 'malformed-payloads',
  description: 'Office traffic mixed with payloads that break the contract: they go to the error queue',
  plan: (ctx) => [openings(ctx, OFFICE_MIX), malformedTraffic(ctx)],
};

/** One malformed payload every 2 s (each variant at least once), at a random moment of each slot. */
function* malformedTraffic(ctx: ScenarioContext): Generator<Step> {
  const count = Math.max(MALFORMED_VARIANTS.length, Math.round(ctx.durationMs / 2_000));
  const slot = ctx.durationMs / count;
  for (let i = 0; i < count; i++) {
    yield {
      atMs: Math.floor((i + ctx.random.next()) * slot),
      door: ctx.random.int(0, ctx.doors - 1),
      action: { kind: 'malformed', variant: MALFORMED_VARIANTS[i % MALFORMED_VARIANTS.length]! },
    };
  }
}

/**
 * The `npm start` demo: a bit of everything, at a pace a person can follow. Doors 1-3 play
 * the script (an unknown badge, a door held open, a flapping sensor) and nobody else uses
 * them: a passer-by closing the propped door would cancel its alarm. People use the others.
 */
export const demo: Scenario = {
  name: 'demo',
  description: 'Known badges, an unknown badge, a door held open and a flapping sensor, repeating',
  doorSettings: { heldOpenLimitSeconds: 8 },
  plan: (ctx) => {
    const d = (n: number) => n % ctx.doors;
    const scripted = new Set([d(1), d(2), d(3)]);
    const free = Array.from({ length: ctx.doors }, (_, i) => i).filter((i) => !scripted.has(i));
    // Each minute: an unknown badge at door 1, door 2 held open, door 3's sensor chattering.
    function* minute(base: number): Generator<Step> {
      yield { atMs: base + 5_000, door: d(1), action: { kind: 'scan', badgeId: unknownBadge(ctx.random) } };
      yield { atMs: base + 5_800, door: d(1), action: { kind: 'open' } };
      yield { atMs: base + 8_000, door: d(1), action: { kind: 'close' } };
      yield { atMs: base + 15_000, door: d(2), action: { kind: 'open' } };
      yield { atMs: base + 35_000, door: d(2), action: { kind: 'close' } };
      for (let i = 0; i < 16; i++)
        yield { atMs: base + 40_000 + i * 150, door: d(3), action: { kind: i % 2 ? 'close' : 'open' } };
    }
    function* script(): Generator<Step> {
      for (let base = 0; ; base += 60_000)
        for (const step of minute(base)) {
          if (step.atMs >= ctx.durationMs) return;
          yield step;
        }
    }
    // With fewer than four doors every door is scripted: people share them.
    const people = openings(
      ctx,
      { known: 0.9, unknown: 0.05 },
      undefined,
      free.length > 0 ? free : undefined,
    );
    return [people, script()];
  },
};

/**
 * Benchmark load: at a steady rate, a badge, an opening and a closing (three events), round
 * robin over the doors; one entry in ten with an unknown badge, so both subscribers work.
 * `rate` counts entries per second. Flapping detection is off: a door in a load test
 * opens more often than a real one.
 */
export const steadyEntries: Scenario = {
  name: 'steady-entries',
  description: 'Benchmark load: badge, open, close at a steady rate over all doors (1 in 10 unknown badges)',
  doorSettings: { flappingTransitions: 1_000_000 },
  plan: (ctx) => [steadyEntriesTraffic(ctx)],
};

function* steadyEntriesTraffic(ctx: ScenarioContext): Generator<Step> {
  if (ctx.rate <= 0) return;
  const gap = 1_000 / ctx.rate;
  for (let i = 0, t = 0; t < ctx.durationMs; i++, t = i * gap) {
    const door = i % ctx.doors;
    const known = i % 10 !== 9 && ctx.knownBadges.length > 0;
    const badgeId = known ? ctx.knownBadges[i % ctx.knownBadges.length]! : unknownBadge(ctx.random);
    yield { atMs: t, door, action: { kind: 'scan', badgeId } };
    yield { atMs: t, door, action: { kind: 'open' } };
    yield { atMs: t, door, action: { kind: 'close' } };
  }
}

export const SCENARIOS: readonly Scenario[] = [
  officeDay,
  heldOpen,
  unknownBadges,
  flappingSensor,
  networkPartition,
  brokerRestart,
  duplicateStorm,
  clockSkew,
  malformedPayloads,
  demo,
  steadyEntries,
];

export function findScenario(name: string): Scenario {
  const found = SCENARIOS.find((s) => s.name === name);
  if (!found) {
    throw new SimulatorOptionError(
      '--scenario',
      `unknown scenario "${name}"; choose one of ${SCENARIOS.map((s) => s.name).join(', ')}`,
    );
  }
  return found;
}
