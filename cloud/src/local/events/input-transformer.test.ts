import type { BusEvent } from '@smartdoor/shared';
import { describe, expect, it } from 'vitest';
import { checkTargetInput, transformInput } from './input-transformer.js';
import { DEFAULT_RETRY_POLICY, type Target } from './model.js';

// Cases from https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html
// and the InputTransformer API reference, on the EC2 state-change event those pages use.
const EC2_EVENT: BusEvent = {
  version: '0',
  id: '7bf73129-1428-4cd3-a780-95db273d1602',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '123456789012',
  time: '2015-11-11T21:29:54Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111'],
  detail: { 'instance-id': 'i-0123456789', state: 'RUNNING' },
};
const CTX = {
  ruleArn: 'arn:aws:events:us-east-1:123456789012:rule/r',
  ruleName: 'r',
  ingestedAt: Date.parse('2015-11-11T21:29:55Z'),
};
const PATHS = { instance: '$.detail.instance-id', state: '$.detail.state' };

function target(extra: Partial<Target>): Target {
  return {
    id: 't',
    arn: 'arn:aws:lambda:us-east-1:1:function:f',
    retryPolicy: DEFAULT_RETRY_POLICY,
    ...extra,
  };
}
const render = (inputTemplate: string, inputPathsMap: Record<string, string> = PATHS) =>
  transformInput(target({ inputTransformer: { inputPathsMap, inputTemplate } }), EC2_EVENT, CTX);

describe('Function: transformInput', () => {
  it('passes the whole event when no input is configured', () => {
    // Act
    const out = transformInput(target({}), EC2_EVENT, CTX);
    // Assess
    expect(out.value).toEqual(EC2_EVENT);
  });

  it('passes constant Input and the part InputPath selects', () => {
    // Act
    const constant = transformInput(target({ input: '{"fixed":1}' }), EC2_EVENT, CTX);
    const part = transformInput(target({ inputPath: '$.detail' }), EC2_EVENT, CTX);
    // Assess
    expect(constant).toEqual({ value: { fixed: 1 }, text: '{"fixed":1}' });
    expect(part.value).toEqual(EC2_EVENT.detail);
  });

  it('renders a quoted string template with the values as text', () => {
    // Act
    const out = render('"instance <instance> is in <state>"');
    // Assess
    expect(out.text).toBe('"instance i-0123456789 is in RUNNING"');
    expect(out.value).toBe('instance i-0123456789 is in RUNNING');
  });

  it('renders a plain-text template unescaped', () => {
    // Act
    const out = render('<instance> is in state <state>');
    // Assess
    expect(out.text).toBe('i-0123456789 is in state RUNNING');
  });

  it('puts JSON values outside quotes and text inside quotes in a JSON template', () => {
    // Act
    const out = render('{"instance": <instance>, "state": [9, <state>, true], "Transformed": "Yes"}');
    const mixed = render('{"myInstance": <instance>,"myStatus": "<instance> is in state \\"<state>\\""}');
    // Assess
    expect(out.value).toEqual({ instance: 'i-0123456789', state: [9, 'RUNNING', true], Transformed: 'Yes' });
    expect(mixed.value).toEqual({
      myInstance: 'i-0123456789',
      myStatus: 'i-0123456789 is in state "RUNNING"',
    });
  });

  it('fills the predefined variables', () => {
    // Act
    const out = render(
      '{"arn": <aws.events.rule-arn>, "name": "<aws.events.rule-name>", "at": <aws.events.event.ingestion-time>, "event": <aws.events.event>, "full": <aws.events.event.json>}',
      {},
    );
    // Assess
    const { detail: _d, ...withoutDetail } = EC2_EVENT;
    expect(out.value).toEqual({
      arn: CTX.ruleArn,
      name: 'r',
      at: '2015-11-11T21:29:55.000Z',
      event: withoutDetail,
      full: EC2_EVENT,
    });
  });

  it('inserts objects as JSON and a missing path as null (or empty text in a string)', () => {
    // Act
    const out = render('{"d": <d>, "none": <none>, "s": "[<none>]"}', {
      d: '$.detail',
      none: '$.detail.nope',
    });
    // Assess
    expect(out.value).toEqual({ d: EC2_EVENT.detail, none: null, s: '[]' });
  });

  it('escapes a value with quotes inside a JSON string so the result stays JSON', () => {
    // Prepare
    const event = { ...EC2_EVENT, detail: { note: 'say "hi"\n' } };
    // Act
    const out = transformInput(
      target({
        inputTransformer: { inputPathsMap: { note: '$.detail.note' }, inputTemplate: '{"msg": "<note>"}' },
      }),
      event,
      CTX,
    );
    // Assess
    expect(out.value).toEqual({ msg: 'say "hi"\n' });
  });

  it('reads array indices and wildcards in paths', () => {
    // Act
    const out = render('{"first": <r>, "all": <all>}', { r: '$.resources[0]', all: '$.resources[*]' });
    // Assess
    expect(out.value).toEqual({ first: EC2_EVENT.resources[0], all: EC2_EVENT.resources });
  });
});

describe('Function: checkTargetInput', () => {
  it('refuses more than one input kind, bad JSON, reserved keys and bad paths', () => {
    // Act + Assess
    expect(checkTargetInput({ input: '{}', inputPath: '$' })).toMatch(/Only one of/);
    expect(checkTargetInput({ input: '{nope' })).toMatch(/not valid JSON/);
    expect(
      checkTargetInput({ inputTransformer: { inputPathsMap: { 'aws.x': '$' }, inputTemplate: 'x' } }),
    ).toMatch(/key/);
    expect(
      checkTargetInput({ inputTransformer: { inputPathsMap: { a: 'detail' }, inputTemplate: 'x' } }),
    ).toMatch(/must start with \$/);
    expect(
      checkTargetInput({ inputTransformer: { inputPathsMap: { a: '$.detail' }, inputTemplate: '<a>' } }),
    ).toBeUndefined();
  });
});
