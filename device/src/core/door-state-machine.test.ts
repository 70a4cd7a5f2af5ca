import { describe, expect, it } from 'vitest';
import {
  type DoorMachineState,
  type DoorOutput,
  type DoorStep,
  INITIAL_DOOR_STATE,
  stepDoor,
} from './door-state-machine.js';

const settings = { heldOpenLimitSeconds: 30, flappingTransitions: 4, flappingWindowMs: 1_000 };

function run(
  inputs: Array<['open' | 'closed' | 'tick', number]>,
  state: DoorMachineState = INITIAL_DOOR_STATE,
) {
  const outputs: DoorOutput[] = [];
  let last: DoorStep | undefined;
  for (const [what, at] of inputs) {
    last = stepDoor(
      state,
      what === 'tick' ? { kind: 'tick', at } : { kind: 'reading', state: what, at },
      settings,
    );
    state = last.state;
    outputs.push(...last.outputs);
  }
  return { state, outputs, nextDeadline: last?.nextDeadline };
}

describe('Function: stepDoor', () => {
  it('reports the first reading and each change of state', () => {
    // Prepare / Act
    const { outputs } = run([
      ['closed', 0],
      ['open', 5_000],
      ['open', 5_100],
      ['closed', 9_000],
    ]);
    // Assess
    expect(outputs).toEqual([
      { type: 'door.state.changed', at: 0, state: 'closed' },
      { type: 'door.state.changed', at: 5_000, state: 'open' },
      { type: 'door.state.changed', at: 9_000, state: 'closed' },
    ]);
  });

  it('asks for a tick at the held-open limit and raises door.held.open once', () => {
    // Prepare
    const opened = run([
      ['closed', 0],
      ['open', 10_000],
    ]);
    // Act
    const early = run([['tick', 39_999]], opened.state);
    const due = run([['tick', 40_000]], opened.state);
    const again = run([['tick', 80_000]], due.state);
    // Assess
    expect(opened.nextDeadline).toBe(40_000);
    expect(early.outputs).toEqual([]);
    expect(due.outputs).toEqual([{ type: 'door.held.open', at: 40_000, openedAt: 10_000, limitSeconds: 30 }]);
    expect(again.outputs).toEqual([]);
    expect(due.nextDeadline).toBeUndefined();
  });

  it('does not raise door.held.open when the door closes in time', () => {
    // Prepare / Act
    const { outputs, nextDeadline } = run([
      ['closed', 0],
      ['open', 1_000],
      ['closed', 20_000],
      ['tick', 31_000],
    ]);
    // Assess
    expect(outputs.map((o) => o.type)).not.toContain('door.held.open');
    expect(nextDeadline).toBeUndefined();
  });

  it('raises sensor.flapping at N transitions within the window and stops reporting changes', () => {
    // Prepare / Act
    const { outputs, state } = run([
      ['closed', 0],
      ['open', 5_000],
      ['closed', 5_100],
      ['open', 5_200],
      ['closed', 5_300],
      ['open', 5_400],
    ]);
    // Assess
    expect(outputs.map((o) => o.type)).toEqual([
      'door.state.changed',
      'door.state.changed',
      'door.state.changed',
      'door.state.changed',
      'device.fault',
    ]);
    expect(outputs[4]).toMatchObject({ fault: 'sensor.flapping', active: true, at: 5_300 });
    expect(state.flapping).toBe(true);
  });

  it('clears the fault when the sensor calms, then reports where the door settled', () => {
    // Prepare
    const flapping = run([
      ['closed', 0],
      ['open', 5_000],
      ['closed', 5_100],
      ['open', 5_200],
      ['closed', 5_300],
      ['open', 5_400],
      ['closed', 5_500],
    ]);
    // Act
    const early = run([['tick', 6_499]], flapping.state);
    const calm = run([['tick', 6_500]], flapping.state);
    // Assess
    expect(flapping.state.door).toBe('open');
    expect(flapping.nextDeadline).toBe(6_500);
    expect(early.outputs).toEqual([]);
    expect(calm.outputs).toEqual([
      { type: 'device.fault', at: 6_500, fault: 'sensor.flapping', active: false },
      { type: 'door.state.changed', at: 6_500, state: 'closed' },
    ]);
    expect(calm.state.flapping).toBe(false);
  });
});
