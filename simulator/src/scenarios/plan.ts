import { SimulatorOptionError } from '../errors.js';
import { Random } from '../random.js';
import { findScenario, sortSteps } from './catalog.js';
import type { Scenario, Step } from './types.js';

export interface PlanOptions {
  scenario: string;
  doors: number;
  /** Door openings per second across the fleet. */
  rate: number;
  durationMs: number;
  seed: number | string;
  knownBadges: readonly string[];
}

export interface Plan {
  scenario: Scenario;
  steps: Step[];
  /** Openings --rate asks for over the run, and how many the plan has (fewer when the doors cannot take them). */
  openings: { asked: number; planned: number };
}

/** Plan a run: the same options (seed included) always give the same steps. Pure. */
export function planRun(options: PlanOptions): Plan {
  checkPositiveInt('--doors', options.doors);
  if (!Number.isFinite(options.rate) || options.rate < 0) {
    throw new SimulatorOptionError('--rate', `expected a number >= 0, received ${options.rate}`);
  }
  if (!Number.isFinite(options.durationMs) || options.durationMs <= 0) {
    throw new SimulatorOptionError(
      '--duration',
      `expected a positive duration, received ${options.durationMs}`,
    );
  }
  const scenario = findScenario(options.scenario);
  const random = new Random(options.seed).fork(`scenario:${scenario.name}`);
  const steps = scenario.plan({
    random,
    doors: options.doors,
    rate: options.rate,
    durationMs: options.durationMs,
    knownBadges: options.knownBadges,
  });
  const kept = sortSteps(steps.filter((s) => s.atMs >= 0 && s.atMs <= options.durationMs));
  const openings = {
    asked: Math.round((options.rate * options.durationMs) / 1000),
    planned: kept.filter((s) => s.action.kind === 'open').length,
  };
  return { scenario, steps: kept, openings };
}

function checkPositiveInt(option: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new SimulatorOptionError(option, `expected a whole number >= 1, received ${value}`);
  }
}

/**
 * A warning when the plan has clearly fewer openings than --rate asked for: each opening
 * keeps its door busy a few seconds, so a small fleet cannot take a high rate.
 */
export function openingShortfall(openings: Plan['openings'], doors: number): string | undefined {
  const { asked, planned } = openings;
  if (asked < 10 || planned >= asked * 0.9) return undefined;
  return (
    `--rate asks for ${asked} openings over the run, and ${doors} door${doors === 1 ? '' : 's'} can take about ${planned} ` +
    '(an opening keeps its door busy a few seconds): add doors or lower --rate for the rate asked'
  );
}

/** Parse `30s`, `2m`, `1h`, `500ms` or plain seconds into milliseconds; `option` names it in errors. */
export function parseDuration(text: string, option = '--duration'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!m) {
    throw new SimulatorOptionError(option, `expected e.g. 30s, 2m, 1h or 500ms, received "${text}"`);
  }
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * unit);
}
