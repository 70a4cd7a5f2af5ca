import type { DoorState } from '@smartdoor/shared';
import { type Clock, monotonicNow, type TimerHandle } from './clock.js';
import {
  type DoorInput,
  type DoorMachineSettings,
  type DoorMachineState,
  type DoorOutput,
  INITIAL_DOOR_STATE,
  stepDoor,
} from './door-state-machine.js';

/**
 * How far back a reading's own time may put it on the monotonic clock: a reading is
 * stamped at its burst's first edge, at most one debounce (5 s max) before it arrives. A
 * wall clock stepped in between must not move it further than that.
 */
const MAX_READING_AGE_MS = 5_000;

/** The part of the door's state worth keeping across a restart. */
export interface ResumedDoorState {
  door: DoorState;
  /** Wall ms, when door is open. */
  openedAt?: number | undefined;
  heldOpenRaised?: boolean | undefined;
}

/**
 * Drives the pure door state machine with an injected clock: one timer for the machine's
 * next deadline (held-open limit, flapping calm-down). Outputs go to one listener.
 * Deadlines run on the clock's monotonic reading; wall time only stamps the events.
 */
export class DoorMonitor {
  #state: DoorMachineState = INITIAL_DOOR_STATE;
  #timer: TimerHandle | undefined;
  #running = false;

  constructor(
    private settings: DoorMachineSettings,
    private readonly clock: Clock,
    private readonly emit: (output: DoorOutput) => void,
    resume?: ResumedDoorState,
  ) {
    if (resume) this.#state = this.#resumed(resume);
  }

  get state(): Readonly<DoorMachineState> {
    return this.#state;
  }

  start(): void {
    this.#running = true;
    // A resumed open door: arm its held-open timer (or raise it, if the limit passed while down).
    if (this.#state.door !== 'unknown') this.#feed({ kind: 'tick', ...this.#now() });
  }

  stop(): void {
    this.#running = false;
    this.#clearTimer();
  }

  reading(state: DoorState, at: number): void {
    const now = this.#now();
    const age = Math.min(Math.max(0, now.at - at), MAX_READING_AGE_MS);
    this.#feed({ kind: 'reading', state, at, mono: now.mono - age });
  }

  updateSettings(settings: DoorMachineSettings): void {
    this.settings = settings;
    this.#feed({ kind: 'settings', ...this.#now() });
  }

  #now(): { at: number; mono: number } {
    return { at: this.clock.now(), mono: monotonicNow(this.clock) };
  }

  #resumed(r: ResumedDoorState): DoorMachineState {
    const now = this.#now();
    const open = r.door === 'open' && r.openedAt !== undefined;
    // The monotonic clock restarts with the process: place the opening by the wall clock,
    // never in the future.
    const openedMono = open ? now.mono - Math.max(0, now.at - r.openedAt!) : undefined;
    return {
      ...INITIAL_DOOR_STATE,
      door: r.door,
      raw: r.door,
      openedAt: open ? r.openedAt : undefined,
      openedMono,
      heldOpenRaised: open && r.heldOpenRaised === true,
    };
  }

  #feed(input: DoorInput): void {
    if (!this.#running) return;
    const step = stepDoor(this.#state, input, this.settings);
    this.#state = step.state;
    this.#clearTimer();
    if (step.nextDeadline !== undefined) {
      const delay = Math.max(0, step.nextDeadline - monotonicNow(this.clock));
      this.#timer = this.clock.setTimeout(() => {
        this.#timer = undefined;
        this.#feed({ kind: 'tick', ...this.#now() });
      }, delay);
    }
    for (const output of step.outputs) this.emit(output);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
