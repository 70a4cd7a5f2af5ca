import type { Random } from '../random.js';

/** Something one virtual door does at a moment of the run. */
export type DoorAction =
  | { kind: 'open' }
  | { kind: 'close' }
  /** Present a badge to the reader (a known or an unknown id). */
  | { kind: 'scan'; badgeId: string }
  /** The door's clock runs this far ahead (+) or behind (-) from now on. */
  | { kind: 'skew'; offsetMs: number }
  /** Publish a payload that breaks the contract on the door's events topic. */
  | { kind: 'malformed'; variant: MalformedVariant }
  /** Every publish goes out this many extra times (as when PUBACKs are lost); 0 ends it. */
  | { kind: 'duplicate'; copies: number };

export type MalformedVariant = 'not-json' | 'wrong-thing' | 'unknown-type' | 'missing-key' | 'bad-timestamp';
export const MALFORMED_VARIANTS: readonly MalformedVariant[] = [
  'not-json',
  'wrong-thing',
  'unknown-type',
  'missing-key',
  'bad-timestamp',
];

/** Something that happens to the whole fleet's network or broker. */
export type FleetAction =
  /** Cut every door's TCP path to the broker (the proxy drops connections and refuses new ones). */
  | { kind: 'partition' }
  /** Let connections through again. */
  | { kind: 'heal' }
  /** Stop the broker and start it again after `downMs`. */
  | { kind: 'broker-restart'; downMs: number };

export type Step =
  | { atMs: number; door: number; action: DoorAction }
  | { atMs: number; door?: undefined; action: FleetAction };

/** What a scenario gets to plan with. Everything random comes from `random`. */
export interface ScenarioContext {
  random: Random;
  doors: number;
  /** Door openings per second across the whole fleet. */
  rate: number;
  durationMs: number;
  /** Badge ids the directory knows (seeded by the simulator). */
  knownBadges: readonly string[];
}

/** Agent settings a scenario needs (e.g. a short held-open limit so the alarm fires in a demo). */
export interface ScenarioDoorSettings {
  heldOpenLimitSeconds?: number;
  heartbeatIntervalSeconds?: number;
  /** Transitions within the flapping window that make a sensor fault (the agent's default is 10 in 5 s). */
  flappingTransitions?: number;
}

export interface Scenario {
  name: string;
  description: string;
  /** Needs the in-process cloud (it restarts the broker). */
  needsLocalBroker?: boolean;
  /** Cuts the network (partition steps): the doors must reach the broker through the simulator's TCP proxy. */
  cutsNetwork?: boolean;
  doorSettings?: ScenarioDoorSettings;
  /**
   * The run's steps, as streams the planner merges: an array is a script (any order; a
   * scenario's few scripted steps), a generator is traffic, made as the run is played, in
   * time order (a run of days must not hold its plan in memory).
   */
  plan(ctx: ScenarioContext): Array<Step[] | Generator<Step>>;
}
