import { describe, expect, it } from 'vitest';
import { applyTemplate, LOCAL_PROVISIONING_TEMPLATE } from './provisioning-template.js';

describe('Function: applyTemplate', () => {
  it('names the thing from SerialNumber and keeps other parameters as attributes', () => {
    // Act
    const result = applyTemplate(LOCAL_PROVISIONING_TEMPLATE, {
      SerialNumber: 'SN-42',
      location: 'lobby',
      'AWS::IoT::Certificate::Id': 'abc',
    });

    // Assess
    expect(result).toEqual({
      ok: true,
      thingName: 'door-SN-42',
      attributes: { serialNumber: 'SN-42', location: 'lobby' },
    });
  });

  it.each([
    [{}, 'nothing'],
    [{ SerialNumber: 'has space' }, '"has space"'],
    [{ SerialNumber: 'x'.repeat(65) }, 'xxxx'],
    [{ SerialNumber: 7 }, '7'],
  ])('rejects parameters %j with InvalidParameters', (parameters, shown) => {
    // Act
    const result = applyTemplate(LOCAL_PROVISIONING_TEMPLATE, parameters);

    // Assess
    expect(result).toEqual({
      ok: false,
      errorCode: 'InvalidParameters',
      errorMessage: expect.stringContaining(shown),
    });
  });

  it('rejects parameters that are not an object', () => {
    // Act
    const result = applyTemplate(LOCAL_PROVISIONING_TEMPLATE, ['SN1']);

    // Assess
    expect(result.ok).toBe(false);
  });
});
