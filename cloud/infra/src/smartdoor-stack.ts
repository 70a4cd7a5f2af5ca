import { notificationRecordBudgetMs } from '@smartdoor/cloud/handlers/notification/lambda-config';
import { CfnOutput, Duration, SecretValue, Stack, type StackProps } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { SmartdoorAlarms } from './alarms.js';
import { SmartdoorBus } from './bus.js';
import type { SmartdoorConfig } from './config.js';
import { SmartdoorIot } from './iot.js';
import { bufferQueue, deadLetterQueue } from './queues.js';
import { handlerEntry, SmartdoorFunction } from './smartdoor-function.js';
import { SmartdoorTables } from './tables.js';

export interface SmartdoorStackProps extends StackProps {
  config: SmartdoorConfig;
}

/**
 * The whole smartdoor cloud side on AWS: IoT Core (policies, rules, fleet provisioning),
 * the ingest function, the custom bus with its archive and rules, the subscribers behind
 * SQS buffers, their tables, SNS topics and the alarms. The rule SQL, bus patterns, table
 * keys and handler code are imported from cloud/src, the same the local cloud runs.
 */
export class SmartdoorStack extends Stack {
  readonly tables: SmartdoorTables;
  readonly events: SmartdoorBus;
  readonly iot: SmartdoorIot;
  readonly ingest: SmartdoorFunction;
  readonly preProvisioningHook: SmartdoorFunction;
  readonly identification: SmartdoorFunction;
  readonly notification: SmartdoorFunction;
  /** Door messages the ingest function refused, with the reason. */
  readonly ingestErrors: Queue;
  /** Ingest invocations that failed after Lambda's retries (on-failure destination). */
  readonly ingestDlq: Queue;
  readonly iotEndpointLookup: AwsCustomResource;
  readonly alarms: SmartdoorAlarms;

