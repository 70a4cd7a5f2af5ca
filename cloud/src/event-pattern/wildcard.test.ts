import { describe, expect, it } from 'vitest';
import { parseWildcard, wildcardMatches } from './wildcard.js';

describe('Function: wildcardMatches', () => {
  it.each([
    ['abc', 'abc', true],
    ['abc', 'abcd', false],
    ['*', '', true],
    ['a*', 'a', true],
    ['*c', 'abc', true],
    ['a*c', 'ac', true],
    ['a*b*c', 'abbbc', true],
    ['a*b*c', 'acb', false],
    ['a*bc*bc', 'abcbc', true],
    ['ab*ab', 'ab', false],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'axb', false],
    ['a\\\\*', 'a\\x', true],
    ['*bbb*', 'z-bbb-z', true],
    ['x*y*z', 'xyz', true],
    ['x*yy*z', 'xyz', false],
  ])('matches %s against %s: %s', (pattern, value, expected) => {
    // Prepare
    const pieces = parseWildcard(pattern) as string[];

    // Act
    const got = wildcardMatches(pieces, value);

    // Assess
    expect(got).toBe(expected);
  });
});
