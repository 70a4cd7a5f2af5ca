import { createHash } from 'node:crypto';
import { AwsServiceError } from '../aws-endpoint/errors.js';
import type { AwsRequest, AwsResponse, AwsServiceDefinition } from '../aws-endpoint/types.js';
import { type Clock, SYSTEM_CLOCK } from './clock.js';
import { QueueDoesNotExistError, QueueValidationError } from './errors.js';
import type { LocalQueues } from './local-queues.js';
import { queueArn, queueNameFromArn } from './model.js';

type Body = Record<string, unknown>;
type Ctx = { queues: LocalQueues; req: AwsRequest; region: string; accountId: string };
type Operation = (ctx: Ctx, body: Body) => unknown | Promise<unknown>;

export interface SqsApiOptions {
  /** Timers for long polling. @default the system clock */
  clock?: Clock;
  /**
   * Poll interval while a ReceiveMessage long-polls (WaitTimeSeconds).
   * @default 100
   */
  longPollIntervalMs?: number;
}

/**
 * The SQS API over the local queues, so the official SQS client works against the local AWS
 * endpoint (signing name `sqs`, awsJson1_0, target prefix AmazonSQS:
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/sqs-json-faqs.html).
 * Queue URLs are `{scheme}://{host}/{account}/{name}` on the endpoint itself. A subset:
 * CreateQueue, GetQueueUrl, ListQueues, GetQueueAttributes, SendMessage(Batch),
 * ReceiveMessage (with long polling), DeleteMessage(Batch), ChangeMessageVisibility, PurgeQueue.
 */
export function sqsApi(queues: LocalQueues, opts: SqsApiOptions = {}): AwsServiceDefinition {
  const pollMs = opts.longPollIntervalMs ?? 100;
  const clock = opts.clock ?? SYSTEM_CLOCK;
  const ops: Record<string, Operation> = {
    CreateQueue: ({ queues: q, req }, b) => {
      const name = str(b, 'QueueName');
      const attrs = (b.Attributes ?? {}) as Record<string, string>;
      const redrive = attrs.RedrivePolicy ? parseRedrive(attrs.RedrivePolicy) : undefined;
      q.createQueue(name, {
        ...(attrs.VisibilityTimeout !== undefined && {
          visibilityTimeoutSeconds: Number(attrs.VisibilityTimeout),
        }),
        ...redrive,
      });
      return { QueueUrl: queueUrl(req, name) };
    },
    GetQueueUrl: ({ queues: q, req }, b) => {
      const name = str(b, 'QueueName');
      if (!q.hasQueue(name)) throw new QueueDoesNotExistError(name);
      return { QueueUrl: queueUrl(req, name) };
    },
    ListQueues: ({ queues: q, req }, b) => {
      const prefix = typeof b.QueueNamePrefix === 'string' ? b.QueueNamePrefix : '';
      return {
        QueueUrls: q
          .listQueues()
          .filter((x) => x.name.startsWith(prefix))
          .map((x) => queueUrl(req, x.name)),
      };
    },
    GetQueueAttributes: ({ queues: q, region, accountId }, b) => {
      const name = nameOf(q, b);
      const attrs = q.listQueues().find((x) => x.name === name)!.attrs;
      const depth = q.depth(name);
      const all: Record<string, string> = {
        QueueArn: queueArn(region, accountId, name),
        VisibilityTimeout: String(attrs.visibilityTimeoutSeconds),
        ApproximateNumberOfMessages: String(depth.visible),
        ApproximateNumberOfMessagesNotVisible: String(depth.inFlight),
      };
      if (attrs.deadLetterQueue !== undefined) {
        all.RedrivePolicy = JSON.stringify({
          deadLetterTargetArn: queueArn(region, accountId, attrs.deadLetterQueue),
          maxReceiveCount: attrs.maxReceiveCount,
        });
      }
      const wanted = Array.isArray(b.AttributeNames) ? (b.AttributeNames as string[]) : ['All'];
      const Attributes = wanted.includes('All')
        ? all
        : Object.fromEntries(Object.entries(all).filter(([k]) => wanted.includes(k)));
      return { Attributes };
    },
    SendMessage: ({ queues: q }, b) => send(q, nameOf(q, b), b),
    SendMessageBatch: ({ queues: q }, b) => {
      const name = nameOf(q, b);
      const Successful: unknown[] = [];
      const Failed: unknown[] = [];
      for (const entry of list(b, 'Entries') as Body[]) {
        try {
          Successful.push({ Id: entry.Id, ...send(q, name, entry) });
        } catch (err) {
          if (!(err instanceof AwsServiceError)) throw err;
          Failed.push({ Id: entry.Id, SenderFault: true, Code: err.code, Message: err.message });
        }
      }
      return { Successful, Failed };
    },
    ReceiveMessage: async ({ queues: q }, b) => {
      const name = nameOf(q, b);
      const max = typeof b.MaxNumberOfMessages === 'number' ? b.MaxNumberOfMessages : 1;
      const visibility = typeof b.VisibilityTimeout === 'number' ? b.VisibilityTimeout : undefined;
      const waitMs = (typeof b.WaitTimeSeconds === 'number' ? b.WaitTimeSeconds : 0) * 1000;
      const receive = () =>
        q.receive(name, { max, ...(visibility !== undefined && { visibilityTimeoutSeconds: visibility }) });
      let got = receive();
      // Long polling: look again every pollMs until a message shows or WaitTimeSeconds passes.
      for (let waited = 0; got.length === 0 && waited < waitMs; waited += pollMs) {
        await new Promise<void>((r) => clock.setTimeout(r, pollMs));
        got = receive();
      }
      return {
        Messages: got.map((m) => ({
          MessageId: m.messageId,
          ReceiptHandle: m.receiptHandle,
          MD5OfBody: md5(m.body),
          Body: m.body,
          Attributes: { ApproximateReceiveCount: String(m.receiveCount), SentTimestamp: String(m.sentAt) },
          MessageAttributes: Object.fromEntries(
            Object.entries(m.attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
          ),
        })),
      };
    },
    DeleteMessage: ({ queues: q }, b) => void q.deleteMessage(nameOf(q, b), str(b, 'ReceiptHandle')),
    DeleteMessageBatch: ({ queues: q }, b) => {
      const name = nameOf(q, b);
      const Successful: unknown[] = [];
      const Failed: unknown[] = [];
      for (const entry of list(b, 'Entries') as Body[]) {
        try {
          q.deleteMessage(name, str(entry, 'ReceiptHandle'));
          Successful.push({ Id: entry.Id });
        } catch (err) {
          if (!(err instanceof AwsServiceError)) throw err;
          Failed.push({ Id: entry.Id, SenderFault: true, Code: err.code, Message: err.message });
        }
      }
      return { Successful, Failed };
    },
    ChangeMessageVisibility: ({ queues: q }, b) =>
      void q.changeVisibility(nameOf(q, b), str(b, 'ReceiptHandle'), Number(b.VisibilityTimeout ?? 0)),
    PurgeQueue: ({ queues: q }, b) => void q.purge(nameOf(q, b)),
  };
  return {
    signingName: 'sqs',
    protocol: 'awsJson1_0',
    targetPrefix: 'AmazonSQS',
    async handle(req): Promise<AwsResponse> {
      const op = ops[req.operation ?? ''];
      if (!op)
        throw new AwsServiceError(
          'UnsupportedOperation',
          `Operation ${req.operation} is not supported locally.`,
        );
      const ctx: Ctx = { queues, req, region: req.region, accountId: req.accountId };
      return { body: (await op(ctx, parseBody(req.body))) ?? {} };
    },
  };
}

function send(q: LocalQueues, name: string, b: Body): { MessageId: string; MD5OfMessageBody: string } {
  const body = str(b, 'MessageBody');
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries((b.MessageAttributes ?? {}) as Record<string, Body>)) {
    if (typeof v.StringValue !== 'string') {
      throw new QueueValidationError(
        `Message attribute ${k}: only String and Number values are supported locally.`,
      );
    }
    attrs[k] = v.StringValue;
  }
  const delay = typeof b.DelaySeconds === 'number' ? b.DelaySeconds : 0;
  const MessageId = q.send(name, body, attrs, { delaySeconds: delay });
  return { MessageId, MD5OfMessageBody: md5(body) };
}

