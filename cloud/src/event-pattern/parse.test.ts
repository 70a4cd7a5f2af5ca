import { describe, expect, it } from 'vitest';
import { InvalidEventPatternError } from './errors.js';
import { checkEventPattern, parseEventPattern } from './index.js';

const reason = (pattern: string | object): string | undefined =>
  checkEventPattern(pattern)?.replace('Event pattern is not valid. Reason: ', '');

describe('Function: checkEventPattern', () => {
  it.each([
    ['[1]', 'Filter is not an object'],
    [undefined as unknown as object, 'Filter is not an object'],
    ['{"a": ', 'Filter is not valid JSON'],
    [{}, 'Empty objects are not allowed'],
    [{ a: {} }, 'Empty objects are not allowed'],
    [{ a: 'x' }, '"a" must be an object or an array'],
    [{ a: [] }, 'Empty arrays are not allowed'],
    [{ a: [[1]] }, 'Match value must be String, number, true, false, or null'],
    [{ a: [{}] }, 'Match expression name not found'],
    [{ a: [{ prefix: 'x', suffix: 'y' }] }, 'Only one key allowed in match expression'],
    [{ a: [{ foo: 'x' }] }, 'Unrecognized match type foo'],
    [{ a: [{ prefix: 1 }] }, 'prefix match pattern must be a string'],
    [{ a: [{ suffix: { x: 'y' } }] }, 'Unsupported suffix pattern: x'],
    [{ a: [{ prefix: { 'equals-ignore-case': 1 } }] }, 'equals-ignore-case match pattern must be a string'],
    [{ a: [{ 'equals-ignore-case': ['x'] }] }, 'equals-ignore-case match pattern must be a string'],
    [{ a: [{ wildcard: 1 }] }, 'wildcard match pattern must be a string'],
    [{ a: [{ wildcard: 'a**b' }] }, 'Consecutive wildcard characters at pos 2'],
    [{ a: [{ wildcard: 'a\\b' }] }, 'Invalid escape character at pos 2'],
    [{ a: [{ exists: 1 }] }, 'exists match pattern must be either true or false.'],
    [{ a: [{ cidr: 1 }] }, 'cidr match pattern must be a string'],
    [{ a: [{ cidr: '10.0.0.0' }] }, "Malformed CIDR, one '/' required: 10.0.0.0"],
    [{ a: [{ cidr: '10.0.0.300/8' }] }, 'Nonsensical CIDR IP address: 10.0.0.300'],
    [{ a: [{ cidr: '10.0.0.0/x' }] }, 'Malformed CIDR, prefix length is not a number: 10.0.0.0/x'],
    [{ a: [{ cidr: '10.0.0.0/33' }] }, 'Malformed CIDR, prefix length 33 exceeds 32: 10.0.0.0/33'],
    [{ a: [{ numeric: 1 }] }, 'Value of numeric must be an array.'],
    [{ a: [{ numeric: [] }] }, 'Empty arrays are not allowed'],
    [{ a: [{ numeric: [1, 2] }] }, 'Invalid member in numeric match: 1'],
    [{ a: [{ numeric: ['>', 1, '<', 2, 3] }] }, 'Too many elements in numeric expression'],
    [{ a: [{ numeric: ['>', 'x'] }] }, 'Value of > must be numeric'],
    [{ a: [{ numeric: ['>', 6e9] }] }, 'Value of > must be between -5.0E9 and 5.0E9 inclusive: 6000000000'],
    [{ a: [{ numeric: ['=', 1, '<', 2] }] }, 'Too many elements in numeric expression'],
    [{ a: [{ numeric: ['<', 1, '<', 2] }] }, 'Too many elements in numeric expression'],
    [{ a: [{ numeric: ['>', 1, 2, 3] }] }, 'Bad value in numeric range: 2'],
    [{ a: [{ numeric: ['>', 1, '>', 3] }] }, 'Bad numeric range operator: >'],
    [{ a: [{ numeric: ['>', 3, '<', 1] }] }, 'Bottom must be less than top'],
    [{ a: [{ numeric: ['!', 3] }] }, 'Unrecognized numeric range operator: !'],
    [{ a: [{ 'anything-but': { foo: 'x' } }] }, 'Unsupported anything-but pattern: foo'],
    [{ a: [{ 'anything-but': { prefix: '' } }] }, 'Null prefix/suffix not allowed'],
    [{ a: [{ 'anything-but': { prefix: [] } }] }, 'Empty arrays are not allowed'],
    [
      { a: [{ 'anything-but': { suffix: 1 } }] },
      'anything-but/suffix match pattern must be a string or a list of strings',
    ],
    [{ a: [{ 'anything-but': { wildcard: 'a**' } }] }, 'Consecutive wildcard characters at pos 2'],
    [
      { a: [{ 'anything-but': true }] },
      'Value of anything-but must be an array or single string/number value.',
    ],
    [
      { a: [{ 'anything-but': ['x', null] }] },
      'Inside anything but list, start|null|boolean is not supported.',
    ],
    [
      { a: [{ 'anything-but': ['x', 1] }] },
      'Inside anything but list, either all values are number or string, mixed type is not supported',
    ],
    [
      { a: [{ 'anything-but': [] }] },
      'Inside anything but list, either all values are number or string, mixed type is not supported',
    ],
    [{ $or: {} }, 'It must be an Array followed with $or.'],
    [{ $or: [{ a: ['x'] }] }, 'There must have at least 2 Objects in $or relationship.'],
    [{ $or: [{ a: ['x'] }, 'b'] }, 'Only JSON object is allowed in array of $or relationship.'],
    [
      { $or: [{ a: ['x'] }, { prefix: ['y'] }] },
      'prefix is Ruler reserved fieldName which cannot be used inside $or.',
    ],
  ])('rejects %j with "%s"', (pattern, expected) => {
    // Act
    const got = reason(pattern);

    // Assess
    expect(got?.startsWith(expected)).toBe(true);
  });

  it('accepts every operator in a valid pattern', () => {
    // Prepare
    const pattern = {
      a: ['x', 1, true, null, '10.0.0.1'],
      b: [{ prefix: 'p' }, { prefix: { 'equals-ignore-case': 'P' } }, { suffix: 's' }],
      c: [{ 'equals-ignore-case': 'E' }, { wildcard: 'a*b\\*c\\\\' }, { exists: false }],
      d: [{ numeric: ['=', 1] }, { numeric: ['>=', 0, '<', 5] }, { numeric: ['<=', 9] }, { cidr: '::1/128' }],
      e: [
        { 'anything-but': 1 },
        { 'anything-but': { 'equals-ignore-case': 'X' } },
        { 'anything-but': { wildcard: ['a*'] } },
      ],
    };

    // Act
    const got = checkEventPattern(JSON.stringify(pattern));

    // Assess
    expect(got).toBeUndefined();
  });

  it('rejects a pattern longer than the limit, and accepts it with a larger limit', () => {
    // Prepare
    const pattern = { a: ['x'.repeat(3000)] };

    // Act
    const got = reason(pattern);
    const relaxed = () => parseEventPattern(pattern, { maxLength: 4096 });

    // Assess
    expect(got).toBe('Event pattern is 3010 characters long; the limit is 2048');
    expect(relaxed).not.toThrow();
  });

  it('rejects a pattern whose $or expands beyond the limit', () => {
    // Prepare: 4 nested $or of 2 branches, 16 alternatives
    const or = (name: string) => ({ $or: [{ [`${name}1`]: ['x'] }, { [`${name}2`]: ['y'] }] });
    const pattern = { a: or('a'), b: or('b'), c: or('c'), d: or('d') };

    // Act
    const act = () => parseEventPattern(pattern, { maxAlternatives: 10 });

    // Assess
    expect(act).toThrow(/too complex: \$or expands to more than 10 combinations/);
    expect(parseEventPattern(pattern)).toHaveLength(16);
  });
});

