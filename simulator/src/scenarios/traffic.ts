import type { Random } from '../random.js';
import { StepQueue } from './time-order.js';
import type { ScenarioContext, Step } from './types.js';

/** The mix of one opening: who stands at the door. */
export interface OpeningMix {
  /** Share of openings preceded by a known badge. */
  known: number;
  /** Share preceded by a badge the directory does not know. */
  unknown: number;
  /** The rest open with no badge at all (someone leaving, or a forced door). */
}

export const OFFICE_MIX: OpeningMix = { known: 0.85, unknown: 0.05 };

/** Doors an arrival tries before it queues at the one that frees first (bounded: fleets are large). */
const DOOR_PROBES = 16;

/** Longest an arrival waits for a door: past it the person walks away (the opening is not planned). */
const MAX_WAIT_MS = 60_000;

/**
 * A Poisson stream of openings over the fleet: each picks a door at random, maybe scans a
 * badge shortly before, opens, and closes a few seconds later. The gaps are what a
 * door with people walking through looks like, not a metronome. An arrival at a busy door
 * walks to a free one; when the doors it tries are all busy it waits at the one that frees
 * first (a minute at most), so the requested rate is kept while the fleet can take it (an
 * opening keeps its door busy a few seconds: past that, the plan has fewer openings than
 * asked).
 *
 * Made as it is walked, in time order: it holds the steps of the openings in flight, so a
 * run of days costs no more memory than a run of minutes. It draws on `ctx.random` as it goes.
 */
export function* openings(
  ctx: ScenarioContext,
  mix: OpeningMix,
  window: { fromMs: number; toMs: number } = { fromMs: 0, toMs: ctx.durationMs },
  /** The doors people use; the others are left to the scenario's own script. @default all */
  doors: readonly number[] = Array.from({ length: ctx.doors }, (_, i) => i),
): Generator<Step> {
  const { random } = ctx;
  if (ctx.rate <= 0 || doors.length === 0) return;
  const busyUntil = new Float64Array(ctx.doors);
  const pending = new StepQueue();
  let t = window.fromMs + random.exponential(1000 / ctx.rate);
  while (t < window.toMs) {
    // Whatever is planned from here on happens at t or later: the steps before are final.
    while (pending.size > 0 && pending.peek()!.atMs <= t) yield pending.pop()!;
    const door = pickDoor(random, doors, busyUntil, t);
    const start = Math.max(t, busyUntil[door]!);
    if (start < window.toMs && start - t <= MAX_WAIT_MS)
      busyUntil[door] = opening(pending, random, ctx, mix, door, start, window.toMs);
    t += random.exponential(1000 / ctx.rate);
  }
  while (pending.size > 0) yield pending.pop()!;
}

/** A random door free at `t`, else the one of those tried that frees first. */
function pickDoor(random: Random, doors: readonly number[], busyUntil: Float64Array, t: number): number {
  let soonest = doors[random.int(0, doors.length - 1)]!;
  for (let probe = 1; probe < DOOR_PROBES && busyUntil[soonest]! > t; probe++) {
    const door = doors[random.int(0, doors.length - 1)]!;
    if (busyUntil[door]! < busyUntil[soonest]!) soonest = door;
  }
  return soonest;
}

function opening(
  steps: { push(step: Step): void },
  random: Random,
  ctx: ScenarioContext,
  mix: OpeningMix,
  door: number,
  atMs: number,
  endMs: number,
): number {
  const who = random.next();
  let openAt = atMs;
  if (who < mix.known + mix.unknown) {
    const badgeId =
      who < mix.known && ctx.knownBadges.length > 0 ? random.pick(ctx.knownBadges) : unknownBadge(random);
    steps.push({ atMs, door, action: { kind: 'scan', badgeId } });
    openAt = atMs + random.int(300, 1500);
  }
  const closeAt = Math.min(openAt + random.int(1500, 5000), endMs);
  if (openAt >= endMs) return endMs;
  steps.push({ atMs: openAt, door, action: { kind: 'open' } });
  steps.push({ atMs: closeAt, door, action: { kind: 'close' } });
  return closeAt + 100;
}

/** A 10-hex-digit id, like an RDM6300 frame carries, that no directory entry uses. */
export function unknownBadge(random: Random): string {
  return `FF${random.nextUint32().toString(16).toUpperCase().padStart(8, '0')}`;
}
