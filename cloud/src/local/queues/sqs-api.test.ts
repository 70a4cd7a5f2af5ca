import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  InvalidAttributeValue,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
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

/** Queue `work` (visibility 5 s) whose messages go to `dlq` after 3 receives; returns its URL. */
async function createWorkQueueWithDlq(sqs: SQSClient): Promise<string | undefined> {
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
  return QueueUrl;
}

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
      const QueueUrl = await createWorkQueueWithDlq(sqs);
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

  describe('Message attributes', () => {
    it('keeps each data type, digests them as SQS does, and returns only those asked for', async () => {
      // Prepare
      const { sqs } = await start();
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'typed' }));
      // Act
      const sent = await sqs.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: 'x',
          MessageAttributes: {
            timestamp: { DataType: 'Number', StringValue: '1493147359900' },
            raw: { DataType: 'Binary', BinaryValue: Uint8Array.from([1, 2, 3]) },
          },
        }),
      );
      const bare = await sqs.send(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 0 }));
      const asked = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl,
          MessageAttributeNames: ['timestamp'],
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );
      // Assess
      expect(sent.MD5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
      expect(bare.Messages?.[0]).not.toHaveProperty('MessageAttributes');
      expect(bare.Messages?.[0]).not.toHaveProperty('Attributes');
      const msg = asked.Messages?.[0];
      expect(msg?.MessageAttributes).toEqual({
        timestamp: { DataType: 'Number', StringValue: '1493147359900' },
      });
      expect(msg?.MD5OfMessageAttributes).toBe('235c5c510d26fb653d073faed50ae77c'); // as SQS answers (moto's tests)
      expect(msg?.Attributes).toEqual({ ApproximateReceiveCount: '2' });
    });
  });

  describe('Method: CreateQueue, SetQueueAttributes, GetQueueAttributes (MessageRetentionPeriod)', () => {
    it('keeps 4 days by default, takes 60 s to 14 days, and refuses anything else with InvalidAttributeValue', async () => {
      // Prepare
      const { sqs } = await start();
      const retention = async (QueueUrl: string | undefined) =>
        (
          await sqs.send(
            new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['MessageRetentionPeriod'] }),
          )
        ).Attributes?.MessageRetentionPeriod;
      const refused = (p: Promise<unknown>) =>
        p.then(
          () => undefined,
          (e: Error) => e,
        );
      // Act
      const plain = await sqs.send(new CreateQueueCommand({ QueueName: 'plain' }));
      const short = await sqs.send(
        new CreateQueueCommand({ QueueName: 'short', Attributes: { MessageRetentionPeriod: '60' } }),
      );
      const defaultRetention = await retention(plain.QueueUrl);
      const created = await retention(short.QueueUrl);
      await sqs.send(
        new SetQueueAttributesCommand({
          QueueUrl: short.QueueUrl,
          Attributes: { MessageRetentionPeriod: '1209600' },
        }),
      );
      const set = await retention(short.QueueUrl);
      const tooShort = await refused(
        sqs.send(new CreateQueueCommand({ QueueName: 'bad', Attributes: { MessageRetentionPeriod: '59' } })),
      );
      const tooLong = await refused(
        sqs.send(
          new SetQueueAttributesCommand({
            QueueUrl: short.QueueUrl,
            Attributes: { MessageRetentionPeriod: '1209601' },
          }),
        ),
      );
      const notNumber = await refused(
        sqs.send(
          new SetQueueAttributesCommand({
            QueueUrl: short.QueueUrl,
            Attributes: { MessageRetentionPeriod: 'a week' },
          }),
        ),
      );
      const differs = await refused(
        sqs.send(
          new CreateQueueCommand({ QueueName: 'short', Attributes: { MessageRetentionPeriod: '60' } }),
        ),
      );
      // Assess
      expect(defaultRetention).toBe('345600');
      expect(created).toBe('60');
      expect(set).toBe('1209600');
      expect(tooShort).toBeInstanceOf(InvalidAttributeValue);
      expect(tooShort?.message).toBe(
        'Invalid value for the parameter MessageRetentionPeriod: "59". Reason: Must be an integer from 60 (1 minute) to 1209600 (14 days) seconds.',
      );
      expect(tooLong).toBeInstanceOf(InvalidAttributeValue);
      expect(notNumber?.message).toMatch(/MessageRetentionPeriod: "a week"/);
      expect(differs).toMatchObject({
        name: 'QueueNameExists',
        message: expect.stringContaining('MessageRetentionPeriod'),
      });
      expect(await retention(short.QueueUrl)).toBe('1209600');
    });

    it('changes only the attributes given, and removes the redrive policy when it is empty', async () => {
      // Prepare
      const { sqs, queues } = await start();
      const QueueUrl = await createWorkQueueWithDlq(sqs);
      // Act
      await sqs.send(
        new SetQueueAttributesCommand({ QueueUrl, Attributes: { MessageRetentionPeriod: '600' } }),
      );
      const kept = queues.getQueueAttributes('work');
      await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { RedrivePolicy: '' } }));
      const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
      // Assess
      expect(kept).toEqual({
        visibilityTimeoutSeconds: 5,
        messageRetentionSeconds: 600,
        maxReceiveCount: 3,
        deadLetterQueue: 'dlq',
      });
      expect(attrs.Attributes).toMatchObject({ VisibilityTimeout: '5', MessageRetentionPeriod: '600' });
      expect(attrs.Attributes?.RedrivePolicy).toBeUndefined();
    });
  });

  describe('Refusals', () => {
    const fails = (p: Promise<unknown>) =>
      p.then(
        () => ({ name: 'no error', message: '' }),
        (e: Error) => ({ name: e.name, message: e.message }),
      );

    it('refuses a whole batch SQS refuses, sending nothing', async () => {
      // Prepare
      const { sqs, queues } = await start();
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'b' }));
      const entry = (Id: string, MessageBody = 'x') => ({ Id, MessageBody });
      // Act
      const duplicate = await fails(
        sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [entry('a'), entry('a')] })),
      );
      const eleven = Array.from({ length: 11 }, (_, i) => entry(`e${i}`));
      const tooMany = await fails(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: eleven })));
      const badId = await fails(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [entry('a b')] })));
      const big = [entry('a', 'x'.repeat(200_000)), entry('b', 'y'.repeat(100_000))];
      const tooLong = await fails(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: big })));
      const deletes = await fails(
        sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl,
            Entries: [
              { Id: 'a', ReceiptHandle: 'r' },
              { Id: 'a', ReceiptHandle: 'r' },
            ],
          }),
        ),
      );
      // Assess
      expect(duplicate.name).toBe('BatchEntryIdsNotDistinct');
      expect(tooMany).toMatchObject({
        name: 'TooManyEntriesInBatchRequest',
        message: expect.stringContaining('11'),
      });
      expect(badId.name).toBe('InvalidBatchEntryId');
      expect(tooLong).toMatchObject({
        name: 'BatchRequestTooLong',
        message: expect.stringContaining('300000'),
      });
      expect(deletes.name).toBe('BatchEntryIdsNotDistinct');
      expect(queues.depth('b')).toEqual({ visible: 0, inFlight: 0 });
    });

    it('fails only the entry of a batch that is wrong', async () => {
      // Prepare
      const { sqs, queues } = await start();
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'b' }));
      // Act
      const out = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl,
          Entries: [
            { Id: 'good', MessageBody: 'x' },
            {
              Id: 'bad',
              MessageBody: 'x',
              MessageAttributes: { n: { DataType: 'Number', StringValue: 'ten' } },
            },
          ],
        }),
      );
      // Assess
      expect(out.Successful?.map((e) => e.Id)).toEqual(['good']);
      expect(out.Failed).toEqual([
        expect.objectContaining({ Id: 'bad', Code: 'InvalidParameterValue', SenderFault: true }),
      ]);
      expect(queues.depth('b').visible).toBe(1);
    });

    it('refuses numbers out of range and messages over 256 KiB, naming the parameter', async () => {
      // Prepare
      const { sqs } = await start();
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'r' }));
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' }));
      const [m] = (await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages ?? [];
      // Act
      const wait = await fails(sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 21 })));
      const hide = await fails(sqs.send(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 50_000 })));
      const change = await fails(
        sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl,
            ReceiptHandle: m?.ReceiptHandle,
            VisibilityTimeout: 1e300,
          }),
        ),
      );
      const missing = await fails(
        sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: m?.ReceiptHandle } as never)),
      );
      const delay = await fails(
        sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x', DelaySeconds: 901 })),
      );
      const fits = await fails(
        sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x'.repeat(262_144) })),
      );
      const over = await fails(
        sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x'.repeat(262_145) })),
      );
      const control = await fails(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'a\u0000b' })));
      // Assess
      expect(wait.message).toMatch(/WaitTimeSeconds.*0 to 20/);
      expect(hide.message).toMatch(/VisibilityTimeout.*0 to 43200/);
      expect(change.message).toMatch(/VisibilityTimeout/);
      expect(missing.name).toBe('MissingParameter');
      expect(delay.message).toMatch(/DelaySeconds/);
      expect(fits.name).toBe('no error');
      expect(over.message).toMatch(/shorter than 262144 bytes/);
      expect(control.name).toBe('InvalidMessageContents');
    });

    it('creates a queue again only with the same attributes, and checks them', async () => {
      // Prepare
      const { sqs } = await start();
      await sqs.send(new CreateQueueCommand({ QueueName: 'c', Attributes: { VisibilityTimeout: '5' } }));
      // Act
      const same = await fails(
        sqs.send(new CreateQueueCommand({ QueueName: 'c', Attributes: { VisibilityTimeout: '5' } })),
      );
      const other = await fails(
        sqs.send(new CreateQueueCommand({ QueueName: 'c', Attributes: { VisibilityTimeout: '6' } })),
      );
      const text = await fails(
        sqs.send(new CreateQueueCommand({ QueueName: 'd', Attributes: { VisibilityTimeout: 'abc' } })),
      );
      const fifo = await fails(
        sqs.send(new CreateQueueCommand({ QueueName: 'e', Attributes: { FifoQueue: 'true' } })),
      );
      const unknown = await fails(
        sqs.send(new CreateQueueCommand({ QueueName: 'f', Attributes: { Colour: 'red' } as never })),
      );
      // Assess
      expect(same.name).toBe('no error');
      expect(other).toMatchObject({
        name: 'QueueNameExists',
        message: expect.stringContaining('VisibilityTimeout'),
      });
      expect(text.message).toMatch(/"abc" for parameter VisibilityTimeout/);
      expect(fifo).toMatchObject({
        name: 'InvalidAttributeName',
        message: expect.stringContaining('FifoQueue'),
      });
      expect(unknown).toMatchObject({
        name: 'InvalidAttributeName',
        message: expect.stringContaining('Colour'),
      });
    });
  });
});
