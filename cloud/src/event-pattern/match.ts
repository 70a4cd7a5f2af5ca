import type { CompiledEventPattern } from './compile.js';
import { agreesWithAll, type Chosen, flatten, LeafTable } from './flatten.js';
import type { FieldTest } from './model.js';
import { testValue } from './value-test.js';

/**
 * One pattern against one event, by backtracking over the alternative's field tests. This is
 * the plain reading of the rules (the reference the rule matcher is tested against), fine for
 * a handful of patterns; for many rules use RuleMatcher.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
 */
export function matchesEventPattern(pattern: CompiledEventPattern, event: object): boolean {
  const table = new LeafTable(pattern.pathCount);
  flatten(event, pattern.tree, table);
  for (let a = 0; a < pattern.alternatives.length; a++) {
    if (satisfies(pattern.alternatives[a]!, pattern.pathIds[a]!, 0, table, null)) return true;
  }
  return false;
}

function satisfies(
  tests: readonly FieldTest[],
  ids: readonly number[],
  i: number,
  table: LeafTable,
  chosen: Chosen | null,
): boolean {
  if (i === tests.length) return true;
  const test = tests[i]!;
  const values = table.values[ids[i]!]!;
  const trails = table.trails[ids[i]!]!;
  const count = table.counts[ids[i]!]!;
  let present = false;
  for (let j = 0; j < count; j++) {
    const trail = trails[j]!;
    if (trail !== null && !agreesWithAll(trail, chosen)) continue;
    present = true;
    const v = values[j];
    if (!test.matchers.some((m) => testValue(m, v))) continue;
    if (satisfies(tests, ids, i + 1, table, trail === null ? chosen : { trail, next: chosen })) return true;
  }
  // exists: false holds when no leaf of this field agrees with the leaves chosen so far.
  return test.absent && !present && satisfies(tests, ids, i + 1, table, chosen);
}
