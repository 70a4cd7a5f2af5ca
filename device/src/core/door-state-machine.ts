import type { DoorState, FaultKind } from '@smartdoor/shared';

/**
 * The door state machine, as a pure function: (state, input, settings) -> (state,
 * outputs, next deadline). It holds no timers; its driver (DoorMonitor) sets one timer
 * for `nextDeadline` and feeds a `tick` back when it fires. Inputs carry their own time:
 * `at`, the wall clock, only stamps events; `mono`, a clock that never steps, measures
 * the held-open limit and the flapping window (NTP setting the wall clock back an hour
 * must not delay door.held.open, or keep a flapping fault, for an hour).
 */
export interface DoorMachineSettings {
  /** Open longer than this raises door.held.open once per opening. */
  heldOpenLimitSeconds: number;
  /** This many transitions within `flappingWindowMs` mean the sensor is faulty. */
  flappingTransitions: number;
  flappingWindowMs: number;
}

export interface DoorMachineState {
  /** The door as last reported (or 'unknown' before the first reading). */
  door: DoorState | 'unknown';
  /** The raw state from the sensor, which may differ from `door` while flapping. */
  raw: DoorState | 'unknown';
  /** When the door last opened (reported or raw, whichever is current), wall ms, for events. */
  openedAt: number | undefined;
  /** The same instant on the monotonic clock, for the held-open deadline. */
  openedMono: number | undefined;
  heldOpenRaised: boolean;
  /** Monotonic times of recent transitions, within the flapping window. */
  transitions: number[];
  flapping: boolean;
}

/** `mono` defaults to `at`, for callers whose clock never steps (tests). */
export type DoorInput =
  | { kind: 'reading'; state: DoorState; at: number; mono?: number }
  | { kind: 'tick'; at: number; mono?: number }
  | { kind: 'settings'; at: number; mono?: number };

/** What the machine asks its driver to emit. Bodies become events in the event factory. */
export type DoorOutput =
  | { type: 'door.state.changed'; at: number; state: DoorState }
  | { type: 'door.held.open'; at: number; openedAt: number; limitSeconds: number }
  | { type: 'device.fault'; at: number; fault: FaultKind; active: boolean; message?: string };

export interface DoorStep {
  state: DoorMachineState;
  outputs: DoorOutput[];
  /** When to feed the next `tick`, on the inputs' monotonic clock, or undefined for no timer. */
  nextDeadline: number | undefined;
}

export const INITIAL_DOOR_STATE: DoorMachineState = {
  door: 'unknown',
  raw: 'unknown',
  openedAt: undefined,
  openedMono: undefined,
  heldOpenRaised: false,
  transitions: [],
  flapping: false,
};

export function stepDoor(prev: DoorMachineState, input: DoorInput, settings: DoorMachineSettings): DoorStep {
  const outputs: DoorOutput[] = [];
  const at = input.at;
  const mono = input.mono ?? at;
  let s: DoorMachineState = {
    ...prev,
    transitions: prev.transitions.filter((t) => t > mono - settings.flappingWindowMs),
  };

  if (input.kind === 'reading' && input.state !== s.raw) {
    const first = s.raw === 'unknown';
    s.raw = input.state;
    s.openedAt = input.state === 'open' ? at : undefined;
    s.openedMono = input.state === 'open' ? mono : undefined;
    s.heldOpenRaised = false;
    if (!first) s.transitions = [...s.transitions, mono];
    if (!s.flapping && s.transitions.length >= settings.flappingTransitions) {
      s.flapping = true;
      outputs.push({
        type: 'device.fault',
        at,
        fault: 'sensor.flapping',
        active: true,
        message: `${s.transitions.length} transitions within ${settings.flappingWindowMs} ms`,
      });
    }
    // While flapping, door changes are not reported: they are noise, not door movements.
    if (!s.flapping && s.door !== s.raw) {
      s.door = s.raw;
      outputs.push({ type: 'door.state.changed', at, state: s.raw });
    }
  }

  // The sensor calmed down: clear the fault, then report where the door settled.
  if (s.flapping && s.transitions.length === 0) {
    s.flapping = false;
    outputs.push({ type: 'device.fault', at, fault: 'sensor.flapping', active: false });
    if (s.raw !== 'unknown' && s.door !== s.raw) {
      s.door = s.raw;
      outputs.push({ type: 'door.state.changed', at, state: s.raw });
    }
  }

  const heldDeadline = heldOpenDeadline(s, settings);
  if (heldDeadline !== undefined && mono >= heldDeadline) {
    s = { ...s, heldOpenRaised: true };
    outputs.push({
      type: 'door.held.open',
      at,
      openedAt: s.openedAt!,
      limitSeconds: settings.heldOpenLimitSeconds,
    });
  }
  return { state: s, outputs, nextDeadline: nextDeadline(s, settings) };
}

function heldOpenDeadline(s: DoorMachineState, settings: DoorMachineSettings): number | undefined {
  if (s.door !== 'open' || s.flapping || s.heldOpenRaised || s.openedMono === undefined) return undefined;
  return s.openedMono + settings.heldOpenLimitSeconds * 1000;
}

function nextDeadline(s: DoorMachineState, settings: DoorMachineSettings): number | undefined {
  const held = heldOpenDeadline(s, settings);
  const last = s.transitions.at(-1);
  const calm = s.flapping && last !== undefined ? last + settings.flappingWindowMs : undefined;
  if (held === undefined) return calm;
  if (calm === undefined) return held;
  return Math.min(held, calm);
}
