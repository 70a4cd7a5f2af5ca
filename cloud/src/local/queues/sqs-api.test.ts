import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsEndpoint } from '../aws-endpoint/aws-endpoint.js';
import { listenAwsEndpoint } from '../aws-endpoint/server.js';
import { LocalQueues } from './local-queues.js';
import { sqsApi } from './sqs-api.js';

// Roles: `sqs` is the official SQS client; `queues` the local queues behind the local AWS endpoint.
let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function start() {
  const db = new Database(':memory:');
  const queues = new LocalQueues({ db });
  const endpoint = new AwsEndpoint({ accountId: '123456789012', region: 'us-east-1' });
  endpoint.register(sqsApi(queues, { longPollIntervalMs: 10 }));
  const server = await listenAwsEndpoint(endpoint, { port: 0 });
  const sqs = new SQSClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 't', secretAccessKey: 't' },
  });
  cleanup.push(async () => {
    sqs.destroy();
    await server.close();
    queues.stop();
    db.close();
  });
  return { sqs, queues };
}

describe('Function: sqsApi', () => {
  describe('Method: SendMessage, ReceiveMessage, DeleteMessage', () => {
    it('round-trips a message with attributes through the official client (MD5 checked by the SDK)', async () => {
      // Prepare
      const { sqs, queues } = await start();
      await sqs.send(new CreateQueueCommand({ QueueName: 'dlq' }));
      const { QueueUrl } = await sqs.send(
        new CreateQueueCommand({
          QueueName: 'work',
          Attributes: {
            VisibilityTimeout: '5',
            RedrivePolicy: JSON.stringify({
              deadLetterTargetArn: 'arn:aws:sqs:us-east-1:123456789012:dlq',
              maxReceiveCount: '3',
            }),
          },
        }),
      );
      // Act
      await sqs.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: 'héllo',
          MessageAttributes: { kind: { DataType: 'String', StringValue: 'door' } },
        }),
      );
      const got = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
      );
      const msg = got.Messages?.[0];
      await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: msg?.ReceiptHandle }));
      const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
      // Assess
      expect(msg).toMatchObject({ Body: 'héllo', MessageAttributes: { kind: { StringValue: 'door' } } });
      expect(queues.depth('work')).toEqual({ visible: 0, inFlight: 0 });
      expect(attrs.Attributes).toMatchObject({
        VisibilityTimeout: '5',
        QueueArn: 'arn:aws:sqs:us-east-1:123456789012:work',
      });
      expect(JSON.parse(attrs.Attributes!.RedrivePolicy!)).toMatchObject({ maxReceiveCount: 3 });
    });

    it('long-polls until a delayed message is due', async () => {
      // Prepare
      const { sqs } = await start();
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'later' }));
      await sqs.send(
        new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: 'a', MessageBody: 'x', DelaySeconds: 1 }] }),
      );
      // Act
      const empty = await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
      const waited = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 3 }));
      // Assess
      expect(empty.Messages ?? []).toEqual([]);
      expect(waited.Messages?.map((m) => m.Body)).toEqual(['x']);
    });

    it('raises QueueDoesNotExist for an unknown queue and refuses a stale receipt', async () => {
      // Prepare
      const { sqs } = await start();
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'q' }));
      // Act
      const missing = await sqs.send(new GetQueueUrlCommand({ QueueName: 'nope' })).catch((e: unknown) => e);
      const stale = await sqs
        .send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: 'gone', VisibilityTimeout: 1 }))
        .catch((e: unknown) => e);
      // Assess
      expect(missing).toBeInstanceOf(QueueDoesNotExist);
      expect((stale as Error).name).toBe('ReceiptHandleIsInvalid');
    });
  });
});
