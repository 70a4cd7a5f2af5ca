/**
 * Flattening an event into the leaves the patterns name. A leaf is a string, number, boolean
 * or null reached through object keys (arrays are looked through: "any element matches").
 * Each leaf carries its array trail: for every array crossed, the array's id and the element
 * index. Two leaves can serve the same alternative only if their trails agree wherever they
 * cross the same array: event-ruler's array consistency ("arraysBugTest": fields of one
 * alternative must come from the same array element).
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html
 */

/** [arrayId, index, arrayId, index, ...] from the outermost array in. */
export type Trail = readonly number[];

/** The field names some pattern uses, as a tree; `id` >= 0 where a pattern names the leaf. */
export class PathTree {
  readonly children = new Map<string, PathTree>();
  /** The same children as a list, for scanning JSON keys in place (json-scan.ts). */
  readonly entries: [string, PathTree][] = [];
  id = -1;

  /** Add a dotted path; returns its node. */
  add(path: string): PathTree {
    let node: PathTree = this;
    for (const key of path.split('.')) {
      let next = node.children.get(key);
      if (!next) {
        next = new PathTree();
        node.children.set(key, next);
        node.entries.push([key, next]);
      }
      node = next;
    }
    return node;
  }
}

/**
 * Leaves per path id, reused across events: `values[id]` and `trails[id]` run in parallel,
 * `counts[id]` long (the arrays are overwritten, never truncated: truncating is a slow path).
 */
export class LeafTable {
  readonly values: unknown[][] = [];
  readonly trails: (Trail | null)[][] = [];
  readonly counts: number[] = [];
  /** Path ids that got leaves in this event (to reset them cheaply), `touchedCount` long. */
  readonly touched: number[] = [];
  touchedCount = 0;
  arrays = 0;

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      this.values.push([]);
      this.trails.push([]);
      this.counts.push(0);
    }
  }

  reset(): void {
    for (let i = 0; i < this.touchedCount; i++) this.counts[this.touched[i]!] = 0;
    this.touchedCount = 0;
    this.arrays = 0;
  }

  push(id: number, value: unknown, trail: Trail | null): void {
    const n = this.counts[id]!;
    if (n === 0) this.touched[this.touchedCount++] = id;
    this.values[id]![n] = value;
    this.trails[id]![n] = trail;
    this.counts[id] = n + 1;
  }
}

/** Collect the leaves of `event` that `tree` names into `table` (which is reset first). */
export function flatten(event: unknown, tree: PathTree, table: LeafTable): void {
  table.reset();
  if (typeof event === 'object' && event !== null && !Array.isArray(event)) {
    walkObject(event as Record<string, unknown>, tree, null, table);
  }
}

function walkObject(
  obj: Record<string, unknown>,
  tree: PathTree,
  trail: Trail | null,
  table: LeafTable,
): void {
  // Iterate the smaller side: the pattern's names or the object's keys.
  if (tree.children.size < 8) {
    for (const [key, child] of tree.children) {
      const v = obj[key];
      if (v !== undefined && Object.hasOwn(obj, key)) walkValue(v, child, trail, table);
    }
  } else {
    for (const key in obj) {
      const child = tree.children.get(key);
      if (child) walkValue(obj[key], child, trail, table);
    }
  }
}

function walkValue(v: unknown, node: PathTree, trail: Trail | null, table: LeafTable): void {
  if (typeof v === 'object' && v !== null) {
    if (Array.isArray(v)) {
      const arrayId = table.arrays++;
      for (let i = 0; i < v.length; i++) {
        walkValue(v[i], node, trail ? [...trail, arrayId, i] : [arrayId, i], table);
      }
    } else if (node.children.size > 0) {
      walkObject(v as Record<string, unknown>, node, trail, table);
    }
  } else if (node.id >= 0) {
    table.push(node.id, v, trail);
  }
}

/** Do two trails agree on every array they share? Arrays nest as a tree, so shared arrays form a common prefix. */
export function trailsAgree(a: Trail, b: Trail): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 2) {
    if (a[i] !== b[i]) return true;
    if (a[i + 1] !== b[i + 1]) return false;
  }
  return true;
}

/** The trails chosen so far on one path through an alternative, newest first. */
export interface Chosen {
  trail: Trail;
  next: Chosen | null;
}

export function agreesWithAll(trail: Trail, chosen: Chosen | null): boolean {
  for (let c = chosen; c !== null; c = c.next) if (!trailsAgree(trail, c.trail)) return false;
  return true;
}
