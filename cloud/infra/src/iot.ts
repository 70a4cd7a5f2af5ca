import {
  claimPolicyDocument,
  doorPolicyDocument,
  provisioningTemplateBody,
} from '@smartdoor/cloud/definitions/iot-policies';
import { IOT_RULES, IOT_SQL_VERSION, type IotRuleActionName } from '@smartdoor/cloud/definitions/iot-rules';
import { LOCAL_PROVISIONING_TEMPLATE } from '@smartdoor/cloud/local/iot/provisioning-template';
import { stageDoorPolicyName } from '@smartdoor/cloud/provisioning/door-policy';
import { Arn, ArnFormat, Stack } from 'aws-cdk-lib';
import { ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnPolicy, CfnProvisioningTemplate, CfnThingType, CfnTopicRule } from 'aws-cdk-lib/aws-iot';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deadLetterQueue } from './queues.js';

export interface SmartdoorIotProps {
  stage: string;
  /** The function behind the rules' `ingest` action. */
  ingest: IFunction;
  /** The pre-provisioning hook function. */
  preProvisioningHook: IFunction;
}

/**
 * IoT Core: the door thing type and policy, the topic rules (the local cloud's SQL) with
 * an SQS error action, and fleet provisioning by claim (template, claim policy, hook).
 */
export class SmartdoorIot extends Construct {
  readonly thingTypeName: string;
  readonly doorPolicyName: string;
  readonly claimPolicyName: string;
  readonly templateName: string;
  /** Where a rule's failed actions go (IoT Core's errorAction). */
  readonly ruleErrors: Queue;
  readonly topicRules: CfnTopicRule[] = [];
  readonly #thingType: CfnThingType;
  readonly #doorPolicy: CfnPolicy;

  constructor(scope: Construct, id: string, props: SmartdoorIotProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const iotArn = `arn:${stack.partition}:iot:${stack.region}:${stack.account}`;
    this.thingTypeName = `smartdoor-door-${props.stage}`;
    // The name `smartdoor provision bulk --stage` attaches.
    this.doorPolicyName = stageDoorPolicyName(props.stage);
    this.claimPolicyName = `smartdoor-claim-${props.stage}`;
    this.templateName = `${LOCAL_PROVISIONING_TEMPLATE.templateName}-${props.stage}`;

    this.#thingType = new CfnThingType(this, 'DoorThingType', {
      thingTypeName: this.thingTypeName,
      thingTypeProperties: {
        thingTypeDescription: 'A smartdoor door agent',
        searchableAttributes: ['serialNumber'],
      },
    });
    this.#doorPolicy = new CfnPolicy(this, 'DoorPolicy', {
      policyName: this.doorPolicyName,
      policyDocument: doorPolicyDocument(iotArn),
    });
    new CfnPolicy(this, 'ClaimPolicy', {
      policyName: this.claimPolicyName,
      policyDocument: claimPolicyDocument(iotArn, this.templateName),
    });

    this.ruleErrors = deadLetterQueue(this, 'RuleErrors');
    this.#topicRules(props, stack);
    this.#provisioning(props, stack);
  }

  #topicRules(props: SmartdoorIotProps, stack: Stack): void {
    const role = new Role(this, 'RuleErrorActionRole', {
      assumedBy: iotPrincipal(stack),
      description: 'IoT topic rules: send failed messages to the rule error queue',
    });
    this.ruleErrors.grantSendMessages(role);
    const action = (name: IotRuleActionName): CfnTopicRule.ActionProperty =>
      name === 'ingest'
        ? { lambda: { functionArn: props.ingest.functionArn } }
        : { sqs: { queueUrl: this.ruleErrors.queueUrl, roleArn: role.roleArn, useBase64: false } };
    for (const definition of IOT_RULES) {
      const ruleName = `${definition.name}_${props.stage}`;
      const rule = new CfnTopicRule(this, `Rule_${definition.name}`, {
        ruleName,
        topicRulePayload: {
          description: definition.description,
          sql: definition.sql,
          awsIotSqlVersion: IOT_SQL_VERSION,
          ruleDisabled: false,
          actions: definition.actions.map(action),
          errorAction: action(definition.errorAction),
        },
      });
      this.topicRules.push(rule);
      if (definition.actions.includes('ingest')) {
        // The rule invokes the function asynchronously; only this rule may (confused deputy:
        // https://docs.aws.amazon.com/iot/latest/developerguide/lambda-rule-action.html).
        props.ingest.addPermission(`InvokeBy_${definition.name}`, {
          principal: new ServicePrincipal('iot.amazonaws.com'),
          sourceArn: rule.attrArn,
          sourceAccount: stack.account,
        });
      }
    }
  }

  #provisioning(props: SmartdoorIotProps, stack: Stack): void {
    const role = new Role(this, 'ProvisioningRole', {
      assumedBy: iotPrincipal(stack),
      description: 'Fleet provisioning: create door things and certificates',
      managedPolicies: [ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSIoTThingsRegistration')],
    });
    const templateArn = Arn.format(
      {
        service: 'iot',
        resource: 'provisioningtemplate',
        resourceName: this.templateName,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      },
      stack,
    );
    // Only this template may call the hook (https://docs.aws.amazon.com/iot/latest/developerguide/pre-provisioning-hook.html).
    props.preProvisioningHook.addPermission('InvokeByProvisioningTemplate', {
      principal: new ServicePrincipal('iot.amazonaws.com'),
      sourceArn: templateArn,
      sourceAccount: stack.account,
    });
    const template = new CfnProvisioningTemplate(this, 'ProvisioningTemplate', {
      templateName: this.templateName,
      description:
        'A door provisions itself with the claim certificate: thing door-<SerialNumber>, door policy',
      enabled: true,
      provisioningRoleArn: role.roleArn,
      templateBody: JSON.stringify(
        provisioningTemplateBody({
          thingNamePrefix: LOCAL_PROVISIONING_TEMPLATE.thingNamePrefix,
          thingTypeName: this.thingTypeName,
          doorPolicyName: this.doorPolicyName,
        }),
      ),
      preProvisioningHook: { targetArn: props.preProvisioningHook.functionArn, payloadVersion: '2020-04-01' },
    });
    // The hook's permission, the thing type and the door policy exist before the template names them.
    template.node.addDependency(props.preProvisioningHook, this.#thingType, this.#doorPolicy);
  }
}

/**
 * IoT Core as the principal of a role, for this account's IoT resources only
 * (https://docs.aws.amazon.com/iot/latest/developerguide/cross-service-confused-deputy-prevention.html).
 */
function iotPrincipal(stack: Stack): ServicePrincipal {
  return new ServicePrincipal('iot.amazonaws.com', {
    conditions: {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:iot:${stack.region}:${stack.account}:*` },
    },
  });
}
