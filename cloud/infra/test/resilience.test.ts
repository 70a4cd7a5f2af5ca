import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Resource, type Synthesized, synthesize, type TemplateJson } from './synth.js';

let synth: Synthesized;
let template: Template;
const resources = (type: string): Record<string, Resource> =>
  template.findResources(type) as Record<string, Resource>;
const logicalIdOf = (ref: unknown): string | undefined => {
  const r = ref as { Ref?: string; 'Fn::GetAtt'?: [string, string] } | undefined;
  return r?.Ref ?? r?.['Fn::GetAtt']?.[0];
};

/**
 * Queues where failed work ends, found from what points at them: redrive policies, the IoT
 * rules' error action, Lambda on-failure destinations, bus targets' DLQs, and the error
 * queue the ingest function writes refused messages to.
 */
function deadLetterQueueIds(): Set<string> {
  const ids = new Set<string>();
  const add = (ref: unknown) => {
    const id = logicalIdOf(ref);
    if (id) ids.add(id);
  };
  for (const q of Object.values(resources('AWS::SQS::Queue')))
    add(q.Properties.RedrivePolicy?.deadLetterTargetArn);
  for (const r of Object.values(resources('AWS::IoT::TopicRule')))
    add(r.Properties.TopicRulePayload.ErrorAction?.Sqs?.QueueUrl);
  for (const c of Object.values(resources('AWS::Lambda::EventInvokeConfig'))) {
    add(c.Properties.DestinationConfig?.OnFailure?.Destination);
  }
  for (const r of Object.values(resources('AWS::Events::Rule'))) {
    for (const t of r.Properties.Targets ?? []) add(t.DeadLetterConfig?.Arn);
  }
  for (const f of Object.values(resources('AWS::Lambda::Function')))
    add(f.Properties.Environment?.Variables?.ERROR_QUEUE_URL);
  return ids;
}

// No bundling (the code is checked in smartdoor-stack.test.ts); cdk-nag's AwsSolutions pack on.
beforeAll(() => {
  synth = synthesize({
    bundle: false,
    nag: true,
    context: {
      alarmEmails: 'ops@example.com',
      notificationEmails: 'desk@example.com',
      webhookUrl: 'https://hooks.example.com/door',
      webhookSecretName: 'smartdoor/webhook',
    },
  });
  template = synth.template;
}, 300_000);
afterAll(() => synth?.cleanup());

