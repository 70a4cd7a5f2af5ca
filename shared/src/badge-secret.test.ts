import { describe, expect, it } from 'vitest';
import { badgeSecretFromEnv, decodeBadgeSecret } from './badge-secret.js';

describe('Function: badgeSecretFromEnv', () => {
  it('keeps the text as written and takes a blank value as none', () => {
    // Prepare / Act / Assess
    expect(badgeSecretFromEnv({ SMARTDOOR_BADGE_SECRET: ' spaced secret ' })).toBe(' spaced secret ');
    expect(badgeSecretFromEnv({ SMARTDOOR_BADGE_SECRET: '  ' })).toBeUndefined();
    expect(badgeSecretFromEnv({})).toBeUndefined();
  });
});

describe('Function: decodeBadgeSecret', () => {
  it('decodes hex and base64, takes anything else as UTF-8, and says what is wrong', () => {
    // Prepare / Act / Assess
    expect(decodeBadgeSecret('hex:00ff')).toEqual(Buffer.from([0, 255]));
    expect(decodeBadgeSecret('base64:AP8=')).toEqual(Buffer.from([0, 255]));
    expect(decodeBadgeSecret(' text ')).toEqual(Buffer.from(' text ', 'utf8'));
    expect(decodeBadgeSecret('hex:zz')).toBe('not valid hex');
    expect(decodeBadgeSecret('base64:*')).toBe('not valid base64');
  });
});
