import { createHmac, timingSafeEqual } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook } from './webhook.js';

describe('Function: signWebhook', () => {
  it('matches the verification snippet in cloud/src/handlers/README.md', () => {
    // Prepare: the README's receiver code, as written there.
    const secret = 'readme-secret';
    const timestamp = String(Math.floor(Date.now() / 1000));
    const rawBody = '{"id":"n-1","count":1}';
    const signature = signWebhook(secret, timestamp, rawBody);
    // Act
    const expected = `v1=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
    const ok =
      expected.length === signature.length &&
      timingSafeEqual(Buffer.from(expected), Buffer.from(signature)) &&
      Math.abs(Date.now() / 1000 - Number(timestamp)) <= 300;
    // Assess
    expect(ok).toBe(true);
    expect(verifyWebhook(secret, { timestamp, signature }, rawBody)).toBeUndefined();
  });
});
