import type { Step } from './types.js';

/**
 * Steps made ahead of their time, earliest first; steps at the same moment in the order
 * they came. A binary heap: a planner holds the steps of the openings in flight, not the
 * whole run's.
 */
export class StepQueue {
  private readonly heap: Array<{ step: Step; order: number }> = [];
  private pushed = 0;

  get size(): number {
    return this.heap.length;
  }

  peek(): Step | undefined {
    return this.heap[0]?.step;
  }

  push(step: Step): void {
    const { heap } = this;
    heap.push({ step, order: this.pushed++ });
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): Step | undefined {
    const { heap } = this;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let first = i;
        if (l < heap.length && this.before(l, first)) first = l;
        if (r < heap.length && this.before(r, first)) first = r;
        if (first === i) break;
        this.swap(i, first);
        i = first;
      }
    }
    return top?.step;
  }

  private before(a: number, b: number): boolean {
    const x = this.heap[a]!;
    const y = this.heap[b]!;
    return x.step.atMs < y.step.atMs || (x.step.atMs === y.step.atMs && x.order < y.order);
  }

  private swap(a: number, b: number): void {
    const { heap } = this;
    [heap[a], heap[b]] = [heap[b]!, heap[a]!];
  }
}

/**
 * Merge streams, each in time order, into one in time order: steps at the same moment come
 * in the streams' order. Lazy: it holds one step of each stream.
 */
export function* mergeInTimeOrder(streams: Iterable<Step>[]): Generator<Step> {
  const sources = streams.map((s) => s[Symbol.iterator]());
  const heads = sources.map((s) => s.next());
  for (;;) {
    let first = -1;
    for (let i = 0; i < heads.length; i++) {
      const head = heads[i]!;
      if (head.done) continue;
      if (first < 0 || head.value.atMs < (heads[first]!.value as Step).atMs) first = i;
    }
    if (first < 0) return;
    yield heads[first]!.value as Step;
    heads[first] = sources[first]!.next();
  }
}

/** Order a script's steps by time; steps at the same moment keep their planned order. */
export function sortSteps(steps: Step[]): Step[] {
  return steps
    .map((s, i) => [s, i] as const)
    .sort((a, b) => a[0].atMs - b[0].atMs || a[1] - b[1])
    .map(([s]) => s);
}