  constructor(scope: Construct, id: string, props: SmartdoorStackProps) {
    super(scope, id, props);
    const c = props.config;
    const retainLogs = c.retainData;

    const tables = new SmartdoorTables(this, 'Tables', { retainData: c.retainData });
    this.tables = tables;
    const bus = new SmartdoorBus(this, 'Events', {
      stage: c.stage,
      archiveRetentionDays: c.archiveRetentionDays,
      retainData: c.retainData,
    });
    this.events = bus;

    // SNS topics, encrypted with a key CloudWatch may use (the AWS managed SNS key is closed to it).
    const topicKey = new Key(this, 'TopicKey', {
      enableKeyRotation: true,
      description: 'smartdoor SNS topics (notifications, alarms)',
    });
    topicKey.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    const notificationTopic = new Topic(this, 'NotificationTopic', {
      displayName: 'smartdoor notifications',
      masterKey: topicKey,
      enforceSSL: true,
    });
    const alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: 'smartdoor alarms',
      masterKey: topicKey,
      enforceSSL: true,
    });
    for (const email of c.notificationEmails) notificationTopic.addSubscription(new EmailSubscription(email));
    for (const email of c.alarmEmails) alarmTopic.addSubscription(new EmailSubscription(email));

    // Ingest: invoked asynchronously by the topic rules. Records it refuses go to the error
    // queue with the reason; invocations that still fail after Lambda's retries go to the DLQ.
    const ingestErrors = deadLetterQueue(this, 'IngestErrors');
    this.ingestErrors = ingestErrors;
    const ingestDlq = deadLetterQueue(this, 'IngestDlq');
    this.ingestDlq = ingestDlq;
    const ingest = new SmartdoorFunction(this, 'Ingest', {
      entry: handlerEntry('ingest/lambda.ts'),
      serviceName: 'smartdoor-ingest',
      retainLogs,
      environment: { EVENT_BUS_NAME: bus.bus.eventBusName, ERROR_QUEUE_URL: ingestErrors.queueUrl },
    });
    this.ingest = ingest;
    ingest.configureAsyncInvoke({ onFailure: new SqsDestination(ingestDlq), retryAttempts: 2 });
    bus.bus.grantPutEventsTo(ingest);
    ingestErrors.grantSendMessages(ingest);

    // IoT Core answers RegisterThing within 5 s or refuses; the hook must be quick.
    const preProvisioningHook = new SmartdoorFunction(this, 'PreProvisioningHook', {
      entry: handlerEntry('pre-provisioning-hook/lambda.ts'),
      serviceName: 'smartdoor-pre-provisioning-hook',
      retainLogs,
      timeout: Duration.seconds(5),
      // More memory is more CPU: a shorter cold start, well inside IoT Core's 5 s.
      memorySize: 512,
      environment: { ALLOW_LIST_TABLE: tables.allowList.tableName },
    });
    this.preProvisioningHook = preProvisioningHook;
    tables.allowList.grantReadData(preProvisioningHook);

    const iot = new SmartdoorIot(this, 'Iot', { stage: c.stage, ingest, preProvisioningHook });
    this.iot = iot;

    // The account's ATS data endpoint, for the buzzer commands and the outputs
    // (https://docs.aws.amazon.com/iot/latest/apireference/API_DescribeEndpoint.html).
    const endpoint = new AwsCustomResource(this, 'DescribeIotEndpoint', {
      onUpdate: {
        service: 'IoT',
        action: 'DescribeEndpoint',
        parameters: { endpointType: 'iot:Data-ATS' },
        physicalResourceId: PhysicalResourceId.of('iot-data-ats-endpoint'),
      },
      policy: AwsCustomResourcePolicy.fromSdkCalls({ resources: AwsCustomResourcePolicy.ANY_RESOURCE }),
      installLatestAwsSdk: false,
    });
    this.iotEndpointLookup = endpoint;
    const iotEndpoint = endpoint.getResponseField('endpointAddress');

    const identificationTimeout = Duration.seconds(30);
    const identificationQueue = bufferQueue(this, 'IdentificationQueue', {
      functionTimeout: identificationTimeout,
    });
    const identification = new SmartdoorFunction(this, 'Identification', {
      entry: handlerEntry('identification/lambda.ts'),
      serviceName: 'smartdoor-identification',
      retainLogs,
      timeout: identificationTimeout,
      environment: {
        EVENT_BUS_NAME: bus.bus.eventBusName,
        QUEUE_URL: identificationQueue.queueUrl,
        IDEMPOTENCY_TABLE: tables.idempotency.tableName,
        CORRELATION_TABLE: tables.correlations.tableName,
        BADGE_TABLE: tables.badges.tableName,
        IOT_DATA_ENDPOINT: `https://${iotEndpoint}`,
        BADGE_WINDOW_SECONDS: String(c.badgeWindowSeconds),
      },
    });
    this.identification = identification;
    tables.idempotency.grantReadWriteData(identification);
    tables.correlations.grantReadWriteData(identification);
    tables.badges.grantReadData(identification);
    identificationQueue.grantSendMessages(identification);
    bus.bus.grantPutEventsTo(identification);
    identification.addToRolePolicy(
      new PolicyStatement({
        actions: ['iot:Publish'],
        resources: [
          this.formatArn({ service: 'iot', resource: 'topic', resourceName: 'smartdoor/*/commands' }),
        ],
      }),
    );

    // One record may take notificationRecordBudgetMs() (~20.6 s: the webhook's 3 attempts x 5 s
    // + backoff, and the AWS calls), so a batch of 10 does not fit in a minute. Batches are as
    // many records as the timeout holds at their worst (2): a record handed back untried (the
    // batch handler's safety net) would count a receive towards the DLQ without being tried.
    const notificationTimeout = Duration.seconds(60);
    const notificationBatch = Math.floor(notificationTimeout.toMilliseconds() / notificationRecordBudgetMs());
    if (notificationBatch < 1) {
      throw new Error('the notification timeout cannot hold one record at its worst');
    }
    const notificationQueue = bufferQueue(this, 'NotificationQueue', {
      functionTimeout: notificationTimeout,
    });
    const webhook: Record<string, string> =
      c.webhookUrl && c.webhookSecretName
        ? {
            WEBHOOK_URL: c.webhookUrl,
            // A dynamic reference: the template holds the secret's name, CloudFormation resolves it.
            WEBHOOK_SECRET: SecretValue.secretsManager(c.webhookSecretName).unsafeUnwrap(),
          }
        : {};
    const notification = new SmartdoorFunction(this, 'Notification', {
      entry: handlerEntry('notification/lambda.ts'),
      serviceName: 'smartdoor-notification',
      retainLogs,
      timeout: notificationTimeout,
      environment: {
        EVENT_BUS_NAME: bus.bus.eventBusName,
        QUEUE_URL: notificationQueue.queueUrl,
        IDEMPOTENCY_TABLE: tables.idempotency.tableName,
        NOTIFICATION_TABLE: tables.notifications.tableName,
        SNS_TOPIC_ARN: notificationTopic.topicArn,
        COLLAPSE_SECONDS: String(c.collapseSeconds),
        OFFLINE_GRACE_SECONDS: String(c.offlineGraceSeconds),
        ...webhook,
      },
    });
    this.notification = notification;
    tables.idempotency.grantReadWriteData(notification);
    tables.notifications.grantReadWriteData(notification);
    notificationQueue.grantSendMessages(notification);
    bus.bus.grantPutEventsTo(notification);
    notificationTopic.grantPublish(notification);

    const subscribers = {
      identification: { queue: identificationQueue, fn: identification },
      notification: { queue: notificationQueue, fn: notification, batchSize: notificationBatch },
    };
    bus.connect(subscribers);
    SmartdoorBus.consume(subscribers.identification);
    SmartdoorBus.consume(subscribers.notification);

    this.alarms = new SmartdoorAlarms(this, 'Alarms', {
      topic: alarmTopic,
      deadLetterQueues: {
        RuleErrors: iot.ruleErrors,
        IngestErrors: ingestErrors,
        IngestDlq: ingestDlq,
        BusTargetDlq: bus.targetDlq,
        IdentificationDlq: identificationQueue.deadLetterQueue!.queue,
        NotificationDlq: notificationQueue.deadLetterQueue!.queue,
      },
      functions: {
        Ingest: ingest,
        PreProvisioningHook: preProvisioningHook,
        Identification: identification,
        Notification: notification,
      },
    });

    const out = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description, exportName: `smartdoor-${c.stage}-${id}` });
    out('IotDataEndpoint', iotEndpoint, 'MQTT endpoint for the doors (port 8883, mTLS)');
    out('EventBusName', bus.bus.eventBusName, 'The smartdoor bus');
    out('ArchiveName', bus.archive.archiveName, 'The bus archive, for replay');
    out('DoorPolicyName', iot.doorPolicyName, 'IoT policy for door certificates');
    out('ClaimPolicyName', iot.claimPolicyName, 'IoT policy for the fleet provisioning claim certificate');
    out('ProvisioningTemplateName', iot.templateName, 'Fleet provisioning template (SerialNumber parameter)');
    out('ThingTypeName', iot.thingTypeName, 'Thing type of the doors');
    out(
      'AllowListTableName',
      tables.allowList.tableName,
      'Serial numbers that may provision (pk serialNumber)',
    );
    out('BadgeTableName', tables.badges.tableName, 'Badge directory (pk badgeRef)');
    out('NotificationTopicArn', notificationTopic.topicArn, 'SNS topic of the notifications');
    out('AlarmTopicArn', alarmTopic.topicArn, 'SNS topic of the alarms');
    out('RuleErrorsQueueUrl', iot.ruleErrors.queueUrl, 'Messages whose rule action failed');
    out(
      'IngestErrorsQueueUrl',
      ingestErrors.queueUrl,
      'Door messages the ingest function refused, with the reason',
    );
  }
}
