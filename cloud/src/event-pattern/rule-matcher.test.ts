import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidEventError, InvalidEventPatternError } from './errors.js';
import { compileEventPattern, matchesEventPattern, RuleMatcher } from './index.js';

describe('Class: RuleMatcher', () => {
  describe('Method: add', () => {
    it('takes a pattern as JSON text, as an object or compiled', () => {
      // Prepare
      const matcher = new RuleMatcher<string>();

      // Act
      matcher.add('text', '{"source":["a"]}');
      matcher.add('object', { source: ['a'] });
      matcher.add('compiled', compileEventPattern({ source: ['a'] }));

      // Assess
      expect(matcher.size).toBe(3);
      expect(matcher.matchesFor({ source: 'a' }).sort()).toEqual(['compiled', 'object', 'text']);
    });

    it('throws InvalidEventPatternError for a bad pattern and keeps the rules it had', () => {
      // Prepare
      const matcher = new RuleMatcher<string>();
      matcher.add('good', { source: ['a'] });

      // Act
      const act = () => matcher.add('bad', { source: [{ nope: 1 }] });

      // Assess
      expect(act).toThrow(InvalidEventPatternError);
      expect(matcher.size).toBe(1);
      expect(matcher.matchesFor({ source: 'a' })).toEqual(['good']);
    });

    it('replaces the pattern of a key added again', () => {
      // Prepare
      const matcher = new RuleMatcher<string>();
      matcher.add('r', { source: ['a'] });

      // Act
      matcher.add('r', { source: ['b'] });

      // Assess
      expect(matcher.size).toBe(1);
      expect(matcher.matchesFor({ source: 'a' })).toEqual([]);
      expect(matcher.matchesFor({ source: 'b' })).toEqual(['r']);
    });

    it('applies its limits to added patterns', () => {
      // Prepare
      const matcher = new RuleMatcher<string>({ limits: { maxLength: 10 } });

      // Act
      const act = () => matcher.add('r', { source: ['abcdefgh'] });

      // Assess
      expect(act).toThrow(/the limit is 10/);
    });
  });

  describe('Method: remove', () => {
    it('stops matching a removed rule and keeps the others', () => {
      // Prepare
      const matcher = new RuleMatcher<number>();
      matcher.add(1, { source: ['a'] });
      matcher.add(2, { source: [{ prefix: 'a' }] });
      matcher.add(3, { source: ['a'], detail: { x: [1] } });

      // Act
      matcher.remove(1);
      matcher.remove(99);

      // Assess
      expect(matcher.size).toBe(2);
      expect(matcher.matchesFor({ source: 'a', detail: { x: 1 } }).sort()).toEqual([2, 3]);
    });

    it('accepts new rules after a removal', () => {
      // Prepare
      const matcher = new RuleMatcher<string>();
      matcher.add('a', { source: ['a'] });
      matcher.remove('a');

      // Act
      matcher.add('b', { detail: { n: [{ numeric: ['>', 1] }] } });

      // Assess
      expect(matcher.matchesFor({ source: 'a', detail: { n: 5 } })).toEqual(['b']);
      expect(matcher.matchesForJson('{"source":"a","detail":{"n":5}}')).toEqual(['b']);
    });
  });

  describe('Method: matchesFor', () => {
    it('reports a rule once even when several alternatives match', () => {
      // Prepare
      const matcher = new RuleMatcher<string>();
      matcher.add('r', { $or: [{ a: ['1'] }, { b: ['2'] }] });

      // Act
      const got = matcher.matchesFor({ a: '1', b: '2' });

      // Assess
      expect(got).toEqual(['r']);
    });

    it('finds each of many rules on one field by its own value', () => {
      // Prepare
      const matcher = new RuleMatcher<number>();
      for (let i = 0; i < 5000; i++) matcher.add(i, { detail: { id: [`id-${i}`] } });

      // Act
      const got = matcher.matchesFor({ detail: { id: 'id-4321' } });

      // Assess
      expect(got).toEqual([4321]);
    });

    it('needs the fields of one alternative to come from the same array element', () => {
      // Prepare
      const matcher = new RuleMatcher<string>();
      matcher.add('r', { items: { name: ['a'], size: [{ numeric: ['>', 5] }] } });

      // Act
      const split = matcher.matchesFor({
        items: [
          { name: 'a', size: 1 },
          { name: 'b', size: 9 },
        ],
      });
      const same = matcher.matchesFor({
        items: [
          { name: 'b', size: 1 },
          { name: 'a', size: 9 },
        ],
      });

      // Assess
      expect(split).toEqual([]);
      expect(same).toEqual(['r']);
    });

    it('judges exists: false within the array element the other fields came from', () => {
      // Prepare
      const matcher = new RuleMatcher<string>();
      matcher.add('r', { d: { a: [{ exists: true }], b: [{ exists: false }] } });

      // Act
      const got = matcher.matchesFor({ d: [{ a: 1, b: 2 }, { a: 3 }] });
      const none = matcher.matchesFor({ d: [{ a: 1, b: 2 }] });

      // Assess
      expect(got).toEqual(['r']);
      expect(none).toEqual([]);
    });

    it('looks into objects with many keys and nested arrays of arrays', () => {
      // Prepare
      const matcher = new RuleMatcher<string>();
      const names = Array.from({ length: 12 }, (_, i) => `k${i}`);
      for (const n of names) matcher.add(n, { [n]: { v: [1] } });

      // Act
      const got = matcher.matchesFor({ k3: [[{ v: 1 }], [{ v: 2 }]], k7: { v: 1 }, other: 1 });

      // Assess
      expect(got.sort()).toEqual(['k3', 'k7']);
    });

    it('treats an empty prefix as any string, and a value where an object is named as no leaf', () => {
      // Prepare
      const matcher = new RuleMatcher<string>();
      matcher.add('any-string', { s: [{ prefix: '' }] });
      matcher.add('nested', { a: { b: [{ exists: false }] } });
      matcher.add('nested-value', { a: { b: [5] } });

      // Act
      const fromObject = matcher.matchesFor({ s: '', a: 5 });
      const fromJson = matcher.matchesForJson('{"s": 1, "a": 5}');

      // Assess
      expect(fromObject.sort()).toEqual(['any-string', 'nested']);
      expect(fromJson).toEqual(['nested']);
    });

    it('matches nothing for a non-object event', () => {
      // Prepare
      const matcher = new RuleMatcher<string>();
      matcher.add('r', { a: [{ exists: false }] });

      // Act
      const got = matcher.matchesFor([] as unknown as object);

      // Assess
      expect(got).toEqual(['r']);
    });
  });

  describe('Method: matchesForJson', () => {
    it('decodes escaped strings, numbers in every form, literals and nested arrays', () => {
      // Prepare
      const matcher = new RuleMatcher<string>();
      matcher.add('s', { s: ['a"b\\c\u00e9'] });
      matcher.add('n', { n: [{ numeric: ['=', 300] }] });
      matcher.add('l', { l: [true, false, null] });
      matcher.add('deep', { a: { b: [2] } });
      matcher.add('escaped-key', { k: { ab: ['v'] } });
      const json =
        ' { "skip" : [ {"x": "}]\\"" }, -1.5e-3, true, null ], "s" : "a\\"b\\\\c\\u00e9",' +
        ' "n": 3.0e2, "l": [true], "a": [[{"b": 1}], [{"b": 2}]], "k": {"x": 1, "a\\u0062": "v"} } ';

      // Act
      const got = matcher.matchesForJson(json);

      // Assess
      expect(got.sort()).toEqual(['deep', 'escaped-key', 'l', 'n', 's']);
    });

    it.each([
      ['[]', 'the event must be a JSON object'],
      ['{"a":1} x', 'unexpected text after the event'],
      ['{1:2}', 'expected a field name'],
      ['{"a" 1}', "expected ':'"],
      ['{"a":1 "b":2}', "expected ',' or '}'"],
      ['{"a":[1 2]}', "expected ',' or ']'"],
      ['{"a":"x', 'unterminated string'],
      ['{"a":-}', 'bad number'],
      ['{"a":1.}', 'bad number'],
      ['{"a":1e}', 'bad number'],
      ['{"a":nope}', 'expected a value'],
      ['{"a":"\\x"}', 'bad string'],
      ['{"z":[1,{"q":2}', 'unterminated object or array'],
      ['{"z":["abc', 'unterminated string'],
      ['{"z":}', 'expected a value'],
    ])('throws InvalidEventError for %s', (json, message) => {
      // Prepare
      const matcher = new RuleMatcher<string>();
      matcher.add('r', { a: [{ exists: true }] });

      // Act
      const act = () => matcher.matchesForJson(json);

      // Assess
      expect(act).toThrow(InvalidEventError);
      expect(act).toThrow(message);
    });
  });

  describe('Property: agrees with matchesEventPattern', () => {
    const value = fc.oneof(
      fc.constantFrom('a', 'ab', 'b', 'AB', '', '10.0.0.1', '111'),
      fc.constantFrom(0, 1, 5, 111, -2.5),
      fc.constantFrom(true, false, null),
    );
    const operand = fc.oneof(
      value.filter((v) => typeof v !== 'object' || v === null),
      fc.constantFrom(
        { prefix: 'a' },
        { suffix: 'b' },
        { prefix: { 'equals-ignore-case': 'A' } },
        { 'equals-ignore-case': 'ab' },
        { wildcard: 'a*' },
        { 'anything-but': ['a', 'b'] },
        { 'anything-but': 111 },
        { 'anything-but': { prefix: 'a' } },
        { 'anything-but': { wildcard: '*b' } },
        { numeric: ['>', 0, '<=', 5] },
        { numeric: ['<', 1] },
        { numeric: ['>=', 5] },
        { numeric: ['=', 111] },
        { cidr: '10.0.0.0/8' },
        { exists: true },
        { exists: false },
      ),
    );
    const field = fc.constantFrom('x', 'y', 'z');
    const leafPattern = fc.dictionary(field, fc.array(operand, { minLength: 1, maxLength: 3 }), {
      minKeys: 1,
      maxKeys: 3,
    });
    const pattern = fc.oneof(
      leafPattern,
      fc.record({ d: leafPattern }),
      fc.record({ d: leafPattern, $or: fc.tuple(leafPattern, leafPattern) }),
    );
    const leaf = fc.oneof(value, fc.array(value, { maxLength: 3 }));
    const flat = fc.dictionary(field, leaf, { maxKeys: 3 });
    const event = fc.record(
      {
        x: leaf,
        y: leaf,
        d: fc.oneof(flat, fc.array(flat, { maxLength: 3 })),
      },
      { requiredKeys: [] },
    );

    it('gives the same answer from objects, JSON text and the single-pattern evaluator', () => {
      fc.assert(
        fc.property(fc.array(pattern, { minLength: 1, maxLength: 6 }), event, (patterns, e) => {
          // Prepare
          const matcher = new RuleMatcher<number>();
          for (const [i, p] of patterns.entries()) matcher.add(i, p);
          const expected = patterns.flatMap((p, i) =>
            matchesEventPattern(compileEventPattern(p), e) ? [i] : [],
          );

          // Act
          const fromObject = matcher.matchesFor(e).sort();
          const fromJson = matcher.matchesForJson(JSON.stringify(e)).sort();

          // Assess
          expect(fromObject).toEqual(expected);
          expect(fromJson).toEqual(expected);
        }),
        { numRuns: 400, seed: 11 },
      );
    });
  });
});
