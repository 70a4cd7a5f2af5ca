import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { REFERENCE_DOCS, renderReference, rows, schemaNode, typeText } from './config-reference.js';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');

describe('Script: config-reference', () => {
  it.each(
    REFERENCE_DOCS.map((d) => [d.file, d] as const),
  )('%s is what the schema says (else: npm run docs:config)', (file, doc) => {
    // Act
    const written = readFileSync(join(ROOT, file), 'utf8');
    // Assess
    expect(written).toBe(renderReference(doc));
  });

  it.each(REFERENCE_DOCS.map((d) => [d.file, d] as const))('%s says what every field is', (_file, doc) => {
    // Act
    const undescribed = rows(schemaNode(doc.schema)).filter((r) => r.description === '');
    // Assess: a new field without .describe() in the schema fails here
    expect(undescribed.map((r) => r.path)).toEqual([]);
  });

  it('names types in words: enums, ranges, nullables, formats, lists', () => {
    // Prepare
    const schema = z.object({
      mode: z.enum(['a', 'b']).describe('x'),
      port: z.number().int().min(0).max(65535).nullable().describe('x'),
      count: z.number().int().min(1).describe('x'),
      url: z.url().optional().describe('x'),
      tags: z.array(z.string()).default([]).describe('x'),
      nested: z.object({ deep: z.boolean().describe('x') }).describe('x'),
    });
    // Act
    const got = rows(schemaNode(schema));
    // Assess
    expect(got.map((r) => [r.path, r.type, r.default])).toEqual([
      ['mode', '`"a"`, `"b"`', 'required'],
      ['port', 'integer 0-65535 or null', 'required'],
      ['count', 'integer >= 1', 'required'],
      ['url', 'URL', '(none)'],
      ['tags', 'list of string', '`[]`'],
      ['nested.deep', 'boolean', 'required'],
    ]);
    expect(typeText({ type: 'number', maximum: 5 })).toBe('number <= 5');
    expect(typeText({ const: 'x' })).toBe('`"x"`');
    expect(typeText({})).toBe('any');
  });
});
