import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../support/test-cloud.js';

// Roles: `sqs` is the official SQS client, pointed at a whole LocalCloud as a user would
// point it to look into the cloud's queues (errors, dead letters).
let cloud: TestCloud | undefined;
afterEach(async () => {
  await cloud?.close();
  cloud = undefined;
});

describe('LocalCloud: the SQS API on the AWS endpoint', () => {
  it("lists the cloud's own queues, with the subscribers' redrive policies", async () => {
    // Prepare
    cloud = await startTestCloud('sqs-api');
    const sqs = new SQSClient(cloud.sdk);
    // Act
    const list = await sqs.send(new ListQueuesCommand({}));
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'smartdoor-identification' }));
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
    sqs.destroy();
    // Assess
    const names = list.QueueUrls?.map((url) => url.split('/').pop());
    expect(names).toEqual(
      expect.arrayContaining(['rule-errors', 'smartdoor-ingest-errors', 'smartdoor-identification-dlq']),
    );
    expect(JSON.parse(attrs.Attributes?.RedrivePolicy ?? '{}')).toMatchObject({
      deadLetterTargetArn: expect.stringMatching(/:smartdoor-identification-dlq$/),
    });
  });

  it('keeps failures 14 days, as the stack does, and buffered messages the SQS default of 4', async () => {
    // Prepare
    cloud = await startTestCloud('sqs-api');
    const sqs = new SQSClient(cloud.sdk);
    const retention = async (QueueName: string) => {
      const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName }));
      const out = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['MessageRetentionPeriod'] }),
      );
      return out.Attributes?.MessageRetentionPeriod;
    };
    const names = [
      'rule-errors',
      'smartdoor-ingest-errors',
      'smartdoor-identification-dlq',
      'smartdoor-notification-dlq',
      'smartdoor-identification',
    ];
    // Act: registering a subscriber creates its queues again, as every start does.
    cloud.cloud.registerHandler('identification', async () => ({ batchItemFailures: [] }));
    const got = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await retention(n)])));
    sqs.destroy();
    // Assess
    expect(got).toEqual({
      'rule-errors': '1209600',
      'smartdoor-ingest-errors': '1209600',
      'smartdoor-identification-dlq': '1209600',
      'smartdoor-notification-dlq': '1209600',
      'smartdoor-identification': '345600',
    });
  });

  it('hands an error the cloud queued to the SDK, which deletes it', async () => {
    // Prepare
    cloud = await startTestCloud('sqs-api');
    const sqs = new SQSClient(cloud.sdk);
    cloud.cloud.queues.send('smartdoor-ingest-errors', '{"error":"payload is not JSON"}');
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'smartdoor-ingest-errors' }));
    // Act
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: got.Messages?.[0]?.ReceiptHandle }));
    sqs.destroy();
    // Assess
    expect(got.Messages?.map((m) => m.Body)).toEqual(['{"error":"payload is not JSON"}']);
    expect(cloud.cloud.queues.depth('smartdoor-ingest-errors')).toEqual({ visible: 0, inFlight: 0 });
  });
});
