import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { BUS_RULES } from '@smartdoor/cloud/definitions/bus-rules';
import { IOT_RULES, IOT_SQL_VERSION } from '@smartdoor/cloud/definitions/iot-rules';
import { notificationRecordBudgetMs } from '@smartdoor/cloud/handlers/notification/lambda-config';
import type { CfnElement } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Resource,
  renderArn,
  type Synthesized,
  synthesize,
  TEST_ACCOUNT,
  TEST_REGION,
  type TemplateJson,
} from './synth.js';

let synth: Synthesized;
let template: Template;
const resources = (type: string): Record<string, Resource> =>
  template.findResources(type) as Record<string, Resource>;
const logicalIdOf = (ref: unknown): string | undefined => {
  const r = ref as { Ref?: string; 'Fn::GetAtt'?: [string, string] } | undefined;
  return r?.Ref ?? r?.['Fn::GetAtt']?.[0];
};
const idOf = (construct: IConstruct): string =>
  synth.stack.getLogicalId(construct.node.defaultChild as CfnElement);
const policyNamed = (name: string) =>
  Object.values(resources('AWS::IoT::Policy')).find((p) => p.Properties.PolicyName === name)!.Properties
    .PolicyDocument as { Statement: Array<{ Action: string[]; Resource: unknown[]; Condition?: unknown }> };
const rendered = (doc: ReturnType<typeof policyNamed>) =>
  doc.Statement.map((s) => ({ ...s, Resource: s.Resource.map(renderArn) }));

const run = promisify(execFile);
const ARN = `arn:aws:iot:${TEST_REGION}:${TEST_ACCOUNT}`;
// biome-ignore lint/suspicious/noTemplateCurlyInString: an IoT policy variable, written as IoT Core reads it.
const T = '${iot:Connection.Thing.ThingName}';

// Bundling included: the handlers must build with the local esbuild. Under load this takes a while.
beforeAll(() => {
  synth = synthesize({ bundle: true, context: { stage: 'test' } });
  template = synth.template;
}, 300_000);
afterAll(() => synth?.cleanup());

