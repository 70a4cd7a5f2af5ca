import { NagSuppressions } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import type { SmartdoorStack } from './smartdoor-stack.js';

const BASIC_EXECUTION_ROLE =
  'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';

/**
 * The cdk-nag AwsSolutions findings this app accepts, each with its reason. Every
 * suppression names the exact finding (`appliesTo`) where the rule allows it, so a new
 * wildcard or managed policy still fails the check.
 */
export function applyNagSuppressions(stack: SmartdoorStack): void {
  const suppress = (construct: IConstruct, id: string, reason: string, appliesTo?: string[]): void => {
    NagSuppressions.addResourceSuppressions(
      construct,
      [{ id, reason, ...(appliesTo ? { appliesTo } : {}) }],
      true,
    );
  };

  // Queues where failed work ends. cdk-nag recognises a DLQ only as another queue's
  // redrive target; these are dead-letter queues of other kinds.
  const sinks: Array<[IConstruct, string]> = [
    [stack.iot.ruleErrors, "the IoT topic rules' error action target"],
    [stack.ingestErrors, 'where the ingest function puts the door messages it refuses, with the reason'],
    [stack.ingestDlq, "the ingest function's on-failure destination"],
    [stack.events.targetDlq, "the dead-letter queue of the bus rules' SQS targets"],
  ];
  for (const [queue, what] of sinks) {
    suppress(
      queue,
      'AwsSolutions-SQS3',
      `This queue is a dead-letter queue (${what}); a DLQ behind it would only move the same messages. Its depth is alarmed on.`,
    );
  }

  // Each function has its own role (SmartdoorFunction), a sibling of the function.
  for (const fn of [stack.ingest, stack.preProvisioningHook, stack.identification, stack.notification]) {
    suppress(
      fn.role!,
      'AwsSolutions-IAM5',
      'X-Ray active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions (Resource "*").',
      ['Resource::*'],
    );
  }
  suppress(
    stack.identification.role!,
    'AwsSolutions-IAM5',
    'The buzzer command goes to the commands topic of whichever door the event came from: smartdoor/*/commands, nothing else.',
    [`Resource::arn:<AWS::Partition>:iot:${stack.region}:${stack.account}:topic/smartdoor/*/commands`],
  );
  suppress(
    stack.notification.role!,
    'AwsSolutions-IAM5',
    'Publishing to the KMS-encrypted notification topic needs kms:GenerateDataKey* on that one key (the grant CDK writes).',
    ['Action::kms:GenerateDataKey*'],
  );

  suppress(
    stack.iot,
    'AwsSolutions-IAM4',
    "AWSIoTThingsRegistration is the role policy AWS documents for fleet provisioning templates; the calls IoT makes on the template's behalf are not listed one by one.",
    ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSIoTThingsRegistration'],
  );

  // The IoT endpoint lookup (AwsCustomResource): its policy and CDK's singleton function.
  suppress(
    stack.iotEndpointLookup,
    'AwsSolutions-IAM5',
    'iot:DescribeEndpoint supports no resource-level permissions (Resource "*"); it is the only action allowed.',
    ['Resource::*'],
  );
  NagSuppressions.addResourceSuppressionsByPath(
    stack,
    `/${stack.node.path}/AWS679f53fac002430cb0da5b7982bd2287`,
    [
      {
        id: 'AwsSolutions-IAM4',
        reason:
          'The AwsCustomResource provider function CDK creates: AWSLambdaBasicExecutionRole, only for its own logs.',
        appliesTo: [BASIC_EXECUTION_ROLE],
      },
    ],
    true,
  );
}
