import { describe, expect, it } from 'vitest';
import { jsonDepth } from './json-depth.js';

describe('Function: jsonDepth', () => {
  it('counts the levels of objects and arrays, scalars being none', () => {
    // Act + Assess
    expect(jsonDepth(1)).toBe(0);
    expect(jsonDepth(null)).toBe(0);
    expect(jsonDepth({})).toBe(1);
    expect(jsonDepth([1, 'a', null])).toBe(1);
    expect(jsonDepth({ a: 1, b: { c: [] } })).toBe(3);
    expect(jsonDepth([{ a: [[1]] }, 2, { b: 1 }])).toBe(4);
  });

  it('walks 100000 levels without overflowing the stack', () => {
    // Prepare
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`) as unknown;
    // Act + Assess
    expect(jsonDepth(deep)).toBe(100_000);
  });

  it('stops once past the limit, answering one level more than it', () => {
    // Prepare
    const deep = JSON.parse(`{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`) as unknown;
    // Act + Assess
    expect(jsonDepth(deep, 6)).toBe(7);
    expect(jsonDepth({ a: [1] }, 6)).toBe(2);
  });
});
