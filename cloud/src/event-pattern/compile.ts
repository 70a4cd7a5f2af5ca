import { PathTree } from './flatten.js';
import type { Alternative, FieldTest } from './model.js';
import { type PatternLimits, parseEventPattern } from './parse.js';

/**
 * A checked pattern in matchable form: alternatives whose field tests are ordered narrowest
 * first (see sortTests).
 *
 * Exact numbers compare by value, not text. The EventBridge documentation says numbers in
 * exact matching compare as strings (300, 300.0 and 3.0e2 differ); event-ruler 2.0.1, the
 * matcher behind EventBridge, matches [300] against 3.0e2 and 300.0 too
 * (/work/shared/conformance/README.md). We follow event-ruler, deliberately: it is what the
 * service runs, and parsed JSON (JSON.parse) cannot tell those spellings apart anyway.
 */
export class CompiledEventPattern {
  /** The alternatives, each sorted (see class comment). */
  readonly alternatives: readonly Alternative[];
  /** Paths this pattern names, with local ids (FieldTest order index -> id in `pathIds`). */
  readonly tree: PathTree;
  readonly pathIds: readonly (readonly number[])[];
  readonly pathCount: number;

  constructor(alternatives: Alternative[]) {
    this.alternatives = alternatives.map(sortTests);
    this.tree = new PathTree();
    let count = 0;
    this.pathIds = this.alternatives.map((alt) =>
      alt.map((test) => {
        const node = this.tree.add(test.path);
        if (node.id < 0) node.id = count++;
        return node.id;
      }),
    );
    this.pathCount = count;
  }
}

/**
 * How broad a test is: 0 for hash lookups (exact values, equals-ignore-case), 1 for
 * prefix/suffix/wildcard/numeric/cidr, 2 for anything-but and exists (they accept nearly
 * every value), 3 when absence satisfies it. A test ranks as its broadest matcher.
 */
export function breadth(test: FieldTest): number {
  if (test.absent) return 3;
  let rank = 0;
  for (const m of test.matchers) {
    if (m.kind === 'anything-but' || m.kind === 'exists') return 2;
    if (
      m.kind !== 'exact' &&
      m.kind !== 'ip' &&
      m.kind !== 'number' &&
      m.kind !== 'literal' &&
      m.kind !== 'equals-ignore-case'
    ) {
      rank = 1;
    }
  }
  return rank;
}

/**
 * Narrow tests first, then by path (code-unit order), absence-capable tests last. Narrow
 * first keeps the machine from fanning out: a rule `{lot: [x], street: [{anything-but: y}]}`
 * is entered through the lot's hash lookup, not through an anything-but that every event
 * passes. Absence last lets exists: false see every leaf the alternative already chose.
 * The order is a pure function of the tests, so equal alternatives share machine states.
 */
export function sortTests(alt: Alternative): Alternative {
  return alt
    .map((test) => ({ test, rank: breadth(test) }))
    .sort((a, b) =>
      a.rank !== b.rank
        ? a.rank - b.rank
        : a.test.path < b.test.path
          ? -1
          : a.test.path > b.test.path
            ? 1
            : 0,
    )
    .map(({ test }) => test);
}

/** Check and compile; throws InvalidEventPatternError with EventBridge's message. */
export function compileEventPattern(pattern: string | object, limits?: PatternLimits): CompiledEventPattern {
  if (pattern instanceof CompiledEventPattern) return pattern;
  return new CompiledEventPattern(parseEventPattern(pattern, limits));
}
