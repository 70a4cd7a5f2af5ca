/**
 * The doors' badge secret (the HMAC key of badge references), read the same way by the
 * agent and by the cloud's badge seed: were they to differ, every badge seeded by raw id
 * would be unknown at every door.
 */
export const BADGE_SECRET_ENV = 'SMARTDOOR_BADGE_SECRET';

/**
 * The secret's text from the environment, exactly as written: surrounding spaces are part
 * of a plain-text secret (the doors hash with them). Unset or blank means none.
 */
export function badgeSecretFromEnv(env: Record<string, string | undefined>): string | undefined {
  const text = env[BADGE_SECRET_ENV];
  return text === undefined || text.trim() === '' ? undefined : text;
}

/**
 * Decode a secret as written: `hex:...`, `base64:...`, else the text's UTF-8 bytes.
 * Returns the bytes, or why the text cannot be decoded (never the secret itself).
 */
export function decodeBadgeSecret(text: string): Buffer | string {
  if (text.startsWith('hex:')) {
    const hex = text.slice(4);
    return /^([0-9a-fA-F]{2})+$/.test(hex) ? Buffer.from(hex, 'hex') : 'not valid hex';
  }
  if (text.startsWith('base64:')) {
    const b64 = text.slice(7);
    return /^[A-Za-z0-9+/]+={0,2}$/.test(b64) ? Buffer.from(b64, 'base64') : 'not valid base64';
  }
  return Buffer.from(text, 'utf8');
}
