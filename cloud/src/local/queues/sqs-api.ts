import { createHash } from 'node:crypto';
import { AwsServiceError } from '../aws-endpoint/errors.js';
import type { AwsRequest, AwsResponse, AwsServiceDefinition } from '../aws-endpoint/types.js';
import { type Clock, SYSTEM_CLOCK } from './clock.js';
import { QueueAttributeValueError, QueueDoesNotExistError, QueueValidationError } from './errors.js';
import type { LocalQueues, QueueAttributeChanges } from './local-queues.js';
import {
  attributesSize,
  type MessageAttributes,
  md5OfAttributes,
  parseMessageAttributes,
  selectWireAttributes,
} from './message-attributes.js';
import {
  MESSAGE_RETENTION,
  type QueueAttributes,
  queueArn,
  queueNameFromArn,
  type ReceivedMessage,
} from './model.js';

type Body = Record<string, unknown>;
type Ctx = { queues: LocalQueues; req: AwsRequest; region: string; accountId: string };
type Operation = (ctx: Ctx, body: Body) => unknown | Promise<unknown>;

/**
 * Largest message (body and attributes), and so batch, the local queues take: SQS's
 * 256 KiB, which the contract keeps although SQS raised its own to 1 MiB in January 2026,
 * so what passes locally passes on any queue.
 */
const MAX_MESSAGE_BYTES = 262_144;
/** SQS: a visibility timeout is 0 s to 12 hours. */
const MAX_VISIBILITY_SECONDS = 43_200;
const BATCH_ID_RE = /^[A-Za-z0-9_-]{1,80}$/;
/** Characters SQS refuses in a body (outside XML's: #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF). */
const INVALID_BODY_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

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
 * CreateQueue, GetQueueUrl, ListQueues, GetQueueAttributes, SetQueueAttributes,
 * SendMessage(Batch), ReceiveMessage (with long polling), DeleteMessage(Batch),
 * ChangeMessageVisibility, PurgeQueue.
 */