describe('Class: SmartdoorStack', () => {
  describe('IoT policies', () => {
    it('gives a door exactly its own topics and shadow, through the thing policy variable', () => {
      // Act
      const statements = rendered(policyNamed('smartdoor-door-test'));
      // Assess
      expect(statements).toEqual([
        {
          Effect: 'Allow',
          Action: ['iot:Connect'],
          Resource: [`${ARN}:client/${T}`],
          Condition: { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } },
        },
        {
          Effect: 'Allow',
          Action: ['iot:Publish'],
          Resource: [
            `${ARN}:topic/smartdoor/${T}/events`,
            `${ARN}:topic/smartdoor/${T}/status`,
            `${ARN}:topic/$aws/things/${T}/shadow/get`,
            `${ARN}:topic/$aws/things/${T}/shadow/update`,
          ],
        },
        { Effect: 'Allow', Action: ['iot:RetainPublish'], Resource: [`${ARN}:topic/smartdoor/${T}/status`] },
        {
          Effect: 'Allow',
          Action: ['iot:Subscribe'],
          Resource: [
            `${ARN}:topicfilter/smartdoor/${T}/commands`,
            `${ARN}:topicfilter/$aws/things/${T}/shadow/get/*`,
            `${ARN}:topicfilter/$aws/things/${T}/shadow/update/*`,
          ],
        },
        {
          Effect: 'Allow',
          Action: ['iot:Receive'],
          Resource: [
            `${ARN}:topic/smartdoor/${T}/commands`,
            `${ARN}:topic/$aws/things/${T}/shadow/get/*`,
            `${ARN}:topic/$aws/things/${T}/shadow/update/*`,
          ],
        },
      ]);
    });

    it('limits the claim certificate to the fleet provisioning topics of its template', () => {
      // Act
      const statements = rendered(policyNamed('smartdoor-claim-test'));
      // Assess
      const topics = [
        '$aws/certificates/create-from-csr/*',
        '$aws/certificates/create/*',
        '$aws/provisioning-templates/smartdoor-door-test/provision/*',
      ];
      expect(statements).toEqual([
        // Only the agent's claim client ids: never a door's, which would knock the door off.
        { Effect: 'Allow', Action: ['iot:Connect'], Resource: [`${ARN}:client/claim-*`] },
        {
          Effect: 'Allow',
          Action: ['iot:Publish', 'iot:Receive'],
          Resource: topics.map((t) => `${ARN}:topic/${t}`),
        },
        {
          Effect: 'Allow',
          Action: ['iot:Subscribe'],
          Resource: topics.map((t) => `${ARN}:topicfilter/${t}`),
        },
      ]);
    });
  });

  describe('IoT topic rules', () => {
    it('deploys the SQL the local cloud runs, one rule per definition', () => {
      // Act
      const rules = Object.values(resources('AWS::IoT::TopicRule')).map((r) => r.Properties);
      // Assess
      expect(rules.map((r) => r.RuleName).sort()).toEqual(IOT_RULES.map((d) => `${d.name}_test`).sort());
      for (const definition of IOT_RULES) {
        const rule = rules.find((r) => r.RuleName === `${definition.name}_test`)!;
        expect(rule.TopicRulePayload.Sql).toBe(definition.sql);
        expect(rule.TopicRulePayload.AwsIotSqlVersion).toBe(IOT_SQL_VERSION);
      }
    });

    it('sends matches to the ingest function and failures to the rule error queue', () => {
      // Prepare
      const ingest = template.getResourceId('AWS::Lambda::Function', {
        Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'smartdoor-ingest' } } },
      });
      // Act
      const rules = Object.values(resources('AWS::IoT::TopicRule')).map((r) => r.Properties.TopicRulePayload);
      // Assess
      for (const rule of rules) {
        expect(rule.Actions.map((a: TemplateJson) => logicalIdOf(a.Lambda.FunctionArn))).toEqual([ingest]);
        expect(logicalIdOf(rule.ErrorAction.Sqs.QueueUrl)).toBe(idOf(synth.stack.iot.ruleErrors));
      }
      // Only these rules may invoke the function.
      template.resourcePropertiesCountIs(
        'AWS::Lambda::Permission',
        { Principal: 'iot.amazonaws.com', FunctionName: Match.objectLike({ 'Fn::GetAtt': [ingest, 'Arn'] }) },
        IOT_RULES.length,
      );
    });
  });

  describe('Fleet provisioning', () => {
    it('names the thing from SerialNumber, attaches the door policy and calls the hook', () => {
      // Prepare
      const hook = template.getResourceId('AWS::Lambda::Function', {
        Properties: {
          Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'smartdoor-pre-provisioning-hook' } },
        },
      });
      // Act
      const [t] = Object.values(resources('AWS::IoT::ProvisioningTemplate')).map((r) => r.Properties);
      const body = JSON.parse(t!.TemplateBody);
      // Assess
      expect(t!.TemplateName).toBe('smartdoor-door-test');
      expect(body.Resources.thing.Properties.ThingName).toEqual({
        'Fn::Join': ['', ['door-', { Ref: 'SerialNumber' }]],
      });
      expect(body.Resources.policy.Properties.PolicyName).toBe('smartdoor-door-test');
      expect(body.Resources.certificate.Properties.Status).toBe('ACTIVE');
      expect(logicalIdOf(t!.PreProvisioningHook.TargetArn)).toBe(hook);
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Principal: 'iot.amazonaws.com',
        FunctionName: { 'Fn::GetAtt': [hook, 'Arn'] },
        SourceArn: Match.anyValue(),
        SourceAccount: TEST_ACCOUNT,
      });
    });
  });

  describe('IoT roles', () => {
    it("lets IoT Core assume its roles only for this account's IoT resources", () => {
      // Act
      const trusts = Object.values(resources('AWS::IAM::Role'))
        .map((r) => r.Properties.AssumeRolePolicyDocument.Statement[0])
        .filter((st: TemplateJson) => st.Principal.Service === 'iot.amazonaws.com');
      // Assess
      expect(trusts).toHaveLength(2);
      for (const st of trusts) {
        expect(st.Condition.StringEquals).toEqual({ 'aws:SourceAccount': TEST_ACCOUNT });
        expect(renderArn(st.Condition.ArnLike['aws:SourceArn'])).toBe(`${ARN}:*`);
      }
    });
  });

  describe('Event bus', () => {
    it('deploys the local bus patterns verbatim, each to its subscriber queue', () => {
      // Act
      const rules = Object.values(resources('AWS::Events::Rule')).map((r) => r.Properties);
      // Assess
      expect(rules).toHaveLength(BUS_RULES.length);
      for (const definition of BUS_RULES) {
        const rule = rules.find((r) => r.Name === definition.name)!;
        expect(rule.EventPattern).toEqual(definition.eventPattern);
        const fn =
          definition.target === 'identification' ? synth.stack.identification : synth.stack.notification;
        const source = Object.values(resources('AWS::Lambda::EventSourceMapping')).find(
          (m) => logicalIdOf(m.Properties.FunctionName) === idOf(fn),
        )!;
        expect(logicalIdOf(rule.Targets[0].Arn)).toBe(logicalIdOf(source.Properties.EventSourceArn));
        expect(rule.Targets[0].DeadLetterConfig).toBeDefined();
      }
    });

    it("keeps each subscriber queue's messages invisible 6 x the function timeout plus the batching window", () => {
      // Act
      const mappings = Object.values(resources('AWS::Lambda::EventSourceMapping')).map((m) => m.Properties);
      // Assess: https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
      expect(mappings).toHaveLength(2);
      for (const m of mappings) {
        const fn = resources('AWS::Lambda::Function')[logicalIdOf(m.FunctionName)!]!.Properties;
        const queue = resources('AWS::SQS::Queue')[logicalIdOf(m.EventSourceArn)!]!.Properties;
        expect(m.MaximumBatchingWindowInSeconds).toBeGreaterThan(0);
        expect(queue.VisibilityTimeout).toBe(6 * fn.Timeout + m.MaximumBatchingWindowInSeconds);
      }
    });

    it("gives each subscriber batches its timeout holds at their worst (notification: its webhook's)", () => {
      // Act
      const mappings = Object.values(resources('AWS::Lambda::EventSourceMapping')).map((m) => m.Properties);
      const batchOf = (fn: IConstruct) => mappings.find((m) => logicalIdOf(m.FunctionName) === idOf(fn))!;
      const notification = batchOf(synth.stack.notification);
      const timeout = resources('AWS::Lambda::Function')[idOf(synth.stack.notification)]!.Properties.Timeout;
      // Assess
      expect(batchOf(synth.stack.identification).BatchSize).toBe(10);
      expect(notification.BatchSize).toBeGreaterThanOrEqual(1);
      expect(notification.BatchSize * notificationRecordBudgetMs()).toBeLessThanOrEqual(timeout * 1000);
    });

    it('archives every event of the bus', () => {
      template.hasResourceProperties('AWS::Events::Archive', {
        EventPattern: { account: [TEST_ACCOUNT] },
        SourceArn: Match.anyValue(),
      });
    });
  });

  describe('Function code', () => {
    it('bundles every handler as one ESM file with a require shim, by the local esbuild', () => {
      // Act
      const functions = Object.values(resources('AWS::Lambda::Function')).filter(
        (f) => f.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME,
      );
      // Assess
      expect(functions).toHaveLength(4);
      for (const f of functions) {
        expect(f.Properties.Handler).toBe('index.handler');
        const key: string = f.Properties.Code.S3Key;
        const bundle = join(synth.outdir, `asset.${key.replace(/\.zip$/, '')}`, 'index.mjs');
        expect(existsSync(bundle), bundle).toBe(true);
        const head = readFileSync(bundle, 'utf8').slice(0, 200);
        expect(head).toContain('createRequire');
      }
    });

    it('runs the bundled pre-provisioning hook: a malformed serial is refused without any AWS call', async () => {
      // Act
      const outcome = await invokeBundle(
        'smartdoor-pre-provisioning-hook',
        { ALLOW_LIST_TABLE: 'allow-list' },
        {
          certificateId: 'c',
          templateArn: 'arn',
          clientId: 'claim-x',
          parameters: { SerialNumber: 'a/b' },
        },
      );
      // Assess
      expect(outcome).toEqual({ result: { allowProvisioning: false } });
    });

    it.each([
      ['smartdoor-identification', 'IDEMPOTENCY_TABLE'],
      ['smartdoor-notification', 'NOTIFICATION_TABLE'],
    ])('loads the bundled %s function, which names a missing variable on its first invocation', async (service, variable) => {
      // Act
      const outcome = await invokeBundle(service, {}, { Records: [] });
      // Assess
      expect(outcome.error).toContain(variable);
    });
  });
});

