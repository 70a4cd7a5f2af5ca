import type { DoorState } from '@smartdoor/shared';
import type { Clock, TimerHandle } from './clock.js';
import {
  type DoorInput,
  type DoorMachineSettings,
  type DoorMachineState,
  type DoorOutput,
  INITIAL_DOOR_STATE,
  stepDoor,
} from './door-state-machine.js';

/**
 * Drives the pure door state machine with an injected clock: one timer for the machine's
 * next deadline (held-open limit, flapping calm-down). Outputs go to one listener.
 */
export class DoorMonitor {
  #state: DoorMachineState = INITIAL_DOOR_STATE;
  #timer: TimerHandle | undefined;
  #running = false;

  constructor(
    private settings: DoorMachineSettings,
    private readonly clock: Clock,
    private readonly emit: (output: DoorOutput) => void,
  ) {}

  get state(): Readonly<DoorMachineState> {
    return this.#state;
  }

  start(): void {
    this.#running = true;
  }

  stop(): void {
    this.#running = false;
    this.#clearTimer();
  }

  reading(state: DoorState, at: number): void {
    this.#feed({ kind: 'reading', state, at });
  }

  updateSettings(settings: DoorMachineSettings): void {
    this.settings = settings;
    this.#feed({ kind: 'settings', at: this.clock.now() });
  }

  #feed(input: DoorInput): void {
    if (!this.#running) return;
    const step = stepDoor(this.#state, input, this.settings);
    this.#state = step.state;
    this.#clearTimer();
    if (step.nextDeadline !== undefined) {
      const delay = Math.max(0, step.nextDeadline - this.clock.now());
      this.#timer = this.clock.setTimeout(() => {
        this.#timer = undefined;
        this.#feed({ kind: 'tick', at: this.clock.now() });
      }, delay);
    }
    for (const output of step.outputs) this.emit(output);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