export function sqsApi(queues: LocalQueues, opts: SqsApiOptions = {}): AwsServiceDefinition {
  const pollMs = opts.longPollIntervalMs ?? 100;
  const clock = opts.clock ?? SYSTEM_CLOCK;
  const ops: Record<string, Operation> = {
    CreateQueue: ({ queues: q, req }, b) => {
      const name = str(b, 'QueueName');
      const attrs = createQueueAttributes(b.Attributes);
      const existing = q.hasQueue(name) ? q.getQueueAttributes(name) : undefined;
      if (existing) {
        // CreateQueue is idempotent only for the same attribute values.
        const differs = (Object.keys(attrs) as Array<keyof QueueAttributes>).find(
          (k) => attrs[k] !== existing[k],
        );
        if (differs !== undefined) {
          throw new AwsServiceError(
            'QueueNameExists',
            `A queue already exists with the same name and a different value for attribute ${ATTRIBUTE_NAMES[differs]}.`,
          );
        }
      } else q.createQueue(name, attrs);
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
      const attrs = q.getQueueAttributes(name);
      const depth = q.depth(name);
      const all: Record<string, string> = {
        QueueArn: queueArn(region, accountId, name),
        VisibilityTimeout: String(attrs.visibilityTimeoutSeconds),
        MessageRetentionPeriod: String(attrs.messageRetentionSeconds),
        ApproximateNumberOfMessages: String(depth.visible),
        ApproximateNumberOfMessagesNotVisible: String(depth.inFlight),
        MaximumMessageSize: String(MAX_MESSAGE_BYTES),
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
    SetQueueAttributes: ({ queues: q }, b) => {
      const name = nameOf(q, b);
      if (b.Attributes === undefined || b.Attributes === null) {
        throw new AwsServiceError('MissingParameter', 'The request must contain the parameter Attributes.');
      }
      q.setQueueAttributes(name, attributeChanges(b.Attributes));
    },
    SendMessage: ({ queues: q }, b) => {
      const name = nameOf(q, b);
      const message = checkMessage(b);
      return send(q, name, message);
    },
    SendMessageBatch: ({ queues: q }, b) => {
      const name = nameOf(q, b);
      const entries = batchEntries(b);
      // Each entry is checked before any is sent: a request SQS refuses as a whole sends nothing.
      const checked = entries.map((entry) => {
        try {
          return { entry, message: checkMessage(entry) };
        } catch (err) {
          if (!(err instanceof AwsServiceError)) throw err;
          return { entry, error: err };
        }
      });
      const total = checked.reduce((n, c) => n + (c.message?.size ?? 0), 0);
      if (total > MAX_MESSAGE_BYTES) {
        throw new AwsServiceError(
          'BatchRequestTooLong',
          `Batch requests cannot be longer than ${MAX_MESSAGE_BYTES} bytes; this one is ${total} bytes.`,
        );
      }
      const Successful: unknown[] = [];
      const Failed: unknown[] = [];
      for (const { entry, message, error } of checked) {
        if (message) Successful.push({ Id: entry.Id, ...send(q, name, message) });
        else Failed.push({ Id: entry.Id, SenderFault: true, Code: error.code, Message: error.message });
      }
      return { Successful, Failed };
    },
    ReceiveMessage: async ({ queues: q }, b) => {
      const name = nameOf(q, b);
      const max = intParam(b, 'MaxNumberOfMessages', 1, 10) ?? 1;
      const visibility = intParam(b, 'VisibilityTimeout', 0, MAX_VISIBILITY_SECONDS);
      const waitMs = (intParam(b, 'WaitTimeSeconds', 0, 20) ?? 0) * 1000;
      const attributeNames = stringList(b, 'MessageAttributeNames');
      const systemNames = [
        ...stringList(b, 'AttributeNames'),
        ...stringList(b, 'MessageSystemAttributeNames'),
      ];
      const receive = () =>
        q.receive(name, { max, ...(visibility !== undefined && { visibilityTimeoutSeconds: visibility }) });
      let got = receive();
      // Long polling: look again every pollMs until a message shows or WaitTimeSeconds passes.
      for (let waited = 0; got.length === 0 && waited < waitMs; waited += pollMs) {
        await new Promise<void>((r) => clock.setTimeout(r, pollMs));
        got = receive();
      }
      return { Messages: got.map((m) => receivedMessage(m, attributeNames, systemNames)) };
    },
    DeleteMessage: ({ queues: q }, b) => void q.deleteMessage(nameOf(q, b), str(b, 'ReceiptHandle')),
    DeleteMessageBatch: ({ queues: q }, b) => {
      const name = nameOf(q, b);
      const Successful: unknown[] = [];
      const Failed: unknown[] = [];
      for (const entry of batchEntries(b)) {
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
    ChangeMessageVisibility: ({ queues: q }, b) => {
      const seconds = intParam(b, 'VisibilityTimeout', 0, MAX_VISIBILITY_SECONDS);
      if (seconds === undefined) {
        throw new AwsServiceError(
          'MissingParameter',
          'The request must contain the parameter VisibilityTimeout.',
        );
      }
      q.changeVisibility(nameOf(q, b), str(b, 'ReceiptHandle'), seconds);
    },
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

/** A message a send request carries, checked: its size counts the body and the attributes. */
interface CheckedMessage {
  body: string;
  attributes: MessageAttributes;
  delaySeconds: number;
  size: number;
}

function checkMessage(b: Body): CheckedMessage {
  const body = str(b, 'MessageBody');
  if (INVALID_BODY_CHARACTER.test(body)) {
    throw new AwsServiceError(
      'InvalidMessageContents',
      'Invalid characters found. Valid values: #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF.',
    );
  }
  const attributes = parseMessageAttributes(b.MessageAttributes);
  const size = Buffer.byteLength(body) + attributesSize(attributes);
  if (size > MAX_MESSAGE_BYTES) {
    throw new QueueValidationError(
      `One or more parameters are invalid. Reason: Message must be shorter than ${MAX_MESSAGE_BYTES} bytes.`,
    );
  }
  return { body, attributes, delaySeconds: intParam(b, 'DelaySeconds', 0, 900) ?? 0, size };
}

function send(q: LocalQueues, name: string, m: CheckedMessage): Record<string, string> {
  const MessageId = q.send(name, m.body, m.attributes.values, {
    delaySeconds: m.delaySeconds,
    attributeTypes: m.attributes.types,
  });
  const out: Record<string, string> = { MessageId, MD5OfMessageBody: md5(m.body) };
  if (Object.keys(m.attributes.values).length > 0) out.MD5OfMessageAttributes = md5OfAttributes(m.attributes);
  return out;
}

/** A received message on the wire, with only the attributes the request named. */
function receivedMessage(
  m: ReceivedMessage,
  attributeNames: readonly string[],
  systemNames: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    MessageId: m.messageId,
    ReceiptHandle: m.receiptHandle,
    MD5OfBody: md5(m.body),
    Body: m.body,
  };
  const system: Record<string, string> = {
    ApproximateReceiveCount: String(m.receiveCount),
    SentTimestamp: String(m.sentAt),
  };
  const Attributes = Object.fromEntries(
    Object.entries(system).filter(([k]) => systemNames.includes('All') || systemNames.includes(k)),
  );
  if (Object.keys(Attributes).length > 0) out.Attributes = Attributes;
  const attrs: MessageAttributes = { values: m.attributes };
  if (m.attributeTypes) attrs.types = m.attributeTypes;
  const MessageAttributes = selectWireAttributes(attrs, attributeNames);
  if (MessageAttributes) {
    out.MessageAttributes = MessageAttributes;
    out.MD5OfMessageAttributes = md5OfAttributes(attrs, Object.keys(MessageAttributes));
  }
  return out;
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

/** Wire names of the queue attributes the local queues keep. */
const ATTRIBUTE_NAMES: Record<keyof QueueAttributes, string> = {
  visibilityTimeoutSeconds: 'VisibilityTimeout',
  messageRetentionSeconds: 'MessageRetentionPeriod',
  maxReceiveCount: 'RedrivePolicy',
  deadLetterQueue: 'RedrivePolicy',
};

/** Queue attributes SQS has that the local queues do not model: refused rather than ignored. */
const UNSUPPORTED_ATTRIBUTES = new Set([
  'DelaySeconds',
  'MaximumMessageSize',
  'ReceiveMessageWaitTimeSeconds',
  'Policy',
  'RedriveAllowPolicy',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'SqsManagedSseEnabled',
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
]);

/** CreateQueue's Attributes, checked as SQS checks them (string values on the wire). */
function createQueueAttributes(raw: unknown): Partial<QueueAttributes> {
  const changes = attributeChanges(raw ?? {}, false);
  const out: Partial<QueueAttributes> = {};
  if (changes.visibilityTimeoutSeconds !== undefined)
    out.visibilityTimeoutSeconds = changes.visibilityTimeoutSeconds;
  if (changes.messageRetentionSeconds !== undefined)
    out.messageRetentionSeconds = changes.messageRetentionSeconds;
  if (changes.redrive) Object.assign(out, changes.redrive);
  return out;
}

/**
 * Queue attributes a request sets, checked as SQS checks them (string values on the wire).
 * SetQueueAttributes removes the redrive policy with an empty RedrivePolicy (`allowRemove`).
 */
function attributeChanges(raw: unknown, allowRemove = true): QueueAttributeChanges {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new QueueValidationError('Attributes must be a map of attribute names to values.');
  }
  const out: QueueAttributeChanges = {};
  for (const [name, value] of Object.entries(raw)) {
    if (name === 'VisibilityTimeout') {
      out.visibilityTimeoutSeconds = wholeNumber('VisibilityTimeout', value, 0, MAX_VISIBILITY_SECONDS);
    } else if (name === 'MessageRetentionPeriod') {
      out.messageRetentionSeconds = retentionSeconds(value);
    } else if (name === 'RedrivePolicy') {
      out.redrive = allowRemove && value === '' ? null : parseRedrive(value);
    } else if (UNSUPPORTED_ATTRIBUTES.has(name)) {
      throw new AwsServiceError(
        'InvalidAttributeName',
        `The local queues do not support the attribute ${name}.`,
      );
    } else {
      throw new AwsServiceError('InvalidAttributeName', `Unknown Attribute ${name}.`);
    }
  }
  return out;
}

/** MessageRetentionPeriod: whole seconds from 60 to 1209600, else InvalidAttributeValue as SQS answers. */
function retentionSeconds(value: unknown): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  const { minSeconds, maxSeconds } = MESSAGE_RETENTION;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < minSeconds || n > maxSeconds) {
    throw new QueueAttributeValueError(
      'MessageRetentionPeriod',
      `Invalid value for the parameter MessageRetentionPeriod: ${JSON.stringify(value)}. Reason: Must be an integer from ${minSeconds} (1 minute) to ${maxSeconds} (14 days) seconds.`,
    );
  }
  return n;
}

function parseRedrive(value: unknown): { maxReceiveCount: number; deadLetterQueue: string } {
  let policy: { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
  try {
    policy = JSON.parse(String(value));
  } catch {
    throw new QueueValidationError('Value for parameter RedrivePolicy is invalid. Reason: Invalid JSON.');
  }
  const dlq =
    typeof policy?.deadLetterTargetArn === 'string'
      ? queueNameFromArn(policy.deadLetterTargetArn)
      : undefined;
  if (dlq === undefined)
    throw new QueueValidationError('RedrivePolicy needs a deadLetterTargetArn that is an SQS ARN.');
  const maxReceiveCount = wholeNumber('RedrivePolicy maxReceiveCount', policy.maxReceiveCount, 1, 1000);
  return { maxReceiveCount, deadLetterQueue: dlq };
}

/** A whole number given as a number or as its decimal text (queue attributes are strings). */
function wholeNumber(field: string, value: unknown, min: number, max: number): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new QueueValidationError(
      `Value ${JSON.stringify(value)} for parameter ${field} is invalid. Reason: Must be an integer from ${min} to ${max}.`,
    );
  }
  return n;
}

/** An optional integer request parameter, in range. */
function intParam(b: Body, field: string, min: number, max: number): number | undefined {
  const v = b[field];
  return v === undefined || v === null ? undefined : wholeNumber(field, v, min, max);
}

function stringList(b: Body, field: string): string[] {
  const v = b[field];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** A batch's entries, refused as a whole as SQS does: 1-10 of them, distinct valid Ids. */
function batchEntries(b: Body): Body[] {
  const v = b.Entries;
  if (!Array.isArray(v) || v.length === 0)
    throw new AwsServiceError('EmptyBatchRequest', 'There should be at least one entry in the request.');
  if (v.length > 10) {
    throw new AwsServiceError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are 10. You have sent ${v.length}.`,
    );
  }
  const ids = new Set<string>();
  for (const entry of v as Body[]) {
    const id = entry?.Id;
    if (typeof id !== 'string' || !BATCH_ID_RE.test(id)) {
      throw new AwsServiceError(
        'InvalidBatchEntryId',
        'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
      );
    }
    if (ids.has(id)) throw new AwsServiceError('BatchEntryIdsNotDistinct', `Id ${id} repeated.`);
    ids.add(id);
  }
  return v as Body[];
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