/**
 * Invoke a bundle's handler once in a fresh Node process (as Lambda would load it, and
 * without the test runner transforming a megabyte of bundled code).
 */
async function invokeBundle(
  service: string,
  env: Record<string, string>,
  event: unknown,
): Promise<{ result?: unknown; error?: string }> {
  const script = `
    const { handler } = await import(${JSON.stringify(pathToFileURL(bundleOf(service)).href)});
    let out;
    try { out = { result: await handler(${JSON.stringify(event)}, { awsRequestId: 'r', functionName: 'f' }) }; }
    catch (e) { out = { error: String(e?.message ?? e) }; }
    process.stderr.write('\\n@@' + JSON.stringify(out) + '\\n');`;
  const { stderr } = await run(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH, AWS_REGION: TEST_REGION, ...env },
    timeout: 60_000,
  });
  const line = stderr.split('\n').find((l) => l.startsWith('@@'));
  if (!line) throw new Error(`no result from the ${service} bundle:\n${stderr}`);
  return JSON.parse(line.slice(2));
}

/** The bundle file of the function whose Powertools service name is `service`. */
function bundleOf(service: string): string {
  const f = Object.values(resources('AWS::Lambda::Function')).find(
    (r) => r.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === service,
  )!;
  return join(synth.outdir, `asset.${String(f.Properties.Code.S3Key).replace(/\.zip$/, '')}`, 'index.mjs');
}