describe('Class: SmartdoorStack (failure paths)', () => {
  describe('Queues', () => {
    it('gives every queue a DLQ with a maximum receive count, except the DLQs themselves', () => {
      // Prepare
      const dlqs = deadLetterQueueIds();
      // Act
      const queues = Object.entries(resources('AWS::SQS::Queue'));
      const buffers = queues.filter(([id]) => !dlqs.has(id));
      // Assess
      expect(dlqs.size).toBe(6);
      expect(buffers.map(([id]) => id).sort()).toEqual([
        expect.stringMatching(/^IdentificationQueue[0-9A-F]{8}$/),
        expect.stringMatching(/^NotificationQueue[0-9A-F]{8}$/),
      ]);
      for (const [, q] of buffers) {
        expect(dlqs.has(logicalIdOf(q.Properties.RedrivePolicy?.deadLetterTargetArn)!)).toBe(true);
        expect(q.Properties.RedrivePolicy.maxReceiveCount).toBeGreaterThan(1);
        // Lambda's advice for SQS event sources: at least six times the function timeout.
        expect(q.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * 30);
      }
      for (const [id, q] of queues) if (dlqs.has(id)) expect(q.Properties.RedrivePolicy, id).toBeUndefined();
    });

    it('alarms on the depth of every DLQ, to the alarm topic', () => {
      // Prepare
      const alarmTopic = template.getResourceId('AWS::SNS::Topic', {
        Properties: { DisplayName: 'smartdoor alarms' },
      });
      // Act
      const watched = Object.values(resources('AWS::CloudWatch::Alarm'))
        .filter((a) => a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible')
        .map((a) => {
          expect(a.Properties.AlarmActions.map(logicalIdOf)).toEqual([alarmTopic]);
          return logicalIdOf(a.Properties.Dimensions[0].Value);
        });
      // Assess
      expect(new Set(watched)).toEqual(deadLetterQueueIds());
    });
  });

  describe('Functions', () => {
    it('gives every function a DLQ, an on-failure destination, or a source queue with a DLQ', () => {
      // Prepare
      const functions = resources('AWS::Lambda::Function');
      const invokeConfigs = Object.values(resources('AWS::Lambda::EventInvokeConfig'));
      const mappings = Object.values(resources('AWS::Lambda::EventSourceMapping'));
      const queues = resources('AWS::SQS::Queue');
      // Invoked synchronously, where a DLQ or destination never applies: the pre-provisioning
      // hook (IoT Core waits for its answer; a failure is ACCESS_DENIED to the device, which
      // retries; its Errors are alarmed on) and CDK's custom resource provider (CloudFormation
      // waits for it; a failure fails the deployment).
      const synchronous = [/^PreProvisioningHook[0-9A-F]{8}$/, /^AWS679f53fac002430cb0da5b7982bd2287/];
      // Act
      const unprotected = Object.entries(functions).filter(([id, f]) => {
        if (synchronous.some((re) => re.test(id))) return false;
        if (f.Properties.DeadLetterConfig?.TargetArn) return false;
        if (
          invokeConfigs.some(
            (c) => logicalIdOf(c.Properties.FunctionName) === id && c.Properties.DestinationConfig?.OnFailure,
          )
        ) {
          return false;
        }
        return !mappings.some(
          (m) =>
            logicalIdOf(m.Properties.FunctionName) === id &&
            queues[logicalIdOf(m.Properties.EventSourceArn)!]?.Properties.RedrivePolicy,
        );
      });
      // Assess
      expect(Object.keys(functions)).toHaveLength(5);
      expect(unprotected.map(([id]) => id)).toEqual([]);
    });

    it('reads the subscriber queues with partial batch failures reported', () => {
      template.resourcePropertiesCountIs(
        'AWS::Lambda::EventSourceMapping',
        { FunctionResponseTypes: ['ReportBatchItemFailures'] },
        2,
      );
    });

    it('runs every handler on arm64 with X-Ray tracing and the Powertools settings, and alarms on its errors', () => {
      // Act
      const handlers = Object.entries(resources('AWS::Lambda::Function')).filter(
        ([, f]) => f.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME,
      );
      const errorAlarms = Object.values(resources('AWS::CloudWatch::Alarm'))
        .filter((a) => a.Properties.MetricName === 'Errors')
        .map((a) => logicalIdOf(a.Properties.Dimensions[0].Value));
      // Assess
      expect(handlers).toHaveLength(4);
      for (const [id, f] of handlers) {
        expect(f.Properties).toMatchObject({
          Architectures: ['arm64'],
          TracingConfig: { Mode: 'Active' },
          Runtime: 'nodejs24.x',
          Environment: { Variables: { POWERTOOLS_METRICS_NAMESPACE: 'smartdoor' } },
        });
        expect(errorAlarms).toContain(id);
        // Its own role: no managed policy, logs only to its own log group.
        const role = resources('AWS::IAM::Role')[logicalIdOf(f.Properties.Role)!]!;
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
        const logs = Object.values(resources('AWS::IAM::Policy'))
          .filter((p) =>
            p.Properties.Roles.some((r: TemplateJson) => logicalIdOf(r) === logicalIdOf(f.Properties.Role)),
          )
          .flatMap((p) => p.Properties.PolicyDocument.Statement)
          .filter((st: TemplateJson) => JSON.stringify(st.Action).includes('logs:'));
        expect(logs.map((st: TemplateJson) => logicalIdOf(st.Resource))).toEqual([
          logicalIdOf(f.Properties.LoggingConfig.LogGroup),
        ]);
      }
    });
  });

  describe('Notification targets', () => {
    it('subscribes the given addresses and hands the webhook secret over as a dynamic reference', () => {
      // Prepare
      const fn = Object.values(resources('AWS::Lambda::Function')).find(
        (f) => f.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === 'smartdoor-notification',
      )!;
      // Act
      const env = fn.Properties.Environment.Variables;
      // Assess
      expect(env.WEBHOOK_URL).toBe('https://hooks.example.com/door');
      expect(env.WEBHOOK_SECRET).toBe('{{resolve:secretsmanager:smartdoor/webhook:SecretString:::}}');
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'ops@example.com',
      });
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'desk@example.com',
      });
    });
  });

  describe('Tables', () => {
    it('expires idempotency records and correlations through TTL, as the handlers expect', () => {
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
      });
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      });
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [{ AttributeName: 'badgeRef', KeyType: 'HASH' }],
      });
      template.allResources('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Retain',
        Properties: Match.objectLike({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        }),
      } as never);
    });
  });

  describe('cdk-nag AwsSolutions', () => {
    it('reports no unsuppressed error or warning', () => {
      // Act
      const findings = [
        ...Annotations.fromStack(synth.stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
        ...Annotations.fromStack(synth.stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
      ].map((m) => `${m.id}: ${String(m.entry.data).split('\n')[0]}`);
      // Assess
      expect(findings).toEqual([]);
    });

    it('ran: its report lists compliant and suppressed findings', () => {
      // Act
      const report = readdirSync(synth.outdir).find((f) => /^AwsSolutions-.*-NagReport\.csv$/.test(f));
      const rows = readFileSync(join(synth.outdir, report ?? 'missing'), 'utf8').split('\n');
      // Assess
      expect(rows.some((r) => r.includes('"Compliant"'))).toBe(true);
      expect(rows.some((r) => r.includes('"Suppressed"'))).toBe(true);
      expect(rows.some((r) => r.includes('"Non-Compliant"'))).toBe(false);
    });

    it('gives every suppression a written reason', () => {
      // Act
      const suppressions = Object.values(template.toJSON().Resources as Record<string, TemplateJson>).flatMap(
        (r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? [],
      ) as Array<{ id: string; reason: string }>;
      // Assess
      expect(suppressions.length).toBeGreaterThan(0);
      for (const s of suppressions) expect(s.reason.length, s.id).toBeGreaterThan(40);
    });
  });
});
