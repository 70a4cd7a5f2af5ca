import { describe, expect, it } from 'vitest';
import { deriveIdempotencyKey, isIdempotencyKey, newIdempotencyKey } from './ids.js';

describe('Function: newIdempotencyKey', () => {
  it('makes a time-ordered UUIDv7 from the injected clock and randomness', () => {
    // Prepare
    const source = { now: () => 1_763_812_800_123, random16: () => new Uint8Array(16).fill(7) };
    // Act
    const key = newIdempotencyKey(source);
    // Assess
    // The first 48 bits are the clock's milliseconds, so keys sort by creation time.
    expect(key.replace(/-/g, '').slice(0, 12)).toBe((1_763_812_800_123).toString(16).padStart(12, '0'));
    expect(key[14]).toBe('7');
    expect(newIdempotencyKey(source)).toBe(key);
    expect(isIdempotencyKey(key)).toBe(true);
  });

  it('makes distinct keys without a source', () => {
    const keys = new Set(Array.from({ length: 100 }, () => newIdempotencyKey()));
    expect(keys.size).toBe(100);
  });
});

describe('Function: deriveIdempotencyKey', () => {
  it('gives the same key for the same source and purpose, another for another purpose', () => {
    const source = '0193a1b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b';
    expect(deriveIdempotencyKey(source, 'identification')).toBe(
      deriveIdempotencyKey(source, 'identification'),
    );
    expect(deriveIdempotencyKey(source, 'identification')).not.toBe(
      deriveIdempotencyKey(source, 'notification'),
    );
    expect(isIdempotencyKey(deriveIdempotencyKey(source, 'x'))).toBe(true);
    expect(isIdempotencyKey('not-a-key')).toBe(false);
  });

  it('never changes its keys: events already emitted carry them (UUIDv5 of "purpose:source")', () => {
    // Prepare / Act / Assess: values from the first release; a new key here would let a
    // retried handler emit a result that consumers do not see as a repeat.
    expect(deriveIdempotencyKey('0193a1b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b', 'identification')).toBe(
      'a78787d5-8516-5e77-b268-7c5f2b2685ab',
    );
    expect(deriveIdempotencyKey('k', 'é:ü✓')).toBe('1c3a9b5d-0717-5140-af32-d0c65c670c8f');
  });
});
