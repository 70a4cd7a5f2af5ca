import { describe, expect, it } from 'vitest';
import { breadth, CompiledEventPattern, compileEventPattern, sortTests } from './compile.js';
import { checkEventPattern, RuleMatcher } from './index.js';
import type { FieldTest } from './model.js';

const test = (path: string, matchers: FieldTest['matchers'], absent = false): FieldTest => ({
  path,
  matchers,
  absent,
});

describe('Function: compileEventPattern', () => {
  it('returns a compiled pattern unchanged', () => {
    // Prepare
    const compiled = compileEventPattern({ source: ['a'] });

    // Act
    const again = compileEventPattern(compiled);

    // Assess
    expect(again).toBe(compiled);
    expect(again).toBeInstanceOf(CompiledEventPattern);
  });

  it('gives each named path one local id, shared between alternatives', () => {
    // Prepare
    const pattern = { a: ['1'], $or: [{ b: ['2'] }, { b: ['3'], c: ['4'] }] };

    // Act
    const compiled = compileEventPattern(pattern);

    // Assess
    expect(compiled.pathCount).toBe(3);
    expect(compiled.alternatives.map((alt) => alt.map((t) => t.path))).toEqual([
      ['a', 'b'],
      ['a', 'b', 'c'],
    ]);
  });
});

describe('Function: breadth', () => {
  it('ranks hash lookups, then ranges and affixes, then anything-but and exists, then absence', () => {
    // Assess
    expect(
      breadth(
        test('a', [
          { kind: 'exact', value: 'x' },
          { kind: 'equals-ignore-case', value: 'y' },
        ]),
      ),
    ).toBe(0);
    expect(
      breadth(
        test('a', [
          { kind: 'exact', value: 'x' },
          { kind: 'prefix', value: 'p', ignoreCase: false },
        ]),
      ),
    ).toBe(1);
    expect(breadth(test('a', [{ kind: 'exists' }]))).toBe(2);
    expect(breadth(test('a', [{ kind: 'anything-but', op: 'values', strings: ['x'], numbers: [] }]))).toBe(2);
    expect(breadth(test('a', [{ kind: 'exact', value: 'x' }], true))).toBe(3);
  });
});

describe('Function: sortTests', () => {
  it('orders by breadth, then by path, keeping equal paths in their order', () => {
    // Prepare
    const alt = [
      test('z', [{ kind: 'exists' }]),
      test('b', [{ kind: 'exact', value: '1' }]),
      test('a', [], true),
      test('b', [{ kind: 'exact', value: '2' }]),
      test('a', [{ kind: 'number', value: 1 }]),
    ];

    // Act
    const sorted = sortTests(alt);

    // Assess
    expect(sorted.map((t) => `${t.path}${t.absent ? '?' : ''}`)).toEqual(['a', 'b', 'b', 'z', 'a?']);
    expect(sorted[1]!.matchers).toEqual([{ kind: 'exact', value: '1' }]);
  });

  it('needs both tests when an $or branch names a field its parent names too', () => {
    // Prepare
    const matcher = new RuleMatcher<string>();
    matcher.add('r', { a: [{ prefix: 'x' }], $or: [{ a: ['xy'] }, { b: ['1'] }] });

    // Act
    const both = matcher.matchesFor({ a: 'xy' });
    const onlyPrefix = matcher.matchesFor({ a: 'xz' });

    // Assess
    expect(both).toEqual(['r']);
    expect(onlyPrefix).toEqual([]);
  });
});

describe('Function: checkEventPattern', () => {
  it('reports a pattern that cannot be written as JSON instead of throwing', () => {
    // Prepare
    const circular: Record<string, unknown> = { a: ['x'] };
    circular.self = circular;

    // Act
    const bigint = checkEventPattern({ a: [1n] });
    const cycle = checkEventPattern(circular);

    // Assess
    expect(bigint).toMatch(/^Event pattern is not valid\. Reason: Filter is not valid JSON: /);
    expect(cycle).toMatch(/^Event pattern is not valid\. Reason: Filter is not valid JSON: /);
  });
});
