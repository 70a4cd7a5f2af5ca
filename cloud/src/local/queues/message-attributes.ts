import { createHash } from 'node:crypto';
import { QueueValidationError } from './errors.js';

/**
 * SQS message attributes as the local queues keep them: each value as text (Binary values
 * base64, as the JSON protocol carries them) and, for attributes that are not plain
 * `String`, their data type (`Number`, `Binary`, `String.custom`, ...).
 */
export interface MessageAttributes {
  values: Record<string, string>;
  /** Data types other than `String`, by attribute name. */
  types?: Record<string, string>;
}

/** What one attribute looks like on the SQS JSON wire (MessageAttributeValue). */
interface WireAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

/** SQS: at most 10 message attributes per message. */
const MAX_ATTRIBUTES = 10;
/** SQS: names are up to 256 of [A-Za-z0-9_.-], no leading/trailing or double period, not AWS./Amazon. */
const NAME_RE = /^(?!\.)(?!.*\.\.)(?!.*\.$)[A-Za-z0-9_.-]{1,256}$/;
const RESERVED_PREFIX_RE = /^(aws\.|amazon\.)/i;
const TYPE_RE = /^(String|Number|Binary)(\.[A-Za-z0-9_.-]+)?$/;
const NUMBER_RE = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

/**
 * Parses a request's MessageAttributes, refusing what SQS refuses, with SQS's error code
 * and a message naming the attribute
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html).
 */
export function parseMessageAttributes(raw: unknown): MessageAttributes {
  const out: MessageAttributes = { values: {} };
  if (raw === undefined || raw === null) return out;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new QueueValidationError('MessageAttributes must be a map of name to attribute value.');
  }
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length > MAX_ATTRIBUTES) {
    throw new QueueValidationError(
      `Number of message attributes [${entries.length}] exceeds the allowed maximum [${MAX_ATTRIBUTES}].`,
    );
  }
  for (const [name, value] of entries) {
    if (!NAME_RE.test(name) || RESERVED_PREFIX_RE.test(name)) {
      throw new QueueValidationError(
        `Message attribute name '${name}' is invalid: up to 256 characters of [A-Za-z0-9_.-], no leading, trailing or double period, not starting with AWS. or Amazon.`,
      );
    }
    const v = (value ?? {}) as Partial<WireAttribute>;
    const type = v.DataType;
    if (typeof type !== 'string' || !TYPE_RE.test(type)) {
      throw new QueueValidationError(
        `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
      );
    }
    const binary = type.startsWith('Binary');
    const text = binary ? v.BinaryValue : v.StringValue;
    if (typeof text !== 'string' || text === '') {
      throw new QueueValidationError(
        `The message attribute '${name}' must contain a non-empty message attribute value for message attribute type '${type}'.`,
      );
    }
    if (type.startsWith('Number') && !NUMBER_RE.test(text)) {
      throw new QueueValidationError(`Can't cast the value of message attribute '${name}' to a number.`);
    }
    if (binary && Buffer.from(text, 'base64').toString('base64') !== text) {
      throw new QueueValidationError(`The binary value of message attribute '${name}' is not valid base64.`);
    }
    out.values[name] = text;
    if (type !== 'String') out.types = { ...out.types, [name]: type };
  }
  return out;
}

/** Bytes the attributes add to a message's size, as SQS counts them (name, type and value). */
export function attributesSize(attrs: MessageAttributes): number {
  let size = 0;
  for (const [name, value] of Object.entries(attrs.values)) {
    const type = attrs.types?.[name] ?? 'String';
    const valueBytes = type.startsWith('Binary')
      ? Buffer.from(value, 'base64').length
      : Buffer.byteLength(value);
    size += Buffer.byteLength(name) + Buffer.byteLength(type) + valueBytes;
  }
  return size;
}

/**
 * The attributes in the JSON wire's shape, only those a ReceiveMessage asked for by
 * MessageAttributeNames: `All` or `.*`, exact names, or `prefix.*`. None when it named none.
 */
export function selectWireAttributes(
  attrs: MessageAttributes,
  wanted: readonly string[],
): Record<string, WireAttribute> | undefined {
  const names = Object.keys(attrs.values).filter((name) => isWanted(name, wanted));
  if (names.length === 0) return undefined;
  return Object.fromEntries(names.map((name) => [name, toWire(attrs, name)]));
}

function isWanted(name: string, wanted: readonly string[]): boolean {
  return wanted.some(
    (w) => w === 'All' || w === '.*' || w === name || (w.endsWith('.*') && name.startsWith(w.slice(0, -1))),
  );
}

function toWire(attrs: MessageAttributes, name: string): WireAttribute {
  const DataType = attrs.types?.[name] ?? 'String';
  const value = attrs.values[name]!;
  return DataType.startsWith('Binary') ? { DataType, BinaryValue: value } : { DataType, StringValue: value };
}

/**
 * MD5OfMessageAttributes over the named attributes, as SQS computes it: by name, each
 * name, data type and value length-prefixed (4 bytes, big-endian), with a transport byte
 * (1 text, 2 binary) before the value
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html#sqs-attributes-md5-message-digest-calculation).
 */
export function md5OfAttributes(attrs: MessageAttributes, names = Object.keys(attrs.values)): string {
  const hash = createHash('md5');
  const lengthPrefixed = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length);
    hash.update(bytes);
  };
  for (const name of [...names].sort()) {
    const type = attrs.types?.[name] ?? 'String';
    const binary = type.startsWith('Binary');
    lengthPrefixed(Buffer.from(name, 'utf8'));
    lengthPrefixed(Buffer.from(type, 'utf8'));
    hash.update(Buffer.from([binary ? 2 : 1]));
    lengthPrefixed(
      binary ? Buffer.from(attrs.values[name]!, 'base64') : Buffer.from(attrs.values[name]!, 'utf8'),
    );
  }
  return hash.digest('hex');
}

/**
 * The stored form: a map of name to value, where an attribute of another type than
 * `String` is `[type, value]`. Plain strings keep rows written before types were kept
 * readable as they were.
 */
export function encodeAttributes(
  values: Record<string, string>,
  types: Record<string, string> | undefined,
): Record<string, string | [string, string]> {
  if (!types) return values;
  const out: Record<string, string | [string, string]> = {};
  for (const [name, value] of Object.entries(values)) {
    const type = types[name];
    out[name] = type === undefined ? value : [type, value];
  }
  return out;
}

export function decodeAttributes(stored: Record<string, string | [string, string]>): MessageAttributes {
  const out: MessageAttributes = { values: {} };
  for (const [name, value] of Object.entries(stored)) {
    if (typeof value === 'string') out.values[name] = value;
    else {
      out.values[name] = value[1];
      out.types = { ...out.types, [name]: value[0] };
    }
  }
  return out;
}
