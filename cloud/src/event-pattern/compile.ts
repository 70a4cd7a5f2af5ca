import { PathTree } from './flatten.js';
import type { Alternative, FieldTest } from './model.js';
import { type PatternLimits, parseEventPattern } from './parse.js';

/**
 * A checked pattern in matchable form: alternatives whose field tests are ordered by path,
 * with the tests that can be satisfied by absence (exists: false) last, so that absence is
 * judged against every leaf the alternative has already chosen.
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

/** Absence-capable tests last, then by path (code-unit order, like event-ruler's sorted keys). */
export function sortTests(alt: Alternative): Alternative {
  return [...alt].sort((a: FieldTest, b: FieldTest) =>
    a.absent !== b.absent ? (a.absent ? 1 : -1) : a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
  );
}

/** Check and compile; throws InvalidEventPatternError with EventBridge's message. */
export function compileEventPattern(pattern: string | object, limits?: PatternLimits): CompiledEventPattern {
  if (pattern instanceof CompiledEventPattern) return pattern;
  return new CompiledEventPattern(parseEventPattern(pattern, limits));
}
