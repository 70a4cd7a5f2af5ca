import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkEventPattern, compileEventPattern, matchesEventPattern, RuleMatcher } from './index.js';

interface Case {
  name: string;
  pattern: object;
  event?: object;
  matches: boolean;
  invalid?: boolean;
  source: string;
}

const load = (file: string): Case[] =>
  JSON.parse(readFileSync(new URL(`../../test/fixtures/event-patterns/${file}`, import.meta.url), 'utf8'));

const cases = [
  ...load('eventbridge-patterns.json').map((c) => ({ file: 'event-ruler', ...c })),
  ...load('aws-docs-patterns.json').map((c) => ({ file: 'aws-docs', ...c })),
];

describe('Conformance: EventBridge event patterns', () => {
  it.each(cases)('[$file] $name', (c) => {
    // Prepare
    const error = checkEventPattern(c.pattern);
    if (c.invalid) {
      // Assess
      expect(error).toMatch(/^Event pattern is not valid\. Reason: /);
      return;
    }
    expect(error).toBeUndefined();
    const compiled = compileEventPattern(c.pattern);
    const matcher = new RuleMatcher<string>();
    matcher.add('rule', c.pattern);

    // Act
    const single = matchesEventPattern(compiled, c.event!);
    const fromObject = matcher.matchesFor(c.event!);
    const fromJson = matcher.matchesForJson(JSON.stringify(c.event));

    // Assess
    expect(single).toBe(c.matches);
    expect(fromObject).toEqual(c.matches ? ['rule'] : []);
    expect(fromJson).toEqual(c.matches ? ['rule'] : []);
  });
});
