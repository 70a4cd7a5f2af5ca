import { describe, expect, it } from 'vitest';
import { Random } from '../random.js';
import { mergeInTimeOrder, StepQueue } from './time-order.js';
import type { Step } from './types.js';

const at = (atMs: number, door: number): Step => ({ atMs, door, action: { kind: 'open' } });

describe('Class: StepQueue', () => {
  it('gives steps back earliest first, and steps at the same moment in the order they came', () => {
    // Prepare: a thousand steps at random times, many sharing a moment.
    const random = new Random(3);
    const queue = new StepQueue();
    const pushed = Array.from({ length: 1_000 }, (_, i) => at(random.int(0, 50), i));
    // Act
    for (const step of pushed) queue.push(step);
    const popped: Step[] = [];
    while (queue.size > 0) popped.push(queue.pop()!);
    // Assess: a stable sort of what went in.
    expect(popped).toEqual([...pushed].sort((a, b) => a.atMs - b.atMs || a.door! - b.door!));
    expect(queue.pop()).toBeUndefined();
  });
});

describe('Function: mergeInTimeOrder', () => {
  it('merges streams in time order, the first stream first at the same moment', () => {
    // Prepare
    const traffic = [at(0, 1), at(10, 1), at(20, 1)];
    const script = [at(10, 2), at(15, 2)];
    // Act
    const merged = [...mergeInTimeOrder([traffic, script])].map((s) => [s.atMs, s.door]);
    // Assess
    expect(merged).toEqual([
      [0, 1],
      [10, 1],
      [10, 2],
      [15, 2],
      [20, 1],
    ]);
  });

  it('takes from each stream only as far as it is walked', () => {
    // Prepare: a stream without end.
    let made = 0;
    function* endless(): Generator<Step> {
      for (let t = 0; ; t++) {
        made++;
        yield at(t, 0);
      }
    }
    // Act
    const walk = mergeInTimeOrder([endless(), [at(2, 1)]]);
    const first = [walk.next().value, walk.next().value, walk.next().value] as Step[];
    // Assess
    expect(first.map((s) => s.atMs)).toEqual([0, 1, 2]);
    expect(made).toBeLessThanOrEqual(4);
  });
});
