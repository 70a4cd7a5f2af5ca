import { SimulatorOptionError } from '../errors.js';
import { Random } from '../random.js';
import { findScenario } from './catalog.js';
import { mergeInTimeOrder, sortSteps } from './time-order.js';
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

/** Openings --rate asks for over the run, and how many the plan has (fewer when the doors cannot take them). */
export interface OpeningCount {
  asked: number;
  planned: number;
}

export interface Plan {
  scenario: Scenario;
  /**
   * The run's steps in time order, made as they are walked: a run of days holds a few
   * seconds of them at a time. Each call walks the same steps from the start.
   */
  steps(): Iterable<Step>;
  /** Counts the planned openings by walking the plan once (its time, not its memory); kept. */
  openings(): OpeningCount;
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
  const steps = () => {
    const streams = scenario.plan({
      random: new Random(options.seed).fork(`scenario:${scenario.name}`),
      doors: options.doors,
      rate: options.rate,
      durationMs: options.durationMs,
      knownBadges: options.knownBadges,
    });
    return inRun(
      mergeInTimeOrder(streams.map((s) => (Array.isArray(s) ? sortSteps(s) : s))),
      options.durationMs,
      scenario.name,
    );
  };
  let planned: number | undefined;
  return {
    scenario,
    steps,
    openings() {
      if (planned === undefined) {
        planned = 0;
        for (const step of steps()) if (step.action.kind === 'open') planned++;
      }
      return { asked: Math.round((options.rate * options.durationMs) / 1000), planned };
    },
  };
}

/** The steps inside the run, on whole milliseconds; a stream out of time order is a bug of its scenario. */
function* inRun(steps: Iterable<Step>, durationMs: number, scenario: string): Generator<Step> {
  let last = Number.NEGATIVE_INFINITY;
  for (const step of steps) {
    if (step.atMs < last) {
      throw new Error(
        `scenario ${scenario} planned a step at ${step.atMs} ms after one at ${last} ms: its generators must yield in time order`,
      );
    }
    last = step.atMs;
    if (step.atMs > durationMs) return;
    if (step.atMs >= 0) yield { ...step, atMs: Math.round(step.atMs) };
  }
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
export function openingShortfall(openings: OpeningCount, doors: number): string | undefined {
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