describe('Function: parseEventPattern', () => {
  it('throws InvalidEventPatternError carrying the reason and the field path', () => {
    // Prepare
    const pattern = { detail: { state: [{ foo: 1 }] } };

    // Act
    let error: unknown;
    try {
      parseEventPattern(pattern);
    } catch (e) {
      error = e;
    }

    // Assess
    expect(error).toBeInstanceOf(InvalidEventPatternError);
    expect(error).toMatchObject({
      name: 'InvalidEventPatternError',
      reason: 'Unrecognized match type foo',
      path: 'detail.state',
    });
  });

  it('expands $or into one alternative per branch, each keeping the fields beside it', () => {
    // Prepare
    const pattern = { source: ['s'], detail: { $or: [{ a: ['1'] }, { b: ['2'] }] } };

    // Act
    const alternatives = parseEventPattern(pattern);

    // Assess
    expect(alternatives.map((alt) => alt.map((t) => t.path))).toEqual([
      ['source', 'detail.a'],
      ['source', 'detail.b'],
    ]);
  });

  it('compares IP literals as addresses and lower-cases ignore-case operands', () => {
    // Prepare
    const pattern = { ip: ['2400:6500:FF00::36FB:1F80'], n: [{ 'equals-ignore-case': 'AbC' }] };

    // Act
    const [alt] = parseEventPattern(pattern);

    // Assess
    expect(alt![0]!.matchers).toEqual([{ kind: 'ip', value: '24006500ff0000000000000036fb1f80' }]);
    expect(alt![1]!.matchers).toEqual([{ kind: 'equals-ignore-case', value: 'abc' }]);
  });
});
