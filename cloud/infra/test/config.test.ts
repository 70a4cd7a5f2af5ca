import { describe, expect, it } from 'vitest';
import { readSmartdoorConfig, SmartdoorConfigError } from '../src/config.js';

const context = (values: Record<string, unknown>) => (key: string) => values[key];

describe('Function: readSmartdoorConfig', () => {
  it('gives a synth with no context and no credentials a fixed account and region', () => {
    // Act
    const config = readSmartdoorConfig(context({}), {});
    // Assess
    expect(config).toMatchObject({
      stage: 'dev',
      account: '000000000000',
      region: 'us-east-1',
      notificationEmails: [],
      badgeWindowSeconds: 10,
      retainData: true,
    });
  });

  it('prefers context over the CLI defaults, and reads lists and numbers given as text', () => {
    // Act
    const config = readSmartdoorConfig(
      context({
        stage: 'prod',
        account: '210987654321',
        region: 'eu-central-1',
        alarmEmails: 'ops@example.com, oncall@example.com',
        collapseSeconds: '0',
        retainData: 'false',
        webhookUrl: 'https://hooks.example.com/door',
        webhookSecretName: 'smartdoor/webhook',
      }),
      { CDK_DEFAULT_ACCOUNT: '123456789012', CDK_DEFAULT_REGION: 'us-west-2' },
    );
    // Assess
    expect(config).toMatchObject({
      stage: 'prod',
      account: '210987654321',
      region: 'eu-central-1',
      alarmEmails: ['ops@example.com', 'oncall@example.com'],
      collapseSeconds: 0,
      retainData: false,
      webhookUrl: 'https://hooks.example.com/door',
    });
  });

  it('lists every bad setting at once, each by name', () => {
    // Act
    let error: unknown;
    try {
      readSmartdoorConfig(
        context({
          stage: 'Prod!',
          account: '12',
          badgeWindowSeconds: '0',
          alarmEmails: 'not-an-address',
          webhookUrl: 'http://plain.example.com',
        }),
        {},
      );
    } catch (e) {
      error = e;
    }
    // Assess
    expect(error).toBeInstanceOf(SmartdoorConfigError);
    const problems = (error as SmartdoorConfigError).problems;
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'account',
      'alarmEmails',
      'badgeWindowSeconds',
      'stage',
      'webhookSecretName',
      'webhookUrl',
    ]);
    expect((error as Error).message).toContain('"http://plain.example.com" must be an https:// URL');
  });
});
