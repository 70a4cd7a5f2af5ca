import { createHash } from 'node:crypto';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { AwsEndpoint } from '../../local/aws-endpoint/aws-endpoint.js';
import { AwsServiceError } from '../../local/aws-endpoint/errors.js';
import { RestRouter } from '../../local/aws-endpoint/rest-router.js';
import { listenAwsEndpoint } from '../../local/aws-endpoint/server.js';

/**
 * Test double of the AWS services the subscribers call, behind the project's real local
 * endpoint, so tests drive the official SDK clients over HTTP. It records what arrives;
 * `failPutEvents` makes PutEvents refuse entries the way AWS does (200, FailedEntryCount).
 * For tests only: the real local bus and IoT Data Plane live in cloud/src/local.
 */
export interface RecordedEntry {
  Source: string;
  DetailType: string;
  Detail: Record<string, unknown>;
  Resources?: string[];
  EventBusName?: string;
  Time?: number | string;
}

export interface RecordingAws {
  url: string;
  entries: RecordedEntry[];
  publishes: Array<{ topic: string; qos: number; payload: Record<string, unknown> }>;
  snsMessages: Array<{ TopicArn: string; Subject?: string; Message: string }>;
  /** SQS SendMessage calls (awsJson1_0): the delayed checks. */
  sqsMessages: Array<{ QueueUrl: string; MessageBody: string; DelaySeconds?: number }>;
  /** Refuse the next n PutEvents entries with InternalFailure. */
  failPutEvents(n: number): void;
  /** Make the next n IoT Data Plane publishes fail with ServiceUnavailableException. */
  failPublishes(n: number): void;
  eventBridge: EventBridgeClient;
  iotData: IoTDataPlaneClient;
  sns: SNSClient;
  sqs: SQSClient;
  close(): Promise<void>;
}

export async function startRecordingAws(): Promise<RecordingAws> {
  const state = {
    entries: [] as RecordedEntry[],
    publishes: [] as RecordingAws['publishes'],
    snsMessages: [] as RecordingAws['snsMessages'],
    sqsMessages: [] as RecordingAws['sqsMessages'],
    failEntries: 0,
    failPublishes: 0,
  };
  const endpoint = new AwsEndpoint({ accountId: '123456789012', region: 'us-east-1' });
  endpoint.register({
    signingName: 'events',
    protocol: 'awsJson1_1',
    targetPrefix: 'AWSEvents',
    async handle(req) {
      if (req.operation !== 'PutEvents')
        throw new AwsServiceError('UnknownOperationException', 'not recorded');
      const { Entries } = JSON.parse(req.body.toString()) as {
        Entries: Array<RecordedEntry & { Detail: string }>;
      };
      const results = Entries.map((e) => {
        if (state.failEntries > 0) {
          state.failEntries--;
          return { ErrorCode: 'InternalFailure', ErrorMessage: 'injected by the test' };
        }
        state.entries.push({ ...e, Detail: JSON.parse(e.Detail) });
        return { EventId: `evt-${state.entries.length}` };
      });
      return { body: { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results } };
    },
  });
  const iotRouter = new RestRouter().add('POST', '/topics/{topic}', 'Publish', async (req, params) => {
    if (state.failPublishes > 0) {
      state.failPublishes--;
      throw new AwsServiceError('ServiceUnavailableException', 'injected by the test', 503);
    }
    state.publishes.push({
      topic: params.topic!,
      qos: Number(req.query.get('qos') ?? 0),
      payload: JSON.parse(req.body.toString()),
    });
    return {};
  });
  endpoint.register({
    signingName: 'iotdata',
    protocol: 'restJson1',
    handle: (req) => iotRouter.handle(req),
  });
  endpoint.register({
    signingName: 'sns',
    protocol: 'awsQuery',
    async handle(req) {
      // SNS speaks the query protocol; the SDK posts a form body.
      const form = new URLSearchParams(req.body.toString());
      state.snsMessages.push({
        TopicArn: form.get('TopicArn') ?? '',
        Message: form.get('Message') ?? '',
        ...(form.get('Subject') ? { Subject: form.get('Subject')! } : {}),
      });
      return {
        body: `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>m-${state.snsMessages.length}</MessageId></PublishResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PublishResponse>`,
      };
    },
  });
  endpoint.register({
    signingName: 'sqs',
    protocol: 'awsJson1_0',
    targetPrefix: 'AmazonSQS',
    async handle(req) {
      if (req.operation !== 'SendMessage') throw new AwsServiceError('UnsupportedOperation', 'not recorded');
      const message = JSON.parse(req.body.toString()) as RecordingAws['sqsMessages'][number];
      state.sqsMessages.push(message);
      // The SDK checks this digest of the body it sent.
      const md5 = createHash('md5').update(message.MessageBody).digest('hex');
      return { body: { MessageId: `sqs-${state.sqsMessages.length}`, MD5OfMessageBody: md5 } };
    },
  });
  const server = await listenAwsEndpoint(endpoint, { port: 0 });
  const clientOpts = {
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  };
  const eventBridge = new EventBridgeClient(clientOpts);
  const iotData = new IoTDataPlaneClient(clientOpts);
  const sns = new SNSClient(clientOpts);
  const sqs = new SQSClient({ ...clientOpts, useQueueUrlAsEndpoint: false });
  return {
    url: server.url,
    entries: state.entries,
    publishes: state.publishes,
    snsMessages: state.snsMessages,
    sqsMessages: state.sqsMessages,
    failPutEvents: (n) => {
      state.failEntries = n;
    },
    failPublishes: (n) => {
      state.failPublishes = n;
    },
    eventBridge,
    iotData,
    sns,
    sqs,
    async close() {
      sqs.destroy();
      eventBridge.destroy();
      iotData.destroy();
      sns.destroy();
      await server.close();
    },
  };
}