function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

function queueUrl(req: AwsRequest, name: string): string {
  const host = req.headers.host ?? '127.0.0.1';
  return `http://${Array.isArray(host) ? host[0] : host}/${req.accountId}/${name}`;
}

/** The queue a QueueUrl names; refuses unknown queues with QueueDoesNotExist. */
function nameOf(q: LocalQueues, b: Body): string {
  const url = str(b, 'QueueUrl');
  const name = url.split('/').filter(Boolean).pop() ?? '';
  if (!q.hasQueue(name)) throw new QueueDoesNotExistError(name);
  return name;
}

function parseRedrive(text: string): { maxReceiveCount: number; deadLetterQueue: string } {
  let policy: { deadLetterTargetArn?: string; maxReceiveCount?: string | number };
  try {
    policy = JSON.parse(text);
  } catch {
    throw new QueueValidationError('RedrivePolicy is not valid JSON.');
  }
  const dlq =
    policy.deadLetterTargetArn === undefined ? undefined : queueNameFromArn(policy.deadLetterTargetArn);
  if (dlq === undefined)
    throw new QueueValidationError('RedrivePolicy needs a deadLetterTargetArn that is an SQS ARN.');
  return { maxReceiveCount: Number(policy.maxReceiveCount), deadLetterQueue: dlq };
}

function parseBody(raw: Buffer): Body {
  if (raw.length === 0) return {};
  try {
    const v = JSON.parse(raw.toString('utf8')) as unknown;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Body;
  } catch {
    // fall through
  }
  throw new AwsServiceError('SerializationException', 'The request body must be a JSON object.');
}

function str(b: Body, field: string): string {
  const v = b[field];
  if (typeof v !== 'string' || v === '')
    throw new AwsServiceError('MissingParameter', `The request must contain the parameter ${field}.`);
  return v;
}

function list(b: Body, field: string): unknown[] {
  const v = b[field];
  if (!Array.isArray(v) || v.length === 0)
    throw new AwsServiceError('EmptyBatchRequest', `${field} must not be empty.`);
  return v;
}
