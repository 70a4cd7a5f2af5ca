import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { badgeLogHash } from './badge-log-hash.js';

describe('Function: badgeLogHash', () => {
  it('tags one badge the same way within a run, and two badges apart', () => {
    // Prepare + Act + Assess
    expect(badgeLogHash('0A00B1C2D3')).toBe(badgeLogHash('0A00B1C2D3'));
    expect(badgeLogHash('0A00B1C2D3')).not.toBe(badgeLogHash('0A00B1C2D4'));
    expect(badgeLogHash('0A00B1C2D3')).toMatch(/^[0-9a-f]{8}$/);
  });

  it('cannot be checked against a guessed id with an unkeyed hash', () => {
    // Prepare
    const id = '0A00B1C2D3';
    const guess = createHash('sha256').update(id).digest('hex').slice(0, 8);
    // Act
    const tag = badgeLogHash(id);
    // Assess
    expect(tag).not.toBe(guess);
  });
});
