import { CLAIM_CLIENT_ID_PREFIX, TOPIC_ROOT } from '@smartdoor/shared';
import { PROVISIONING_TOPICS } from '../local/iot/provisioning-policy.js';

// The IoT policies and the provisioning template, one definition for both runtimes: the CDK
// stack attaches them (cloud/infra/src/iot.ts), and the local cloud stores the same documents
// and its broker enforces the door policy from this very document (local/iot/policy.ts).

/** An IoT policy document (https://docs.aws.amazon.com/iot/latest/developerguide/iot-policies.html). */
export interface IotPolicyDocument {
  Version: '2012-10-17';
  Statement: Array<{
    Effect: 'Allow';
    Action: string[];
    Resource: string[];
    Condition?: Record<string, Record<string, string>>;
  }>;
}

/** The thing a connection acts as: the thing attached to its certificate whose name is the client id. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: an IoT policy variable, resolved by IoT Core, not by JavaScript.
export const THING = '${iot:Connection.Thing.ThingName}';

/**
 * The door policy, attached to every door certificate. Least privilege through the thing
 * policy variables (https://docs.aws.amazon.com/iot/latest/developerguide/thing-policy-variables.html):
 * - connect only as its own thing, and only while the certificate is attached to that
 *   thing (`iot:Connection.Thing.IsAttached`); a persistent session needs nothing more;
 * - publish its events, its retained status (the last will is checked as a publish and,
 *   being retained, as iot:RetainPublish, at connect time:
 *   https://docs.aws.amazon.com/iot/latest/developerguide/mqtt.html#mqtt-retain),
 *   and its classic shadow's get and update;
 * - subscribe to and receive its commands and its shadow's answers (get/*, update/*,
 *   which includes update/delta).
 * `arn` is the ARN prefix `arn:PARTITION:iot:REGION:ACCOUNT` (tokens are fine).
 */
export function doorPolicyDocument(arn: string): IotPolicyDocument {
  const own = `${TOPIC_ROOT}/${THING}`;
  const shadow = `$aws/things/${THING}/shadow`;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['iot:Connect'],
        Resource: [`${arn}:client/${THING}`],
        Condition: { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } },
      },
      {
        Effect: 'Allow',
        Action: ['iot:Publish'],
        Resource: [
          `${arn}:topic/${own}/events`,
          `${arn}:topic/${own}/status`,
          `${arn}:topic/${shadow}/get`,
          `${arn}:topic/${shadow}/update`,
        ],
      },
      { Effect: 'Allow', Action: ['iot:RetainPublish'], Resource: [`${arn}:topic/${own}/status`] },
      {
        Effect: 'Allow',
        Action: ['iot:Subscribe'],
        Resource: [
          `${arn}:topicfilter/${own}/commands`,
          `${arn}:topicfilter/${shadow}/get/*`,
          `${arn}:topicfilter/${shadow}/update/*`,
        ],
      },
      {
        Effect: 'Allow',
        Action: ['iot:Receive'],
        Resource: [
          `${arn}:topic/${own}/commands`,
          `${arn}:topic/${shadow}/get/*`,
          `${arn}:topic/${shadow}/update/*`,
        ],
      },
    ],
  };
}

/**
 * The claim policy of the shared claim certificate: the fleet provisioning MQTT API and
 * nothing else (https://docs.aws.amazon.com/iot/latest/developerguide/provision-wo-cert.html).
 * Requests go to `.../json`, answers come back on `.../json/accepted|rejected`.
 */
export function claimPolicyDocument(arn: string, templateName: string): IotPolicyDocument {
  const topics = [
    PROVISIONING_TOPICS.createFromCsr,
    PROVISIONING_TOPICS.create,
    PROVISIONING_TOPICS.provision(templateName),
  ].map((t) => t.replace(/\/json$/, '/*'));
  return {
    Version: '2012-10-17',
    Statement: [
      // Every new device shares the claim certificate and has no thing yet, so no thing policy
      // variable applies; only claim client ids, so the certificate cannot take a door's client
      // id and knock the door off (DUPLICATE_CLIENTID).
      {
        Effect: 'Allow',
        Action: ['iot:Connect'],
        Resource: [`${arn}:client/${CLAIM_CLIENT_ID_PREFIX}*`],
      },
      {
        Effect: 'Allow',
        Action: ['iot:Publish', 'iot:Receive'],
        Resource: topics.map((t) => `${arn}:topic/${t}`),
      },
      { Effect: 'Allow', Action: ['iot:Subscribe'], Resource: topics.map((t) => `${arn}:topicfilter/${t}`) },
    ],
  };
}

/**
 * The fleet provisioning template body: a thing named `${thingNamePrefix}${SerialNumber}`
 * of the door thing type, the new certificate made ACTIVE, and the door policy on it
 * (https://docs.aws.amazon.com/iot/latest/developerguide/provision-template.html).
 */
export function provisioningTemplateBody(opts: {
  thingNamePrefix: string;
  thingTypeName: string;
  doorPolicyName: string;
}): Record<string, unknown> {
  return {
    Parameters: {
      SerialNumber: { Type: 'String' },
      'AWS::IoT::Certificate::Id': { Type: 'String' },
    },
    Resources: {
      thing: {
        Type: 'AWS::IoT::Thing',
        OverrideSettings: { AttributePayload: 'MERGE', ThingTypeName: 'REPLACE', ThingGroups: 'DO_NOTHING' },
        Properties: {
          ThingName: { 'Fn::Join': ['', [opts.thingNamePrefix, { Ref: 'SerialNumber' }]] },
          ThingTypeName: opts.thingTypeName,
          AttributePayload: { serialNumber: { Ref: 'SerialNumber' } },
        },
      },
      certificate: {
        Type: 'AWS::IoT::Certificate',
        Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' }, Status: 'ACTIVE' },
      },
      policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyName: opts.doorPolicyName } },
    },
  };
}
